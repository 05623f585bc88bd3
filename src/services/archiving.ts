/**
 * WAL archiving: `wal-push` (pitrctl's archive_command, which hands each file to every tool of the
 * cluster and fails unless all succeed), `wal-fetch` (the native restore_command), and waiting
 * until the server's WAL up to now is in the repository.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { PostgresError, ToolError, UsageError } from '../errors.js'
import { buildWalCommand } from '../model/recovery-settings.js'
import { walFileKind } from '../model/wal-name.js'
import { withPg } from '../pg/client.js'
import type { AppContext } from './context.js'
import { repairTornCopy } from './torn-repair.js'
import { planWalFetch } from './wal-fetch-plan.js'
import { analyzeSegment, writeIndexEntry } from './wal-index.js'

/** the archive_command pitrctl installs: absolute node and entry point, config path, cluster */
export function archiveCommand(ctx: AppContext): string {
  const self = ctx.env(ctx.cluster.tools[0]).pitrctl
  return buildWalCommand([...self, 'wal-push', '--config', ctx.config.file, '--cluster', ctx.cluster.name, { placeholder: '%p' }])
}

export interface WalPushResult {
  readonly file: string
  readonly tools: readonly string[]
}

export async function walPush(ctx: AppContext, walPath: string, deadlineMs: number): Promise<WalPushResult> {
  const abs = path.resolve(walPath)
  const name = path.basename(abs)
  const kind = walFileKind(name)
  if (!kind) throw new UsageError(`${name} is not a WAL file name`, { hint: 'archive_command passes %p: a segment, .history, .backup or .partial file' })
  const stat = await fs.stat(abs).catch(() => undefined)
  if (!stat?.isFile()) throw new UsageError(`${abs} does not exist`, { hint: 'archive_command passes %p, relative to the data directory' })
  // Read the segment once for the index before any tool may compress or move it.
  const info = kind === 'segment' ? await analyzeSegment(ctx, abs, name) : undefined
  const signal = AbortSignal.timeout(deadlineMs)
  for (const tool of ctx.cluster.tools) {
    try {
      await ctx.execute(ctx.adapter(tool).planWalPush(ctx.env(tool), abs), tool, { signal }).catch(async (e: unknown) => {
        // a torn copy left by a push killed half way is removed, then the push is tried once more
        if (!signal.aborted && (await repairTornCopy(ctx, tool, abs, e))) return ctx.execute(ctx.adapter(tool).planWalPush(ctx.env(tool), abs), tool, { signal })
        throw e
      })
    } catch (e) {
      if (signal.aborted) throw new ToolError({ kind: 'timeout', tool, summary: `archiving ${name} took longer than ${deadlineMs / 1000}s`, exitCode: undefined, argv: ['wal-push', abs], stderrTail: [] })
      throw e
    }
  }
  // Written last: an index entry means every tool holds the file.
  if (info && !ctx.dryRun) await writeIndexEntry(ctx, info)
  return { file: name, tools: [...ctx.cluster.tools] }
}

/** the native restore_command (bin/run.js's fast path runs the same plan without the CLI: cli/wal-fetch-fast.ts) */
export async function walFetch(ctx: AppContext, name: string, dest: string): Promise<void> {
  await ctx.execute(planWalFetch(ctx.adapter('native'), ctx.env('native'), name, dest), 'native')
}

/**
 * Have the server switch to a new segment and wait until every segment up to this moment is
 * archived, so that `latest` includes what was committed before now and a time target finds
 * the commits that follow it.
 */
export async function ensureArchived(ctx: AppContext, timeoutMs = Number(process.env.PITRCTL_ARCHIVE_WAIT_MS ?? 120_000)): Promise<string | undefined> {
  if (ctx.dryRun) {
    ctx.dryRunLines.push('# wait for the WAL up to now to be archived', 'sql: select pg_switch_wal()')
    return undefined
  }
  return withPg(ctx.pg, async (s) => {
    const [row] = await s.query<{ walfile: string; in_recovery: boolean }>('select pg_is_in_recovery() as in_recovery, case when pg_is_in_recovery() then null else pg_walfile_name(pg_current_wal_lsn()) end as walfile')
    if (!row || row.in_recovery || !row.walfile) return undefined
    // A record in the current segment makes sure the switch really happens (at a segment boundary it would not).
    const [cur] = await s.query<{ walfile: string }>("select pg_walfile_name(pg_logical_emit_message(false, 'pitrctl', 'switch')) as walfile")
    await s.query('select pg_switch_wal()')
    const walfile = cur?.walfile ?? row.walfile
    const statusDir = path.join(ctx.cluster.pgdata, 'pg_wal', 'archive_status')
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const ready = await fs.stat(path.join(statusDir, `${walfile}.ready`)).then(() => true, () => false)
      const done = await fs.stat(path.join(statusDir, `${walfile}.done`)).then(() => true, () => false)
      const present = await fs.stat(path.join(ctx.cluster.pgdata, 'pg_wal', walfile)).then(() => true, () => false)
      if (!ready && (done || !present)) return walfile
      if (Date.now() > deadline) {
        const [a] = await s.query<{ last_failed_wal: string | null; failed_count: string }>('select last_failed_wal, failed_count::text from pg_stat_archiver')
        throw new PostgresError(`WAL segment ${walfile} was not archived within ${timeoutMs / 1000}s`, {
          hint: 'run `pitrctl check` and read the server log: archiving is failing or slow',
          details: a?.last_failed_wal ? [`last failed: ${a.last_failed_wal} (failures: ${a.failed_count})`] : [],
        })
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  })
}
