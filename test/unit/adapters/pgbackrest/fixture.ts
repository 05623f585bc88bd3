/** recorded pgBackRest 2.45 runs (test/fixtures/pgbackrest/2.45/<case>) and the lab's ToolEnv */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ToolEnv } from '../../../../src/adapters/adapter.js'
import { execStep, type ExecStep } from '../../../../src/model/plan.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'

const ROOT = fileURLToPath(new URL('../../../fixtures/pgbackrest/2.45/', import.meta.url))

export interface Recorded {
  readonly argv: [string, ...string[]]
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
  readonly result: ProcessResult
  /** an exec step with the recorded argv, as the adapter would have planned it */
  readonly step: ExecStep
}

export function fixtureFile(name: string, file: string): string {
  return readFileSync(`${ROOT}${name}/${file}`, 'utf8')
}

export function recorded(name: string): Recorded {
  const argv = JSON.parse(fixtureFile(name, 'argv.json')) as [string, ...string[]]
  const meta = JSON.parse(fixtureFile(name, 'meta.json')) as { exitCode: number }
  const stdout = fixtureFile(name, 'stdout')
  const stderr = fixtureFile(name, 'stderr')
  const result: ProcessResult = {
    argv,
    exitCode: meta.exitCode,
    signal: undefined,
    stdout,
    stderr,
    durationMs: 0,
    timedOut: false,
    ok: meta.exitCode === 0,
  }
  return { argv, stdout, stderr, exitCode: meta.exitCode, result, step: execStep(name, name, argv) }
}

/** the cluster and managed repository the fixtures were recorded with */
export function labEnv(over: Partial<ToolEnv> = {}): ToolEnv {
  return {
    cluster: 'main',
    tool: 'pgbackrest',
    pg: {
      pgdata: '/tmp/pgbackrest-lab/data',
      binDir: '/usr/lib/postgresql/15/bin',
      host: '/tmp/pgbackrest-lab',
      port: 25101,
      user: 'postgres',
      database: 'postgres',
    },
    mode: 'managed',
    repoDir: '/tmp/pgbackrest-lab/m',
    options: {},
    osUser: 'postgres',
    pitrctl: ['/usr/bin/node', '/opt/pitrctl/bin/run.js'],
    configPath: '/etc/pitrctl/pitrctl.ini',
    stateDir: '/var/lib/pitrctl/main',
    pgMajor: 15,
    ...over,
  }
}

/** the same cluster adopted: the lab's configuration file named in pitrctl.ini */
export function adoptedEnv(over: Partial<ToolEnv> = {}): ToolEnv {
  return labEnv({ mode: 'adopted', repoDir: undefined, options: { config: '/etc/pgbackrest/pgbackrest.conf', stanza: 'prod' }, ...over })
}
