/**
 * `pitrctl metrics`: gathers, per cluster and tool, what the contract's metrics report — the
 * catalog (backups, window, gaps), the server's archiver, the repository's size and the last
 * passing `verify --restore` — as plain records (model/metrics.ts) that cli/metrics-exposition.ts
 * renders. Each part is read on its own within its own deadline: a part that fails or hangs
 * becomes a problem (and `pitrctl_collect_success` 0), never a missing cluster or a hung scrape.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { silentProgress } from '../util/progress.js'
import { loadConfig, selectCluster } from '../config/load.js'
import type { ClusterConfig, PitrConfig } from '../config/schema.js'
import { AppError, ConfigError, EXIT, type ExitCode } from '../errors.js'
import { toCatalogMetrics, type ClusterMetrics, type CollectProblem, type MetricsPart, type MetricsReport, type ToolMetrics, type ArchiverMetrics } from '../model/metrics.js'
import { execStep } from '../model/plan.js'
import type { ToolId } from '../model/tool-id.js'
import { readArchiverStats } from '../pg/archiver.js'
import { DeadlineRunner } from '../runner/deadline-runner.js'
import { ExecaRunner } from '../runner/execa-runner.js'
import { dirBytes } from '../util/dir-bytes.js'
import { writeFileDurable } from '../util/durable-fs.js'
import { dropPrivileges, isRoot, lookupUser } from '../util/identity.js'
import { readCatalog } from './catalog.js'
import { buildContext, osUserFor, type AppContext } from './context.js'
import { forEachCluster } from './fleet.js'
import { pitrctlArgv } from './tool-env.js'
import { readRestorePass } from './verify-history.js'

/** a part that could not be read, or a run that could not be made, with the contract's exit code */
export class CollectError extends AppError {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    opts: { hint?: string; details?: readonly string[] } = {},
  ) {
    super(message, opts)
  }
}

/** each part's budget; PITRCTL_METRICS_TIMEOUT_MS sets every one of them */
export interface PartTimeouts {
  readonly catalogMs: number
  readonly serverMs: number
  readonly repoSizeMs: number
  readonly verifyRecordMs: number
}

export const DEFAULT_TIMEOUTS: PartTimeouts = { catalogMs: 60_000, serverMs: 10_000, repoSizeMs: 30_000, verifyRecordMs: 5_000 }

export function partTimeouts(env: NodeJS.ProcessEnv = process.env): PartTimeouts {
  const ms = Number(env.PITRCTL_METRICS_TIMEOUT_MS)
  if (!env.PITRCTL_METRICS_TIMEOUT_MS || !Number.isFinite(ms) || ms <= 0) return DEFAULT_TIMEOUTS
  return { catalogMs: ms, serverMs: ms, repoSizeMs: ms, verifyRecordMs: ms }
}

export interface MetricsSelection {
  readonly configFlag: string | undefined
  readonly cluster: string | undefined
  readonly all: boolean
}

/** the clusters a run covers: every one with --all, else the one -c names (or the only one) */
export function selectMetricsClusters(config: PitrConfig, sel: MetricsSelection): ClusterConfig[] {
  if (!sel.all) return [selectCluster(config, sel.cluster)]
  if (config.clusters.size === 0) throw new ConfigError(config.file, undefined, undefined, 'has no cluster section', 'add a [name] section with tool and pgdata')
  return [...config.clusters.values()]
}

/**
 * Load the config, drop root privileges to run-as, and gather the selected cluster — or, with
 * --all, every cluster through the shared fleet loop. A cluster whose context cannot be built
 * (PostgreSQL programs missing) still appears, with that problem, so its collect_success is 0.
 */
export async function gatherMetrics(sel: MetricsSelection, timeouts = partTimeouts()): Promise<MetricsReport> {
  // one runner for every cluster: each part's deadline travels with its own async work
  const runner = new DeadlineRunner(new ExecaRunner({ trace: process.env.PITRCTL_TRACE === '1' }))
  const config = await loadConfig(sel.configFlag)
  const clusters = selectMetricsClusters(config, sel)
  if (sel.all) {
    const fleet = await forEachCluster({ configFlag: config.file, progress: silentProgress, runner }, (ctx) => collectClusterMetrics(ctx, runner, timeouts))
    return { clusters: fleet.outcomes.map((o) => o.result ?? contextFailed(config.clusters.get(o.cluster)!, o.error)) }
  }
  const cluster = clusters[0]!
  const osUser = osUserFor(config)
  if (isRoot()) dropPrivileges(lookupUser(osUser))
  let ctx: AppContext
  try {
    ctx = await buildContext(config, cluster, osUser, { progress: silentProgress, dryRun: false, runner })
  } catch (e) {
    if (!(e instanceof AppError)) throw e
    return { clusters: [contextFailed(cluster, e)] }
  }
  return { clusters: [await collectClusterMetrics(ctx, runner, timeouts)] }
}

function contextFailed(cluster: ClusterConfig, e: AppError): ClusterMetrics {
  const tools = cluster.tools.map((tool): ToolMetrics => ({ tool, catalog: null, repoSizeBytes: null, verifyRestoreLastSuccessSeconds: null }))
  return { cluster: cluster.name, primaryTool: cluster.tools[0], archiver: null, pendingSegments: null, tools, problems: [toProblem('context', null, e)] }
}

/** every part of one cluster's metrics, each within its own deadline */
export async function collectClusterMetrics(ctx: AppContext, runner: DeadlineRunner, timeouts: PartTimeouts): Promise<ClusterMetrics> {
  const problems: CollectProblem[] = []
  const part = async <T>(name: MetricsPart, tool: ToolId | null, ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T | null> => {
    try {
      return await runner.within(ms, `reading the ${name}${tool ? ` of ${tool}` : ''}`, fn)
    } catch (e) {
      problems.push(toProblem(name, tool, e))
      return null
    }
  }
  // `.ready` files on disk are there while the server is down too; with pgdata on another host
  // the server counts them instead (superuser or pg_monitor).
  const onDisk = await countReady(ctx.cluster.pgdata)
  const stats = await part('archiver', null, timeouts.serverMs, () => readArchiverStats(ctx.pg, { timeoutMs: timeouts.serverMs, countReady: onDisk === null }))
  const archiver: ArchiverMetrics | null = stats && { archiveFailures: stats.failedCount, lastArchivedSeconds: stats.lastArchivedSeconds }
  const pendingSegments = onDisk ?? stats?.readyCount ?? null
  if (pendingSegments === null)
    problems.push({
      part: 'pending-segments',
      tool: null,
      message: `${path.join(ctx.cluster.pgdata, 'pg_wal', 'archive_status')} is not readable here${stats ? ' and pg_ls_archive_statusdir() was refused' : ''} (run pitrctl on the database host as ${ctx.osUser}, or grant pg_monitor to ${ctx.cluster.user})`,
      exitCode: EXIT.toolFailed,
    })
  const tools: ToolMetrics[] = []
  for (const tool of ctx.cluster.tools) {
    const catalog = await part('catalog', tool, timeouts.catalogMs, async () => toCatalogMetrics(await readCatalog(ctx, tool, { fillIndex: true })))
    const repoSizeBytes = await part('repo-size', tool, timeouts.repoSizeMs, (signal) => repoSize(ctx, tool, signal))
    const pass = await part('verify-record', tool, timeouts.verifyRecordMs, () => readRestorePass(ctx.stateDir, tool))
    tools.push({ tool, catalog, repoSizeBytes, verifyRestoreLastSuccessSeconds: pass ? Date.parse(pass.at) / 1000 : null })
  }
  return { cluster: ctx.cluster.name, primaryTool: ctx.cluster.tools[0], archiver, pendingSegments, tools, problems }
}

function toProblem(part: MetricsPart, tool: ToolId | null, e: unknown): CollectProblem {
  if (e instanceof AppError) return { part, tool, message: e.message, exitCode: e.exitCode }
  // Not a typed error: a file pitrctl could not read (EACCES, a torn record) or a bug; either way
  // the scrape goes on and says so.
  return { part, tool, message: `${(e as Error).message ?? String(e)}`, exitCode: EXIT.toolFailed }
}

/** `.ready` files in pg_wal/archive_status, or null when the directory cannot be read */
async function countReady(pgdata: string): Promise<number | null> {
  const names = await fs.readdir(path.join(pgdata, 'pg_wal', 'archive_status')).catch(() => null)
  return names === null ? null : names.filter((n) => n.endsWith('.ready')).length
}

/** bytes under `<repo>/<tool>` in managed mode; null where pitrctl does not know a local directory (adopted setups) */
async function repoSize(ctx: AppContext, tool: ToolId, signal: AbortSignal): Promise<number | null> {
  const dir = ctx.env(tool).repoDir
  if (dir === undefined) return null
  const st = await fs.stat(dir).catch((e: NodeJS.ErrnoException) => {
    throw new CollectError(EXIT.toolFailed, `the ${tool} repository ${dir} cannot be read (${e.code})`, { hint: 'run pitrctl setup, or check the repository is mounted' })
  })
  if (!st.isDirectory()) throw new CollectError(EXIT.toolFailed, `the ${tool} repository ${dir} is not a directory`, { hint: 'check repo in pitrctl.ini' })
  return dirBytes(dir, signal)
}

// ---------------------------------------------------------------------------------------------
// Started as root with --textfile: the file usually lives in a directory only root may write
// (Debian's /var/lib/prometheus/node-exporter), and a rename there needs that right, which the
// run-as user has not. So the root process does nothing but this: it gathers through a child
// `pitrctl metrics --json` running as run-as (which reads the clusters), and writes the file.

export async function gatherMetricsAsRunAs(sel: MetricsSelection, timeouts = partTimeouts()): Promise<MetricsReport> {
  const config = await loadConfig(sel.configFlag)
  const clusters = selectMetricsClusters(config, sel)
  const runAs = lookupUser(osUserFor(config))
  if (runAs.uid === 0) throw new CollectError(EXIT.usage, '[global] run-as must not be root: PostgreSQL refuses to run as root', { hint: 'set run-as = postgres' })
  const budget = clusters.reduce((n, c) => n + timeouts.serverMs + c.tools.length * (timeouts.catalogMs + timeouts.repoSizeMs + timeouts.verifyRecordMs), 0) + 30_000
  const argv = [...pitrctlArgv(), 'metrics', '--json', '--config', config.file, ...(sel.all ? ['--all'] : ['--cluster', clusters[0]!.name])] as [string, ...string[]]
  const env: Record<string, string> = {}
  for (const k of ['PITRCTL_METRICS_TIMEOUT_MS', 'PITRCTL_TRACE', 'PITRCTL_DEBUG'] as const) if (process.env[k]) env[k] = process.env[k]!
  const r = await new ExecaRunner({ runAs }).run(execStep('metrics-as-run-as', `pitrctl metrics as ${runAs.user}`, argv, { mutates: false, timeoutMs: budget, env, cwd: '/' }))
  let parsed: (MetricsReport & { error?: undefined }) | { error: { code: number; message: string } } | undefined
  try {
    parsed = JSON.parse(r.stdout)
  } catch {
    parsed = undefined
  }
  if (parsed && 'clusters' in parsed && Array.isArray(parsed.clusters)) return { clusters: parsed.clusters }
  if (parsed?.error) throw new CollectError(asExitCode(parsed.error.code), parsed.error.message, { hint: `pitrctl metrics ran as ${runAs.user} to read the clusters` })
  throw new CollectError(EXIT.toolFailed, `pitrctl metrics as ${runAs.user} failed${r.timedOut ? ` (no answer within ${budget / 1000}s)` : ''}`, {
    hint: `run it as ${runAs.user} to see why`,
    details: r.stderr.trim().split('\n').slice(-5),
  })
}

function asExitCode(n: number): ExitCode {
  return (Object.values(EXIT) as number[]).includes(n) ? (n as ExitCode) : EXIT.toolFailed
}

/**
 * For node_exporter's textfile collector: written whole or not at all (a temp file in the same
 * directory, fsync, rename), 0644 so that node_exporter, running as its own user, can read it.
 */
export async function writeTextfile(file: string, text: string): Promise<void> {
  try {
    await writeFileDurable(file, text, 0o644)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new CollectError(code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' ? EXIT.usage : EXIT.toolFailed, `cannot write ${file} (${code ?? (e as Error).message})`, {
      hint: `${path.dirname(file)} must exist and be writable by ${process.env.USER ?? 'this user'} (or run pitrctl metrics as root, which writes it itself)`,
    })
  }
}
