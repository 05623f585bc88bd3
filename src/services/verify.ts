/**
 * `pitrctl verify`: the tool's own verification of each backup, then pitrctl's checks of the WAL
 * that recovering it needs — the tool's own verdict is read from its output, never from its exit
 * code alone (three tools exit 0 on corruption) — and with --restore a real test restore.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { VerifyCheck, WalNeeded } from '../adapters/adapter.js'
import { AppError } from '../errors.js'
import { newestOkBackup } from '../model/alerts.js'
import { isRestorable, type Backup, type Catalog } from '../model/catalog.js'
import { TEST_RESTORE_CHECK, verdictOf, worthTestRestore } from '../model/verify-verdict.js'
import { MissingHistoryError, timelinePath } from '../model/timeline.js'
import type { ToolId } from '../model/tool-id.js'
import { knownTimelines, walkArchive } from '../model/window.js'
import { withPg } from '../pg/client.js'
import { stopServer } from '../pg/server.js'
import { freePort, scratchDir } from '../util/free-port.js'
import type { AppContext } from './context.js'
import { contentIO } from './content-record.js'
import { readCatalogs } from './list.js'
import { decideTablespaces } from './restore-tablespaces.js'
import { restoreInto } from './restore-into.js'
import { tornCheck } from './torn-check.js'
import { withLock } from './lock.js'
import { recordRestorePass } from './verify-history.js'

export interface VerifyResult {
  readonly backup: string
  readonly tool: ToolId
  readonly ok: boolean
  readonly checks: readonly VerifyCheck[]
}

export interface VerifyReport {
  readonly cluster: string
  readonly results: readonly VerifyResult[]
}

/** `opts.newest`: only each tool's newest backup with status ok (the scheduled drill, `schedule-verify`) */
export async function verifyBackups(ctx: AppContext, tools: readonly ToolId[], backupId: string | undefined, withRestore: boolean, opts: { newest?: boolean } = {}): Promise<VerifyReport> {
  // A test restore reads a backup for a while: it holds the cluster lock so expire cannot delete it meanwhile (Barman #200).
  if (withRestore) return withLock(ctx.stateDir, ctx.cluster.name, 'verify --restore', false, () => verifyAll(ctx, tools, backupId, true, opts))
  return verifyAll(ctx, tools, backupId, false, opts)
}

async function verifyAll(ctx: AppContext, tools: readonly ToolId[], backupId: string | undefined, withRestore: boolean, opts: { newest?: boolean }): Promise<VerifyReport> {
  const catalogs = await readCatalogs(ctx, tools, true)
  const results: VerifyResult[] = []
  for (const c of catalogs) {
    if (opts.newest) {
      const b = newestOkBackup(c.backups)
      if (b) results.push(await verifyOne(ctx, c, b, withRestore))
      else results.push({ backup: '-', tool: c.tool, ok: false, checks: [{ name: 'backup exists', ok: false, detail: `${c.tool} has no backup with status ok` }] })
      continue
    }
    const chosen = c.backups.filter((b) => (backupId === undefined ? b.status !== 'running' : b.id === backupId))
    for (const b of chosen) results.push(await verifyOne(ctx, c, b, withRestore))
  }
  if (backupId !== undefined && results.length === 0)
    results.push({ backup: backupId, tool: tools[0]!, ok: false, checks: [{ name: 'backup exists', ok: false, detail: `there is no backup ${backupId}` }] })
  return { cluster: ctx.cluster.name, results }
}

async function verifyOne(ctx: AppContext, c: Catalog, b: Backup, withRestore: boolean): Promise<VerifyResult> {
  const checks: VerifyCheck[] = [{ name: 'catalog status', ok: b.status === 'ok', detail: `the tool lists it as ${b.status}` }]
  const adapter = ctx.adapter(c.tool)
  if (isRestorable(b) || b.status === 'unverified') {
    try {
      const out = await ctx.progress.task(`${c.tool}: verify ${b.id}`, () => ctx.execute(adapter.planVerify(ctx.env(c.tool), b, walNeeded(c, b)), c.tool))
      checks.push(...(await adapter.readVerify(ctx.env(c.tool), b, out, contentIO(ctx, c.tool))))
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      checks.push({ name: `${c.tool} verification`, ok: false, detail: e.message })
    }
  }
  checks.push(...walChecks(c, b))
  const torn = await tornCheck(ctx, c.tool, walNeeded(c, b).map((w) => w.name))
  if (torn) checks.push(torn)
  if (withRestore && worthTestRestore(checks)) checks.push(await testRestore(ctx, c.tool, b))
  return { backup: b.id, tool: c.tool, ok: verdictOf(checks), checks }
}

/** the WAL chain: the backup's own WAL, continuity up to the newest segment, every history file */
export function walChecks(c: Catalog, b: Backup): VerifyCheck[] {
  if (!isRestorable(b)) return [{ name: 'WAL chain', ok: false, detail: 'the backup has no usable start/stop position' }]
  const checks: VerifyCheck[] = []
  let path0
  try {
    path0 = timelinePath(b.timeline!, c.wal.histories)
  } catch (e) {
    if (!(e instanceof MissingHistoryError)) throw e
    return [{ name: 'timeline history', ok: false, detail: e.message }]
  }
  const walk = walkArchive(b, path0, c.wal)
  checks.push({
    name: 'WAL needed for consistency',
    ok: walk.reachesConsistency,
    detail: walk.reachesConsistency ? `${b.walStart} … ${b.walStop} archived` : `missing from the archive: ${walk.gapAt ?? `a segment up to ${b.walStop}`}`,
  })
  checks.push({
    name: 'WAL continuity',
    ok: walk.gapAt === null,
    detail: walk.gapAt === null ? `contiguous to ${walk.walked[walk.walked.length - 1] ?? b.walStop}` : `gap at ${walk.gapAt}: recovery past it is impossible`,
  })
  const missing = knownTimelines([], c.wal).filter((t) => {
    try {
      timelinePath(t, c.wal.histories)
      return false
    } catch {
      return true
    }
  })
  checks.push({ name: 'timeline history files', ok: missing.length === 0, detail: missing.length ? `missing for timeline(s) ${missing.join(', ')}` : 'present for every timeline' })
  return checks
}

/** the archived WAL recovering `b` walks through, with the checksums recorded at archive time */
export function walNeeded(c: Catalog, b: Backup): WalNeeded[] {
  if (!isRestorable(b)) return []
  let p
  try {
    p = timelinePath(b.timeline!, c.wal.histories)
  } catch {
    return []
  }
  return walkArchive(b, p, c.wal).walked.map((name) => ({ name, sha256: c.wal.index.get(name)?.sha256 ?? null }))
}

/** restore into a scratch directory, start it on a free port, ask it a question, remove it */
async function testRestore(ctx: AppContext, tool: ToolId, b: Backup): Promise<VerifyCheck> {
  const dir = await scratchDir('pitrctl-verify-')
  const dest = path.join(dir, 'data')
  try {
    // each tablespace goes to <scratch>/data.tablespaces/<name>, removed with the scratch directory
    const ts = await decideTablespaces(ctx, tool, b, { into: dest, maps: [], target: { kind: 'immediate' } })
    const port = await freePort()
    const { outcome } = await restoreInto(ctx, {
      tool, backup: b, dest, target: { kind: 'immediate' }, inclusive: true, timeline: { kind: 'current' }, action: 'promote', clone: true, port, tablespaces: ts.tablespaces,
      watch: { logFile: path.join(dir, 'server.log'), expectedEndLsn: null },
    })
    const socket = outcome?.socketDir ?? ctx.cluster.host
    const n = await withPg({ host: socket, port, user: ctx.cluster.user, database: ctx.cluster.database }, (s) => s.query<{ n: string }>('select count(*)::text as n from pg_class'))
    const detail = `restored, started on port ${port}, answered a query (${n[0]?.n} relations)`
    // For pitrctl_verify_restore_last_success_timestamp_seconds; the restore passed either way.
    const recorded = await recordRestorePass(ctx.stateDir, { tool, backup: b.id, at: new Date().toISOString() }).then(
      () => '',
      (e: Error) => `; not recorded for metrics: ${e.message}`,
    )
    return { name: TEST_RESTORE_CHECK, ok: true, detail: `${detail}${recorded}` }
  } catch (e) {
    return { name: TEST_RESTORE_CHECK, ok: false, detail: (e as Error).message }
  } finally {
    await stopServer(ctx.runner, ctx.binDir, dest, 'immediate').catch(() => undefined)
    // a scratch directory pitrctl made a moment ago, never a user's data directory
    await fs.rm(dir, { recursive: true, force: true })
  }
}
