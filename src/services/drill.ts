/**
 * `pitrctl drill`: the recovery drill on a throwaway cluster, every tool side by side. One
 * archive_command (pitrctl's wal-push) feeds every tool the same WAL stream; each tool backs up
 * the same data, the scenario plays, and each tool restores into its own directory and port to
 * the scenario's target, where the rows are checked against what they were at the target.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { adapterFor } from '../adapters/registry.js'
import type { Progress } from '../util/progress.js'
import { parseConfigText } from '../config/load.js'
import { AppError } from '../errors.js'
import { chooseBaseBackup } from '../model/choose-backup.js'
import { parseRecoveryTarget, type RecoveryTarget } from '../model/recovery-target.js'
import { pgUtcFromMicros } from '../model/time.js'
import { TOOL_IDS, isToolId, type ToolId } from '../model/tool-id.js'
import { stopServer } from '../pg/server.js'
import { createSandbox, findBinDir, type PgSandbox } from '../sandbox/pg-sandbox.js'
import { freePort } from '../util/free-port.js'
import { archiveCommand, ensureArchived } from './archiving.js'
import { takeBackup } from './backup.js'
import { readCatalog } from './catalog.js'
import { buildContext, type AppContext } from './context.js'
import { restoreInto } from './restore-into.js'
import { decideTablespaces } from './restore-tablespaces.js'
import { setupCluster } from './setup.js'
import { dirBytes } from '../util/dir-bytes.js'
import { s3Client, s3IniLines, startSeaweedfs, type S3Sandbox } from '../sandbox/seaweedfs.js'
import { lookupUser, isRoot } from '../util/identity.js'

export type DrillScenario = 'mistaken-delete' | 'two-restores'
/** where the tools keep their repositories: a directory, or a bucket on a SeaweedFS the drill starts */
export type DrillRepo = 'disk' | 's3'
export const DRILL_REPOS: readonly DrillRepo[] = ['disk', 's3']
const DRILL_BUCKET = 'pitrctl-drill'
export const DRILL_SCENARIOS: readonly DrillScenario[] = ['mistaken-delete', 'two-restores']

export interface DrillToolResult {
  readonly tool: ToolId
  readonly status: 'passed' | 'failed' | 'skipped'
  readonly reason: string | null
  readonly backupSeconds: number | null
  readonly restoreSeconds: number | null
  readonly recoverySeconds: number | null
  readonly repoBytes: number | null
  /** beyond the contract: every restore the scenario made, in order */
  readonly restores: readonly DrillRestore[]
  readonly version: string | null
}

export interface DrillRestore {
  readonly label: string
  readonly target: string
  readonly backup: string | null
  readonly timeline: number | null
  readonly restoreSeconds: number | null
  readonly recoverySeconds: number | null
  readonly ok: boolean
  readonly detail: string
}

export interface DrillEvent {
  readonly label: string
  readonly at: string
  readonly kind: 'backup' | 'point' | 'accident' | 'restore'
  readonly timeline: number
}

export interface DrillReport {
  readonly scenario: DrillScenario
  readonly target: string
  readonly results: readonly DrillToolResult[]
  readonly rows: number
  readonly events: readonly DrillEvent[]
  readonly environment: Readonly<Record<string, string>>
  /** `cp -a` of the loaded data directory: the floor any restore of these files is measured against */
  readonly cpSeconds: number | null
  readonly startedAt: string
  readonly seconds: number
}

export interface DrillOptions {
  readonly tools: readonly ToolId[]
  readonly scenario: DrillScenario
  readonly rows: number
  readonly keep: boolean
  readonly progress: Progress
  readonly osUser: string
  /** default disk */
  readonly repo?: DrillRepo
}

export function parseDrillTools(raw: string): ToolId[] {
  if (raw === 'all') return [...TOOL_IDS]
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean)
  const bad = list.find((t) => !isToolId(t))
  if (bad !== undefined) throw new Error(`${bad} is not a tool (native, pgbackrest, barman, walg, pg_rman)`)
  return list as ToolId[]
}

const secondsSince = (t: number) => Math.round((performance.now() - t) / 10) / 100

interface ToolState {
  tool: ToolId
  version: string | null
  skip: string | null
  failed: string | null
  backupSeconds: number | null
  restores: DrillRestore[]
}

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const binDir = await findBinDir()
  const sb = await o.progress.task('create a throwaway cluster', () => createSandbox({ binDir, runAsUser: o.osUser, prefix: 'pitrctl-drill-' }))
  const events: DrillEvent[] = []
  let s3: S3Sandbox | undefined
  try {
    const repo = await sb.mkdir('repo')
    if (o.repo === 's3')
      s3 = await o.progress.task('start a throwaway S3 server (SeaweedFS)', async () =>
        startSeaweedfs({ dir: await sb.mkdir('s3'), bucket: DRILL_BUCKET, runAs: isRoot() ? lookupUser(o.osUser) : undefined }))
    const where: RepoPlace = s3 ? { s3 } : { dir: repo }
    const states: ToolState[] = o.tools.map((tool) => ({ tool, version: null, skip: null, failed: null, backupSeconds: null, restores: [] }))
    // the probe only finds programs and versions: a local repo serves it whatever the drill's repo is
    const probe = await contextFor(sb, { dir: repo }, ['native'], o)
    for (const s of states) {
      const a = adapterFor(s.tool)
      if (!a) {
        s.skip = 'not built into this pitrctl'
        continue
      }
      if (s3 && !a.capabilities.objectStorage) {
        s.skip = s.tool === 'pg_rman' ? 'pg_rman has no object storage' : `pitrctl's ${s.tool} support cannot use object storage yet`
        continue
      }
      // Named with where pitrctl looked: a bare spawn failure said only "EACCES" (a PATH directory run-as cannot read).
      const missing = a.programs(probe.env(s.tool)).map((p) => probe.programs.missingError(p)).find((e) => e !== undefined)
      if (missing) {
        s.skip = `not installed: ${missing.message}`
        continue
      }
      const r = await probe.runner.run(a.planVersion(probe.env(s.tool)))
      if (!r.ok) {
        s.skip = `not installed (${r.spawnError ?? r.stderr.trim().split('\n')[0] ?? 'not found'})`
        continue
      }
      s.version = a.readVersion(r)
      const why = probe.pgMajor === undefined ? undefined : a.unsupportedReason(s.version, probe.pgMajor)
      if (why) s.skip = why
    }
    const active = states.filter((s) => !s.skip)
    if (active.length === 0) return await finish([])
    const ctx = await contextFor(sb, where, active.map((s) => s.tool), o)
    await o.progress.task(`set up archiving to ${active.map((s) => s.tool).join(', ')}`, () => setupCluster(ctx))
    const scenario = o.scenario === 'mistaken-delete' ? mistakenDelete : twoRestores
    const { target, cpSeconds } = await scenario(ctx, sb, active, o, events)
    for (const s of active) s.failed ??= s.restores.find((r) => !r.ok)?.detail ?? null
    return await finish(active, target, cpSeconds)

    function finish(ran: ToolState[], target = '', cpSeconds: number | null = null): Promise<DrillReport> {
      return (async () => {
        const results: DrillToolResult[] = []
        for (const s of states) {
          const sum = (k: 'restoreSeconds' | 'recoverySeconds') => (s.restores.length ? Math.round(s.restores.reduce((n, r) => n + (r[k] ?? 0), 0) * 100) / 100 : null)
          results.push({
            tool: s.tool,
            status: s.skip ? 'skipped' : s.failed ? 'failed' : ran.includes(s) ? 'passed' : 'skipped',
            reason: s.skip ?? s.failed,
            backupSeconds: s.backupSeconds,
            restoreSeconds: sum('restoreSeconds'),
            recoverySeconds: sum('recoverySeconds'),
            repoBytes: s.skip ? null : s3 ? await bucketBytes(s3, `drill/${s.tool}/`) : await dirBytes(path.join(repo, s.tool)),
            restores: s.restores,
            version: s.version,
          })
        }
        return {
          scenario: o.scenario,
          target,
          results,
          rows: o.rows,
          events,
          environment: { ...(await environment(sb, states)), repository: s3 ? `s3 (SeaweedFS on ${s3.endpoint})` : 'disk' },
          cpSeconds,
          startedAt,
          seconds: secondsSince(started),
        }
      })()
    }
  } finally {
    if (o.keep) o.progress.info(`kept the drill cluster and restores in ${sb.root}${s3 ? ` (the S3 server is stopped; its data is in ${s3.dir})` : ''}`)
    await s3?.stop()
    if (!o.keep) await sb.destroy()
  }
}

type RepoPlace = { readonly dir: string } | { readonly s3: S3Sandbox }

async function contextFor(sb: PgSandbox, where: RepoPlace, tools: readonly ToolId[], o: DrillOptions): Promise<AppContext> {
  const repoLines = 'dir' in where ? `repo = ${where.dir}` : s3IniLines(where.s3, 'drill')
  const ini = ['[global]', `run-as = ${o.osUser}`, 'timezone = UTC', '', '[drill]', `tool = ${tools.join(', ')}`, `pgdata = ${sb.pgdata}`, `host = ${sb.socketDir}`, `port = ${sb.port}`, repoLines, ''].join('\n')
  const file = await sb.writeFile('pitrctl.ini', ini)
  const config = parseConfigText(file, ini, 0o600)
  return buildContext(config, config.clusters.get('drill')!, o.osUser, { progress: o.progress, dryRun: false })
}

/** bytes of every object under a prefix: the repository size, read through S3 as any user would */
async function bucketBytes(s3: S3Sandbox, prefix: string): Promise<number | null> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3')
  const client = await s3Client(s3)
  try {
    let bytes = 0
    let token: string | undefined
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }))
      for (const o of page.Contents ?? []) bytes += o.Size ?? 0
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
    return bytes
  } catch {
    return null
  } finally {
    client.destroy()
  }
}

async function environment(sb: PgSandbox, states: readonly ToolState[]): Promise<Record<string, string>> {
  const env: Record<string, string> = {}
  try {
    const [v] = await sb.query<{ v: string }>('select version() as v')
    env.postgresql = v?.v.split(' on ')[0] ?? '?'
  } catch {
    env.postgresql = '?'
  }
  for (const s of states) env[s.tool] = s.version ?? s.skip ?? '?'
  env.node = process.version
  env.host = `${(await import('node:os')).cpus().length} cores, ${Math.round((await import('node:os')).totalmem() / 2 ** 30)} GiB`
  return env
}

async function backupAll(ctx: AppContext, sb: PgSandbox, active: ToolState[], events: DrillEvent[], timeline: number, label: string, progress: Progress): Promise<void> {
  for (const s of active) {
    if (s.failed) continue
    const t = performance.now()
    try {
      await takeBackup(ctx, s.tool, { type: 'full', label: undefined })
      s.backupSeconds = (s.backupSeconds ?? 0) + secondsSince(t)
    } catch (e) {
      s.failed = `backup failed: ${(e as Error).message}`
      progress.info(`${s.tool}: ${s.failed}`)
    }
  }
  events.push({ label, at: await now(sb), kind: 'backup', timeline })
  // Backup stop times have one-second precision in several tools: let the next point be clearly after.
  await new Promise((r) => setTimeout(r, 1100))
}

/** time `cp -a` of the data directory as it is now (checkpointed first), then remove the copy */
async function measureCopy(ctx: AppContext, sb: PgSandbox): Promise<number | null> {
  await sb.query('checkpoint')
  const dest = path.join(sb.root, 'cp-a-floor')
  const t = performance.now()
  const r = await ctx.runner.run({ kind: 'exec', id: 'cp', title: 'cp -a', argv: ['cp', '-a', sb.pgdata, dest], mutates: true })
  const seconds = r.ok ? secondsSince(t) : null
  await fs.rm(dest, { recursive: true, force: true })
  return seconds
}

async function now(sb: PgSandbox): Promise<string> {
  const [r] = await sb.query<{ t: string }>(`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as t`)
  return r!.t
}

async function fingerprint(sb: PgSandbox, port?: number): Promise<string> {
  const [r] = await sb.query<{ n: string; h: string | null }>("select count(*)::text as n, md5(string_agg(id || ':' || v, ',' order by id)) as h from drill", [], port ? { port } : {})
  return `${r!.n} rows, md5 ${r!.h?.slice(0, 12) ?? '-'}`
}

/** restore every active tool's backup into its own directory and port; compare rows with `expected` */
async function restoreAll(ctx: AppContext, sb: PgSandbox, active: ToolState[], target: RecoveryTarget, label: string, expected: string, progress: Progress): Promise<void> {
  for (const s of active) {
    if (s.failed) continue
    const into = path.join(sb.root, `restore-${s.tool}-${label.replace(/\W+/g, '-')}`)
    const t0 = performance.now()
    let restoreSeconds: number | null = null
    let recoverySeconds: number | null = null
    let backup: string | null = null
    let timeline: number | null = null
    try {
      const cat = await readCatalog(ctx, s.tool, { fillIndex: true })
      const choice = chooseBaseBackup(cat.backups, cat.wal, { target, timeline: { kind: 'latest' } })
      backup = choice.backup.id
      timeline = choice.timeline
      const port = await freePort()
      const ts = await decideTablespaces(ctx, s.tool, choice.backup, { into, maps: [], target })
      const restored = await restoreInto(ctx, {
        tool: s.tool, backup: choice.backup, dest: into, target, inclusive: true, timeline: { kind: 'latest' }, action: 'promote', clone: true, port, tablespaces: ts.tablespaces,
        watch: { logFile: path.join(sb.root, `${path.basename(into)}.log`), expectedEndLsn: null },
      })
      restoreSeconds = Math.round((secondsSince(t0) - (restored.recoverySeconds ?? 0)) * 100) / 100
      recoverySeconds = restored.recoverySeconds
      const outcome = restored.outcome!
      const got = await fingerprint(sb, port)
      const ok = got === expected
      s.restores.push({ label, target: describe(target), backup, timeline: outcome.reached.timeline, restoreSeconds, recoverySeconds, ok, detail: ok ? got : `rows differ: expected ${expected}, got ${got}` })
      progress.info(`${s.tool}: ${label}: ${ok ? 'rows exact' : 'ROWS DIFFER'} (${got}); restore ${restoreSeconds}s, recovery ${recoverySeconds}s`)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      s.restores.push({ label, target: describe(target), backup, timeline, restoreSeconds, recoverySeconds, ok: false, detail: e.message })
      progress.info(`${s.tool}: ${label}: FAILED: ${e.message}`)
    } finally {
      await stopServer(ctx.runner, ctx.binDir, into, 'immediate').catch(() => undefined)
    }
  }
}

function describe(t: RecoveryTarget): string {
  return t.kind === 'time' ? pgUtcFromMicros(t.at) : t.kind
}

interface ScenarioOutcome {
  /** the scenario's (last) target, as PostgreSQL reads it */
  readonly target: string
  readonly cpSeconds: number | null
}

function timeTarget(iso: string): RecoveryTarget {
  return parseRecoveryTarget(iso, { zone: 'UTC', now: new Date() })
}

/** rows inserted, time noted, a wrong insert and a delete; restore to the noted time */
async function mistakenDelete(ctx: AppContext, sb: PgSandbox, active: ToolState[], o: DrillOptions, events: DrillEvent[]): Promise<ScenarioOutcome> {
  const cpSeconds = await o.progress.task(`load ${o.rows} rows`, async () => {
    await sb.query('create table drill(id bigserial primary key, v text not null)')
    await sb.query("insert into drill(v) select 'row ' || g from generate_series(1, $1::int) g", [o.rows])
    return measureCopy(ctx, sb)
  })
  await o.progress.task('back up with every tool', () => backupAll(ctx, sb, active, events, 1, 'backup', o.progress))
  for (let i = 1; i <= 3; i++) await sb.query("insert into drill(v) values ('after backup ' || $1::int)", [i])
  const noted = await now(sb)
  events.push({ label: 'time noted', at: noted, kind: 'point', timeline: 1 })
  const expected = await fingerprint(sb)
  await new Promise((r) => setTimeout(r, 50))
  await sb.query("insert into drill(v) values ('wrong insert')")
  await sb.query('delete from drill where id % 10 = 0')
  events.push({ label: 'wrong insert and delete', at: await now(sb), kind: 'accident', timeline: 1 })
  await ensureArchived(ctx)
  const target = timeTarget(noted)
  await o.progress.task('restore every backup to the noted time', () => restoreAll(ctx, sb, active, target, 'noted time', expected, o.progress))
  events.push({ label: 'restore to noted time', at: await now(sb), kind: 'restore', timeline: 2 })
  return { target: describe(target), cpSeconds }
}

/**
 * Restore to an early point, write on the new timeline, back up again, lose a table, restore to
 * the later point, then restore back to the first point again — across timelines. The drill's
 * cluster itself is restored in place (each tool's copies are checked beside it).
 */
async function twoRestores(ctx: AppContext, sb: PgSandbox, active: ToolState[], o: DrillOptions, events: DrillEvent[]): Promise<ScenarioOutcome> {
  await sb.query('create table drill(id bigserial primary key, v text not null)')
  await sb.query("insert into drill(v) select 'row ' || g from generate_series(1, $1::int) g", [o.rows])
  await sb.query("insert into drill(v) values ('Alice'), ('Bob')")
  const cpSeconds = await measureCopy(ctx, sb)
  await o.progress.task('back up with every tool', () => backupAll(ctx, sb, active, events, 1, 'backup 1', o.progress))
  const t0 = await now(sb)
  const expectedT0 = await fingerprint(sb)
  events.push({ label: 'T0', at: t0, kind: 'point', timeline: 1 })
  await new Promise((r) => setTimeout(r, 50))
  await sb.query("insert into drill(v) values ('Charlie')")
  await sb.query("delete from drill where v = 'Alice'")
  events.push({ label: 'Charlie added, Alice deleted', at: await now(sb), kind: 'accident', timeline: 1 })
  await ensureArchived(ctx)
  await o.progress.task('restore every backup to T0', () => restoreAll(ctx, sb, active, timeTarget(t0), 'T0', expectedT0, o.progress))

  // The cluster itself goes back to T0 and lives on, on timeline 2, fed to every tool as before.
  await o.progress.task('move the drill cluster itself to T0 (timeline 2)', async () => {
    await sb.stop('fast')
    const cat = await readCatalog(ctx, active[0]!.tool, { fillIndex: true })
    const choice = chooseBaseBackup(cat.backups, cat.wal, { target: timeTarget(t0), timeline: { kind: 'latest' } })
    const aside = `${sb.pgdata}.before-t0`
    // the drill cluster has no tablespaces: nothing to move aside besides its data directory
    const ts = await decideTablespaces(ctx, active[0]!.tool, choice.backup, { into: undefined, maps: [], target: timeTarget(t0) })
    await fs.rename(sb.pgdata, aside)
    await restoreInto(ctx, {
      tool: active[0]!.tool, backup: choice.backup, dest: sb.pgdata, target: timeTarget(t0), inclusive: true, timeline: { kind: 'latest' }, action: 'promote', clone: false, port: sb.port, tablespaces: ts.tablespaces,
      archiveCommand: archiveCommand(ctx), watch: { logFile: path.join(sb.root, 'drill-t0.log'), expectedEndLsn: null },
    })
  })
  events.push({ label: 'cluster restored to T0', at: await now(sb), kind: 'restore', timeline: 2 })
  await sb.query("insert into drill(v) values ('David')")
  await sb.query("update drill set v = 'Bobby' where v = 'Bob'")
  await o.progress.task('back up again on timeline 2', () => backupAll(ctx, sb, active, events, 2, 'backup 2', o.progress))
  const t3 = await now(sb)
  const expectedT3 = await fingerprint(sb)
  events.push({ label: 'T3', at: t3, kind: 'point', timeline: 2 })
  await new Promise((r) => setTimeout(r, 50))
  await sb.query('drop table drill')
  events.push({ label: 'table dropped', at: await now(sb), kind: 'accident', timeline: 2 })
  await ensureArchived(ctx)
  await o.progress.task('restore every backup to T3', () => restoreAll(ctx, sb, active, timeTarget(t3), 'T3', expectedT3, o.progress))
  await o.progress.task('restore every backup back to T0, across timelines', () => restoreAll(ctx, sb, active, timeTarget(t0), 'back to T0', expectedT0, o.progress))
  events.push({ label: 'restores to T3 and back to T0', at: await now(sb), kind: 'restore', timeline: 3 })
  return { target: describe(timeTarget(t3)), cpSeconds }
}
