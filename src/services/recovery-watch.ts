/**
 * Start a restored server and find out, from the server itself and its log, where recovery really
 * stopped. `pg_ctl` exiting 0 proves nothing (L2); a corrupt or missing segment ends redo quietly
 * and promotes (L24, L25). Success needs the log's stop line, the server's state and the expected
 * end of WAL to agree (reliability.md rule 1).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { PostgresError, UnreachableTargetError } from '../errors.js'
import { compareLsn, parseLsn } from '../model/lsn.js'
import { describeStop, parseRecoveryLog, type RecoveryLog } from '../model/recovery-log.js'
import type { RecoveryAction, RecoveryTarget } from '../model/recovery-target.js'
import { connectPg, type PgConnInfo } from '../pg/client.js'
import { postmasterState, readLog, startServer } from '../pg/server.js'
import type { AppContext } from './context.js'

export interface Reached {
  readonly lsn: string | null
  readonly time: string | null
  readonly timeline: number | null
}

export interface RecoveryOutcome {
  readonly state: 'paused' | 'promoted' | 'shutdown'
  readonly reached: Reached
  readonly log: RecoveryLog
  readonly stoppedAt: string
  readonly port: number
  readonly socketDir: string
}

export interface WatchRequest {
  readonly pgdata: string
  readonly port: number
  readonly logFile: string
  readonly target: RecoveryTarget
  readonly action: RecoveryAction
  /** for `latest`: the end of the WAL the archive (and rescued WAL) holds; redo must get there */
  readonly expectedEndLsn: string | null
  /** the timeline a replayed position belongs to, on the plan's path */
  readonly timelineAt?: (lsn: string) => number
}

export async function startAndWatch(ctx: AppContext, req: WatchRequest): Promise<RecoveryOutcome> {
  const offset = await fs.stat(req.logFile).then((s) => s.size, () => 0)
  await startServer(ctx.runner, { binDir: ctx.binDir, pgdata: req.pgdata, logFile: req.logFile })
  const socketDir = await socketDirOf(req.pgdata, ctx.cluster.host)
  const conn: PgConnInfo = { host: socketDir, port: req.port, user: ctx.cluster.user, database: ctx.cluster.database }
  const state = await waitForEnd(req.pgdata, conn, async () => parseRecoveryLog(await readLog(req.logFile, offset)))
  const log = parseRecoveryLog(await readLog(req.logFile, offset))
  const reached = state.kind === 'exited' ? reachedFromLog(log) : await reachedFromServer({ ...conn, host: state.dir }, state.kind, log, req.timelineAt)
  judge(req, state.kind, log, reached)
  return {
    state: state.kind === 'exited' ? 'shutdown' : state.kind,
    reached,
    log,
    stoppedAt: log.stop ? describeStop(log.stop) : state.kind === 'promoted' ? `end of WAL (redo done at ${log.redoDoneAt ?? '?'})` : 'unknown',
    port: req.port,
    socketDir,
  }
}

async function socketDirOf(pgdata: string, fallback: string): Promise<string> {
  const text = await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').catch(() => '')
  const dir = text.split('\n')[4]?.trim()
  return dir || (fallback.startsWith('/') ? fallback : '/var/run/postgresql')
}

type EndState = { kind: 'paused'; dir: string } | { kind: 'promoted'; dir: string } | { kind: 'exited' }

async function waitForEnd(pgdata: string, conn: PgConnInfo, logNow: () => Promise<RecoveryLog>): Promise<EndState> {
  const limitMs = Number(process.env.PITRCTL_RECOVERY_TIMEOUT_MS ?? 6 * 3600_000)
  const deadline = Date.now() + limitMs
  let dir = conn.host
  // pg_ctl -W returns before the postmaster writes its pid file: "stopped" means exited only once it ran.
  let seenRunning = false
  const startedAt = Date.now()
  while (Date.now() < deadline) {
    const pm = await postmasterState(pgdata)
    if (pm.state === 'stopped' || pm.state === 'stale') {
      if (seenRunning || Date.now() - startedAt > 60_000) return { kind: 'exited' }
      await new Promise((r) => setTimeout(r, 100))
      continue
    }
    seenRunning = true
    if (pm.state === 'running' && pm.socketDir) dir = pm.socketDir
    const log = await logNow()
    if (log.endedBeforeTarget || log.shutdownAtTarget) {
      await new Promise((r) => setTimeout(r, 300))
      continue // the postmaster is on its way out
    }
    try {
      const s = await connectPg({ ...conn, host: dir }, 2000)
      try {
        const [r] = await s.query<{ rec: boolean; pause: string | null }>(
          'select pg_is_in_recovery() as rec, case when pg_is_in_recovery() then pg_get_wal_replay_pause_state() end as pause',
        )
        if (r && !r.rec) return { kind: 'promoted', dir }
        if (r?.pause === 'paused') return { kind: 'paused', dir }
      } finally {
        await s.close()
      }
    } catch {
      // not accepting connections yet (still before consistency)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new PostgresError(`recovery in ${pgdata} did not finish within ${limitMs / 1000}s`, { hint: 'it is still running: watch its log, or raise PITRCTL_RECOVERY_TIMEOUT_MS' })
}

async function reachedFromServer(conn: PgConnInfo, kind: 'paused' | 'promoted', log: RecoveryLog, timelineAt: ((lsn: string) => number) | undefined): Promise<Reached> {
  const s = await connectPg(conn)
  try {
    const [r] = await s.query<{ lsn: string | null; t: Date | null; tli: string | null }>(
      kind === 'paused'
        ? 'select pg_last_wal_replay_lsn()::text as lsn, pg_last_xact_replay_timestamp() as t, null::text as tli'
        : "select pg_current_wal_lsn()::text as lsn, pg_last_xact_replay_timestamp() as t, substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) as tli",
    )
    return {
      lsn: kind === 'promoted' ? (log.redoDoneAt ?? r?.lsn ?? null) : (r?.lsn ?? null),
      time: r?.t ? r.t.toISOString() : null,
      // paused: the server has no function for the replay timeline; the plan's timeline path tells it
      timeline: r?.tli ? Number.parseInt(r.tli, 16) : r?.lsn && timelineAt ? timelineAt(r.lsn) : null,
    }
  } finally {
    await s.close()
  }
}

function reachedFromLog(log: RecoveryLog): Reached {
  return { lsn: log.stop?.lsn ?? log.redoDoneAt ?? null, time: null, timeline: log.newTimeline ?? null }
}

function judge(req: WatchRequest, kind: EndState['kind'], log: RecoveryLog, reached: Reached): void {
  const howFar = `it got to ${reached.lsn ?? log.redoDoneAt ?? 'an unknown position'}${log.lastTransactionTime ? ` (last transaction ${log.lastTransactionTime})` : ''}`
  const fail = (what: string) =>
    new UnreachableTargetError(`recovery did not reach the target: ${what}; ${howFar}`, {
      hint: 'the restored directory is left as it is for inspection; restore again to a reachable target',
      details: log.problems.slice(-5),
    })
  if (log.endedBeforeTarget) throw fail('PostgreSQL ran out of WAL before the target')
  if (kind === 'exited' && !log.shutdownAtTarget) throw fail('the server stopped during recovery')
  if (req.target.kind === 'latest') {
    if (kind !== 'promoted') throw fail('recovery did not end')
    const end = req.expectedEndLsn ? parseLsn(req.expectedEndLsn) : undefined
    const done = log.redoDoneAt ? parseLsn(log.redoDoneAt) : undefined
    // Without "redo done" in the log nothing proves recovery got to the end: fail, never assume.
    if (end !== undefined && done === undefined) throw fail('the server log does not say where redo ended')
    if (end !== undefined && done !== undefined && compareLsn(done, end) < 0)
      throw fail(`redo ended at ${log.redoDoneAt}, before the end of the archived WAL (${req.expectedEndLsn}): a segment is missing or corrupt`)
    return
  }
  if (!log.stop) throw fail('the log shows no recovery stop point')
  if (req.target.kind === 'immediate' && log.stop.what !== 'consistency') throw fail(`it stopped ${describeStop(log.stop)}, not at consistency`)
  if (req.target.kind === 'name' && log.stop.what !== 'restore-point') throw fail(`it stopped ${describeStop(log.stop)}`)
  if (req.target.kind === 'xid' && log.stop.xid !== undefined && log.stop.xid !== req.target.xid) throw fail(`it stopped ${describeStop(log.stop)}, not at transaction ${req.target.xid}`)
  const expected = { pause: 'paused', promote: 'promoted', shutdown: 'exited' }[req.action]
  if (kind !== expected) throw fail(`the server is ${kind}, expected ${expected}`)
}
