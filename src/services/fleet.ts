/**
 * `--all`: one command over every cluster of pitrctl.ini, one after another. The config is read
 * and root privileges are dropped to run-as once (run-as is global, so it is the same user for
 * every cluster); each cluster then gets its own context. A cluster whose work fails with an
 * AppError is reported and the loop goes on; the exit code is the worst (highest) of them.
 */
import type { Progress } from '../util/progress.js'
import { loadConfig } from '../config/load.js'
import { AppError, ConfigError, EXIT } from '../errors.js'
import type { Runner } from '../runner/runner.js'
import { dropPrivileges, isRoot, lookupUser } from '../util/identity.js'
import { buildContext, osUserFor, type AppContext } from './context.js'

export interface FleetOptions {
  readonly configFlag: string | undefined
  readonly progress: Progress
  readonly dryRun?: boolean
  readonly runner?: Runner
}

export type ClusterOutcome<R> =
  | { readonly cluster: string; readonly exitCode: number; readonly result: R; readonly error?: undefined }
  | { readonly cluster: string; readonly exitCode: number; readonly result?: undefined; readonly error: AppError }

export interface FleetResult<R> {
  readonly outcomes: readonly ClusterOutcome<R>[]
  /** the worst exit code of all clusters (0 when every one is fine) */
  readonly exitCode: number
}

/**
 * Runs `fn` for each cluster in the order of the file. `judge` turns a result into that
 * cluster's exit code (default 0: the work itself succeeded).
 */
export async function forEachCluster<R>(o: FleetOptions, fn: (ctx: AppContext) => Promise<R>, judge: (r: R) => number = () => EXIT.ok): Promise<FleetResult<R>> {
  const config = await loadConfig(o.configFlag)
  if (config.clusters.size === 0) throw new ConfigError(config.file, undefined, undefined, 'has no cluster section', 'add a [name] section with tool and pgdata')
  const osUser = osUserFor(config)
  if (isRoot()) dropPrivileges(lookupUser(osUser))
  const outcomes: ClusterOutcome<R>[] = []
  for (const cluster of config.clusters.values()) {
    try {
      const ctx = await buildContext(config, cluster, osUser, { progress: o.progress, dryRun: o.dryRun ?? false, ...(o.runner ? { runner: o.runner } : {}) })
      const result = await fn(ctx)
      outcomes.push({ cluster: cluster.name, exitCode: judge(result), result })
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      outcomes.push({ cluster: cluster.name, exitCode: e.exitCode, error: e })
    }
  }
  return { outcomes, exitCode: Math.max(EXIT.ok, ...outcomes.map((r) => r.exitCode)) }
}
