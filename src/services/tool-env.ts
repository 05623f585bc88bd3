/**
 * What an adapter may know about where it runs (ToolEnv), built from the config and a few facts
 * read once per run. Kept to light imports: the wal-fetch fast path builds one without the CLI.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ToolEnv } from '../adapters/adapter.js'
import { isAdopted, type ClusterConfig, type PitrConfig } from '../config/schema.js'
import { ExecaRunner } from '../runner/execa-runner.js'
import type { Runner } from '../runner/runner.js'
import { resolvePgBinDir } from './programs.js'
import type { ToolId } from '../model/tool-id.js'
import { forTool } from '../model/s3-repo.js'

/** facts about this run that every tool's env shares */
export interface ToolEnvFacts {
  readonly binDir: string
  readonly pgMajor: number | undefined
  readonly osUser: string
  readonly stateDir: string
  readonly pitrctl: readonly [string, ...string[]]
  /** where each program was found (services/programs.ts); absent: adapters use bare names */
  readonly programs?: Readonly<Record<string, string>>
}

export function toolEnvFor(config: PitrConfig, cluster: ClusterConfig, tool: ToolId, facts: ToolEnvFacts): ToolEnv {
  return {
    cluster: cluster.name,
    tool,
    pg: { pgdata: cluster.pgdata, binDir: facts.binDir, host: cluster.host, port: cluster.port, user: cluster.user, database: cluster.database },
    mode: isAdopted(cluster, tool) ? 'adopted' : 'managed',
    repoDir: cluster.repo ? path.join(cluster.repo, tool) : undefined,
    ...(cluster.s3 ? { s3: forTool(cluster.s3, tool) } : {}),
    options: cluster.toolOptions[tool],
    osUser: facts.osUser,
    pitrctl: facts.pitrctl,
    configPath: config.file,
    stateDir: facts.stateDir,
    pgMajor: facts.pgMajor,
    ...(facts.programs ? { programs: facts.programs } : {}),
  }
}

/** absolute argv that starts this pitrctl: what WAL commands embed */
export function pitrctlArgv(): [string, ...string[]] {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const entry = path.resolve(here, '..', '..', 'bin', 'run.js')
  return [process.execPath, entry]
}

/** the PostgreSQL bin directory, in the documented order (model/program-search.ts) */
export async function resolveBinDir(cluster: ClusterConfig, pgMajor: number | undefined, runner: Runner = new ExecaRunner()): Promise<string> {
  return (await resolvePgBinDir({ binDir: cluster.binDir, pgMajor, pathEnv: process.env.PATH, runner })).dir
}
