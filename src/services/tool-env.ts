/**
 * What an adapter may know about where it runs (ToolEnv), built from the config and a few facts
 * read once per run. Kept to light imports: the wal-fetch fast path builds one without the CLI.
 */
import { existsSync, promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ToolEnv } from '../adapters/adapter.js'
import { isAdopted, type ClusterConfig, type PitrConfig } from '../config/schema.js'
import { NotInstalledError } from '../errors.js'
import type { ToolId } from '../model/tool-id.js'

/** facts about this run that every tool's env shares */
export interface ToolEnvFacts {
  readonly binDir: string
  readonly pgMajor: number | undefined
  readonly osUser: string
  readonly stateDir: string
  readonly pitrctl: readonly [string, ...string[]]
}

export function toolEnvFor(config: PitrConfig, cluster: ClusterConfig, tool: ToolId, facts: ToolEnvFacts): ToolEnv {
  return {
    cluster: cluster.name,
    tool,
    pg: { pgdata: cluster.pgdata, binDir: facts.binDir, host: cluster.host, port: cluster.port, user: cluster.user, database: cluster.database },
    mode: isAdopted(cluster, tool) ? 'adopted' : 'managed',
    repoDir: cluster.repo ? path.join(cluster.repo, tool) : undefined,
    options: cluster.toolOptions[tool],
    osUser: facts.osUser,
    pitrctl: facts.pitrctl,
    configPath: config.file,
    stateDir: facts.stateDir,
    pgMajor: facts.pgMajor,
  }
}

/** absolute argv that starts this pitrctl: what WAL commands embed */
export function pitrctlArgv(): [string, ...string[]] {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const entry = path.resolve(here, '..', '..', 'bin', 'run.js')
  return [process.execPath, entry]
}

export async function resolveBinDir(cluster: ClusterConfig, pgMajor: number | undefined): Promise<string> {
  if (cluster.binDir) return cluster.binDir
  if (pgMajor !== undefined) {
    const debian = `/usr/lib/postgresql/${pgMajor}/bin`
    if (existsSync(path.join(debian, 'pg_ctl'))) return debian
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(path.join(dir, 'pg_ctl'))) return path.dirname(await fs.realpath(path.join(dir, 'pg_ctl')))
  }
  throw new NotInstalledError('PostgreSQL programs (pg_ctl) were not found', { hint: 'install PostgreSQL or set bin-dir in pitrctl.ini' })
}

