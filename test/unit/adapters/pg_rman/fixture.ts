/** recorded pg_rman 1.3.19 runs (test/fixtures/pg_rman/1.3.19/<case>) and the lab's ToolEnv */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ToolEnv } from '../../../../src/adapters/adapter.js'
import { execStep, type ExecStep } from '../../../../src/model/plan.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'

const ROOT = fileURLToPath(new URL('../../../fixtures/pg_rman/1.3.19/', import.meta.url))

export interface Recorded {
  readonly argv: [string, ...string[]]
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
  readonly result: ProcessResult
  readonly step: ExecStep
}

export function fixtureFile(name: string, file: string): string {
  return readFileSync(`${ROOT}${name}/${file}`, 'utf8')
}

export function recorded(name: string, stepId = name): Recorded {
  const argv = JSON.parse(fixtureFile(name, 'argv.json')) as [string, ...string[]]
  const meta = JSON.parse(fixtureFile(name, 'meta.json')) as { exitCode: number }
  const stdout = fixtureFile(name, 'stdout')
  const stderr = fixtureFile(name, 'stderr')
  const result: ProcessResult = { argv, exitCode: meta.exitCode, signal: undefined, stdout, stderr, durationMs: 0, timedOut: false, ok: meta.exitCode === 0 }
  return { argv, stdout, stderr, exitCode: meta.exitCode, result, step: execStep(stepId, name, argv) }
}

/** the lab: BACKUP_PATH /tmp/pg_rman-lab/repo/backup, ARCLOG_PATH /tmp/pg_rman-lab/repo/arclog */
export function labEnv(over: Partial<ToolEnv> = {}): ToolEnv {
  return {
    cluster: 'main',
    tool: 'pg_rman',
    pg: { pgdata: '/tmp/pg_rman-lab/data', binDir: '/usr/lib/postgresql/15/bin', host: '/tmp/pg_rman-lab', port: 25400, user: 'postgres', database: 'postgres' },
    mode: 'managed',
    repoDir: '/tmp/pg_rman-lab/repo',
    options: {},
    osUser: 'postgres',
    pitrctl: ['/usr/bin/node', '/opt/pitrctl/bin/run.js'],
    configPath: '/etc/pitrctl/pitrctl.ini',
    stateDir: '/var/lib/pitrctl/main',
    pgMajor: 15,
    ...over,
  }
}

/** the same catalog adopted through pitrctl.ini */
export function adoptedEnv(options: Record<string, string> = {}): ToolEnv {
  return labEnv({ mode: 'adopted', repoDir: undefined, options: { 'backup-path': '/tmp/pg_rman-lab/repo/backup', 'arclog-path': '/tmp/pg_rman-lab/repo/arclog', ...options } })
}

export const BIN = '/usr/lib/postgresql/15/bin/pg_rman'
export const B = '/tmp/pg_rman-lab/repo/backup'
export const A = '/tmp/pg_rman-lab/repo/arclog'
