/**
 * `pitrctl mark` (a named restore point) and `pitrctl promote` (end a recovery paused at its target).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { PostgresError, RefusedError, UsageError } from '../errors.js'
import { execStep, plan } from '../model/plan.js'
import { parseRecoveryTarget } from '../model/recovery-target.js'
import { connectPg, withPg, type PgConnInfo } from '../pg/client.js'
import { postmasterState } from '../pg/server.js'
import type { AppContext } from './context.js'
import { indexDir } from './wal-index.js'

export interface MarkResult {
  readonly cluster: string
  readonly name: string
  readonly lsn: string | null
}

export async function markRestorePoint(ctx: AppContext, name: string): Promise<MarkResult> {
  const t = parseRecoveryTarget(`name:${name}`, { zone: 'UTC', now: new Date() })
  if (t.kind !== 'name' || t.name !== name) throw new UsageError(`bad restore point name ${JSON.stringify(name)}`, { hint: 'use plain text up to 63 bytes, without leading or trailing blanks' })
  const existing = await findRestorePoint(ctx, name)
  if (existing) throw new UsageError(`restore point '${name}' already exists (at ${existing})`, { hint: 'names must be unique to be a target: pick another' })
  if (ctx.dryRun) {
    ctx.dryRunLines.push(`sql: select pg_create_restore_point('${name.replace(/'/g, "''")}')`)
    return { cluster: ctx.cluster.name, name, lsn: null }
  }
  const [row] = await withPg(ctx.pg, (s) => s.query<{ lsn: string }>('select pg_create_restore_point($1)::text as lsn', [name]))
  return { cluster: ctx.cluster.name, name, lsn: row?.lsn ?? null }
}

async function findRestorePoint(ctx: AppContext, name: string): Promise<string | undefined> {
  const dir = indexDir(ctx)
  for (const f of await fs.readdir(dir).catch(() => [])) {
    const text = await fs.readFile(path.join(dir, f), 'utf8').catch(() => '')
    if (!text.includes(name)) continue
    const info = JSON.parse(text) as { restorePoints?: { name: string; lsn: string }[] }
    const hit = info.restorePoints?.find((p) => p.name === name)
    if (hit) return hit.lsn
  }
  return undefined
}

export interface PromoteResult {
  readonly pgdata: string
  readonly promoted: boolean
  readonly timeline: number | null
  readonly lsn: string | null
}

export async function promoteServer(ctx: AppContext, into: string | undefined): Promise<PromoteResult> {
  const pgdata = into ? path.resolve(into) : ctx.cluster.pgdata
  const pm = await postmasterState(pgdata)
  if (pm.state !== 'running') throw new RefusedError(`no server is running in ${pgdata}`, { hint: 'start the restored server first (pitrctl restore … --start)' })
  const conn: PgConnInfo = { host: pm.socketDir ?? ctx.cluster.host, port: pm.port ?? ctx.cluster.port, user: ctx.cluster.user, database: ctx.cluster.database }
  const [state] = await withPg(conn, (s) => s.query<{ rec: boolean; pause: string | null }>('select pg_is_in_recovery() as rec, case when pg_is_in_recovery() then pg_get_wal_replay_pause_state() end as pause'))
  if (!state?.rec) throw new RefusedError(`the server in ${pgdata} is not in recovery: nothing to promote`, { hint: 'it already accepts writes' })
  if (state.pause !== 'paused') throw new RefusedError(`recovery in ${pgdata} has not paused at its target yet`, { hint: 'wait for it to reach the target, then promote' })
  await ctx.execute(plan('promote', execStep('promote', 'pg_ctl promote', [path.join(ctx.binDir, 'pg_ctl'), 'promote', '-D', pgdata, '-w', '-t', '300'])), 'pitrctl')
  if (ctx.dryRun) return { pgdata, promoted: false, timeline: null, lsn: null }
  const deadline = Date.now() + 300_000
  while (Date.now() < deadline) {
    const s = await connectPg(conn)
    try {
      const [r] = await s.query<{ rec: boolean; tli: string | null; lsn: string | null }>(
        "select pg_is_in_recovery() as rec, case when not pg_is_in_recovery() then substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) end as tli, case when not pg_is_in_recovery() then pg_current_wal_lsn()::text end as lsn",
      )
      if (r && !r.rec) return { pgdata, promoted: true, timeline: r.tli ? Number.parseInt(r.tli, 16) : null, lsn: r.lsn }
    } finally {
      await s.close()
    }
    await new Promise((res) => setTimeout(res, 200))
  }
  throw new PostgresError(`the server in ${pgdata} did not leave recovery after pg_ctl promote`, { hint: 'read its log' })
}
