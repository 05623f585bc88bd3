/**
 * `pitrctl backup`: run the tool's backup, make sure the WAL that ends it is archived, and find
 * the new backup in the tool's own catalog (by the ids that were not there before).
 */
import { ToolError, UsageError } from '../errors.js'
import type { Backup } from '../model/catalog.js'
import { TOOL_LABEL, type ToolId } from '../model/tool-id.js'
import { ensureArchived } from './archiving.js'
import { recordAttempt } from './backup-attempts.js'
import { readCatalog } from './catalog.js'
import type { AppContext } from './context.js'
import { recordStoredObjects } from './content-record.js'
import { withLock } from './lock.js'
import { liveTablespaces, rememberTablespaceNames } from './restore-tablespaces.js'

export interface BackupOptions {
  readonly type: 'full' | 'incr' | 'diff'
  readonly label: string | undefined
}

/** one backup, its outcome recorded for `alert-backup-failures` (services/backup-attempts.ts) */
export async function takeBackup(ctx: AppContext, tool: ToolId, opts: BackupOptions): Promise<Backup | null> {
  return recordAttempt({ stateDir: ctx.stateDir, tool, type: opts.type, dryRun: ctx.dryRun }, () => backupOnce(ctx, tool, opts))
}

async function backupOnce(ctx: AppContext, tool: ToolId, opts: BackupOptions): Promise<Backup | null> {
  const adapter = ctx.adapter(tool)
  if (!adapter.capabilities.backupTypes.includes(opts.type))
    throw new UsageError(`${TOOL_LABEL[tool]} cannot take a ${opts.type} backup: ${adapter.capabilities.backupTypesNote}`, {
      hint: `use --type ${adapter.capabilities.backupTypes[0]}`,
    })
  if (opts.label !== undefined && (opts.label.length > 100 || /[\u0000-\u001f']/.test(opts.label)))
    throw new UsageError('--label must be at most 100 characters without quotes or control characters', { hint: 'use plain words' })
  return withLock(ctx.stateDir, ctx.cluster.name, `backup with ${tool}`, ctx.dryRun, async () => {
    const existing = (await readCatalog(ctx, tool, { fillIndex: false })).backups
    if (opts.label !== undefined && existing.some((b) => b.label === opts.label))
      throw new UsageError(`a backup labelled ${JSON.stringify(opts.label)} already exists`, { hint: 'labels name one backup each: pick another' })
    const before = new Set(existing.map((b) => b.id))
    // the native tool places each tablespace itself (pg_basebackup -T); the others find them alone.
    // Their names are kept for restores while the server is down (WAL-G and pg_rman keep none).
    const tablespaces = await liveTablespaces(ctx)
    await rememberTablespaceNames(ctx, tablespaces)
    await ctx.progress.task(`${tool}: back up`, () => ctx.execute(adapter.planBackup(ctx.env(tool), { type: opts.type, label: opts.label, startedAt: new Date(), tablespaces }), tool))
    if (ctx.dryRun) return null
    await ctx.progress.task('wait until the WAL that ends the backup is archived', () => ensureArchived(ctx))
    const after = await readCatalog(ctx, tool, { fillIndex: false })
    const fresh = after.backups.filter((b) => !before.has(b.id))
    const backup = fresh[fresh.length - 1]
    if (!backup)
      throw new ToolError({ kind: 'unknown', tool, summary: 'the backup command succeeded but no new backup appeared in the catalog', exitCode: 0, argv: [], stderrTail: [] })
    // Some tools exit 0 and mark the backup failed in their catalog (Barman): the catalog is the verdict.
    if (backup.status === 'error')
      throw new ToolError({ kind: 'unknown', tool, summary: `the tool exited 0 but lists backup ${backup.id} as failed`, exitCode: 0, argv: [], stderrTail: [] })
    // What verify compares the backup's content with later, for tools that keep no checksums.
    await ctx.progress.task('record the stored objects of the backup', () => recordStoredObjects(ctx, tool, backup))
    return backup
  })
}
