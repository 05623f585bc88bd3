/**
 * The one way pitrctl restores a backup into a directory: the tool restores the files, pitrctl
 * makes the recovery settings exactly right, and (when asked) starts the server and watches
 * recovery until it ends. `restore`, `verify --restore` and the drill all come through here.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { RestoreRequest } from '../adapters/adapter.js'
import { plan } from '../model/plan.js'
import { planRecoveryConfig } from '../model/recovery-config.js'
import { toRecoverySettings } from '../model/recovery-settings.js'
import type { TablespaceDest } from '../model/tablespaces.js'
import type { ToolId } from '../model/tool-id.js'
import type { AppContext } from './context.js'
import { checkedRestoreCommand } from './checked-wal-fetch.js'
import { startAndWatch, type RecoveryOutcome } from './recovery-watch.js'

export interface RestoreIntoRequest extends RestoreRequest {
  readonly tool: ToolId
  /** decided by services/restore-tablespaces.ts: every caller says where the backup's tablespaces go */
  readonly tablespaces: readonly TablespaceDest[]
  readonly port: number
  /** in place: the archive_command the cluster must keep */
  readonly archiveCommand?: string | undefined
  /** after the tool restored the files, before the settings: WAL the tool's archive lacks (names added) */
  readonly addWal?: (dest: string) => Promise<string[]>
  /** after files and settings are in place, before the server starts (an in-place restore drops its marker) */
  readonly onReady?: () => Promise<void>
  /** start the restored server and watch recovery; absent: leave it stopped */
  readonly watch?: {
    readonly logFile: string
    /** for `latest`: the end of the WAL the archive (and rescued WAL) holds */
    readonly expectedEndLsn: string | null
    readonly timelineAt?: (lsn: string) => number
  }
}

export interface RestoreIntoResult {
  readonly notes: readonly string[]
  readonly injected: readonly string[]
  /** files and settings */
  readonly restoreSeconds: number
  /** undefined when the server was not started */
  readonly outcome: RecoveryOutcome | undefined
  readonly recoverySeconds: number | null
}

const secondsSince = (t: number) => Math.round((performance.now() - t) / 10) / 100

export async function restoreInto(ctx: AppContext, r: RestoreIntoRequest): Promise<RestoreIntoResult> {
  const t0 = performance.now()
  const notes: string[] = []
  const restorePlan = ctx.adapter(r.tool).planRestore(ctx.env(r.tool), {
    backup: r.backup, dest: r.dest, target: r.target, inclusive: r.inclusive, timeline: r.timeline, action: r.action, clone: r.clone, tablespaces: r.tablespaces,
  })
  // Every tool gets an empty, private directory (pgBackRest wants it to exist, WAL-G wants it empty).
  await ctx.execute(plan('destination', { kind: 'mkdir', id: 'dest', title: `create ${r.dest}`, path: r.dest, mode: 0o700 }), 'pitrctl')
  await ctx.progress.task(`${r.tool}: restore ${r.backup.id} into ${r.dest}`, () => ctx.execute(restorePlan, r.tool))
  const injected = r.addWal ? await r.addWal(r.dest) : []
  const desired = toRecoverySettings({ target: r.target, inclusive: r.inclusive, timeline: r.timeline, action: r.action })
  const read = (p: string) => fs.readFile(p, 'utf8').catch(() => '')
  const configPlan = planRecoveryConfig({
    dest: r.dest,
    desired,
    autoConf: await read(path.join(r.dest, 'postgresql.auto.conf')),
    extraFiles: await Promise.all(restorePlan.recoveryFiles.map(async (p) => ({ path: p, content: await read(p) }))),
    // Every tool's recovery goes through pitrctl's checked fetch (a torn archived copy must make
    // restore_command fail, so PostgreSQL takes pg_wal's complete copy): checked-wal-fetch.ts.
    restoreCommand: checkedRestoreCommand(ctx.env(r.tool)),
    clone: r.clone ? { port: r.port } : undefined,
    archiveCommand: r.clone ? undefined : r.archiveCommand,
  })
  await ctx.execute(configPlan, 'pitrctl')
  if (configPlan.keptFromTool.length) notes.push(`${r.tool} wrote ${configPlan.keptFromTool.join(', ')} as asked`)
  if (r.clone) notes.push(`archiving is off in the copy (archive_mode = off); port ${r.port}`)
  if (r.onReady) await r.onReady()
  const restoreSeconds = secondsSince(t0)
  if (!r.watch) return { notes, injected, restoreSeconds, outcome: undefined, recoverySeconds: null }
  if (ctx.dryRun) {
    ctx.dryRunLines.push(`# then start the server in ${r.dest} and watch recovery until it reaches the target`)
    return { notes, injected, restoreSeconds, outcome: undefined, recoverySeconds: null }
  }
  const watch = r.watch
  const t1 = performance.now()
  const outcome = await ctx.progress.task('start the server and wait until recovery ends', () =>
    startAndWatch(ctx, {
      pgdata: r.dest, port: r.port, logFile: watch.logFile, target: r.target, action: r.action, expectedEndLsn: watch.expectedEndLsn,
      ...(watch.timelineAt ? { timelineAt: watch.timelineAt } : {}),
    }),
  )
  return { notes, injected, restoreSeconds, outcome, recoverySeconds: secondsSince(t1) }
}
