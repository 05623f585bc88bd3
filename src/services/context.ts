/**
 * Everything a service needs, built once per command: the config and cluster, each tool's
 * adapter and ToolEnv, the runner, progress, and the dry-run switch. Building it drops root
 * privileges to run-as (see util/identity.ts).
 */
import type { Adapter, ToolEnv } from '../adapters/adapter.js'
import { adapterFor } from '../adapters/registry.js'
import type { Progress } from '../util/progress.js'
import type { ClusterConfig, PitrConfig } from '../config/schema.js'
import { loadConfig, selectCluster } from '../config/load.js'
import { stateDirFor } from '../config/paths.js'
import { ConfigError, NotInstalledError, UsageError } from '../errors.js'
import { systemTimeZone } from '../model/time.js'
import { PITRCTL_PROGRAMS } from '../model/program-search.js'
import { TOOL_IDS, isToolId, type ToolId } from '../model/tool-id.js'
import { withPg, type PgConnInfo } from '../pg/client.js'
import { readPgMajor } from '../pg/server.js'
import { ExecaRunner } from '../runner/execa-runner.js'
import { executePlan, genericClassify, type Classifier } from '../runner/execute-plan.js'
import type { Plan } from '../model/plan.js'
import type { Runner } from '../runner/runner.js'
import { dropPrivileges, isRoot, lookupUser } from '../util/identity.js'
import { resolvePgBinDir, resolvePrograms, type ProgramTable } from './programs.js'
import { pitrctlArgv, toolEnvFor, type ToolEnvFacts } from './tool-env.js'


export interface AppContext {
  readonly config: PitrConfig
  readonly cluster: ClusterConfig
  readonly runner: Runner
  readonly progress: Progress
  readonly dryRun: boolean
  /** what --dry-run would do, in order */
  readonly dryRunLines: string[]
  /** zone for --to times without an offset */
  readonly timezone: string
  /** the PostgreSQL bin directory (programs.pgBinDir.dir) */
  readonly binDir: string
  /** where every program pitrctl may run is, or where it looked (services/programs.ts) */
  readonly programs: ProgramTable
  readonly pgMajor: number | undefined
  readonly stateDir: string
  readonly pg: PgConnInfo
  readonly osUser: string
  env(tool: ToolId): ToolEnv
  adapter(tool: ToolId): Adapter
  /** runs a plan with this context's runner, dry-run switch and the tool's classifier */
  execute(plan: Plan, tool: ToolId | 'pitrctl', opts?: { signal?: AbortSignal }): Promise<Map<string, import('../runner/runner.js').ProcessResult>>
}

export interface ContextOptions {
  readonly configFlag: string | undefined
  readonly cluster: string | undefined
  readonly progress: Progress
  readonly dryRun: boolean
  /** inject a runner (tests) */
  readonly runner?: Runner
}

/** the OS user PostgreSQL and the tools run as: run-as, else postgres for root, else the caller */
export function osUserFor(config: PitrConfig): string {
  return config.global.runAs ?? (isRoot() ? 'postgres' : (process.env.USER ?? 'postgres'))
}

export async function createContext(o: ContextOptions): Promise<AppContext> {
  const config = await loadConfig(o.configFlag)
  const cluster = selectCluster(config, o.cluster)
  const osUser = osUserFor(config)
  if (isRoot()) dropPrivileges(lookupUser(osUser))
  return buildContext(config, cluster, osUser, o)
}

export async function buildContext(config: PitrConfig, cluster: ClusterConfig, osUser: string, o: Omit<ContextOptions, 'configFlag' | 'cluster'>): Promise<AppContext> {
  if (cluster.s3)
    for (const t of cluster.tools)
      if (adapterFor(t)?.capabilities.objectStorage !== true)
        throw new ConfigError(config.file, cluster.name, 'repo', `pitrctl's ${t} support cannot use object storage yet`, `give ${t} a local repo`)
  const pgMajor = await readPgMajor(cluster.pgdata)
  const runner = o.runner ?? new ExecaRunner({ trace: process.env.PITRCTL_TRACE === '1' })
  const search = { binDir: cluster.binDir, pgMajor, pathEnv: process.env.PATH, runner }
  const pgBinDir = await resolvePgBinDir(search)
  const binDir = pgBinDir.dir
  const stateDir = stateDirFor(cluster)
  const dryRunLines: string[] = []
  const pg: PgConnInfo = { host: cluster.host, port: cluster.port, user: cluster.user, database: cluster.database }
  const facts: ToolEnvFacts = { binDir, pgMajor, osUser, stateDir, pitrctl: pitrctlArgv() }
  // Every tool's programs, not only the cluster's: the drill probes them all with one context.
  const names = [...PITRCTL_PROGRAMS, ...TOOL_IDS.flatMap((t) => adapterFor(t)?.programs(toolEnvFor(config, cluster, t, facts)) ?? [])]
  const programs = await resolvePrograms(names, { ...search, pgBinDir })
  const programPaths = programs.paths()
  const ctx: AppContext = {
    config,
    cluster,
    runner,
    progress: o.progress,
    dryRun: o.dryRun,
    dryRunLines,
    timezone: config.global.timezone ?? systemTimeZone(),
    binDir,
    pgMajor,
    stateDir,
    pg,
    osUser,
    programs,
    env(tool) {
      return toolEnvFor(config, cluster, tool, { ...facts, programs: programPaths })
    },
    adapter(tool) {
      const a = adapterFor(tool)
      if (!a) throw new NotInstalledError(`pitrctl has no ${tool} support built in`, { hint: 'use another tool for this cluster' })
      return a
    },
    execute(plan, tool, opts = {}) {
      // A program that is not installed is exit 6, named with where pitrctl looked, before anything runs.
      programs.requireForPlan(plan)
      const classify: Classifier = tool === 'pitrctl' ? genericClassify('pitrctl') : (s, r) => ctx.adapter(tool).classifyFailure(s, r)
      return executePlan(plan, { runner, dryRun: o.dryRun, dryRunOut: (l) => dryRunLines.push(l), classify, runSql: (sql) => withPg(pg, async (s) => void (await s.query(sql))), ...(opts.signal ? { signal: opts.signal } : {}) })
    },
  }
  return ctx
}

/** the cluster's tools, or the one --tool names (which must be one of them) */
export function selectTools(ctx: AppContext, toolFlag: string | undefined): ToolId[] {
  if (toolFlag === undefined) return [...ctx.cluster.tools]
  if (!isToolId(toolFlag)) throw new UsageError(`--tool ${JSON.stringify(toolFlag)} is not a tool`, { hint: 'tools are native, pgbackrest, barman, walg, pg_rman' })
  if (!ctx.cluster.tools.includes(toolFlag))
    throw new UsageError(`cluster ${ctx.cluster.name} does not use ${toolFlag}`, { hint: `its tools: ${ctx.cluster.tools.join(', ')}` })
  return [toolFlag]
}

export function primaryTool(ctx: AppContext, toolFlag: string | undefined): ToolId {
  return selectTools(ctx, toolFlag)[0]!
}
