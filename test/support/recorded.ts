/**
 * Recorded tool runs (test/fixtures/<tool>/<version>/<case>/: argv.json, stdout, stderr,
 * meta.json) and the ToolEnv of the lab they were recorded in, shared by every adapter's tests.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import type { ToolEnv } from '../../src/adapters/adapter.js'
import type { Backup } from '../../src/model/catalog.js'
import { execStep, type ExecStep } from '../../src/model/plan.js'
import type { ProcessResult } from '../../src/runner/runner.js'
import { AppError, ToolOutputError, UnreachableTargetError } from '../../src/errors.js'

export interface Recorded {
  readonly argv: [string, ...string[]]
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
  readonly result: ProcessResult
  /** an exec step with the recorded argv, as the adapter would have planned it */
  readonly step: ExecStep
}

export function fixtureSet(tool: string, version: string) {
  const root = fileURLToPath(new URL(`../fixtures/${tool}/${version}/`, import.meta.url))
  const fixtureFile = (name: string, file: string): string => readFileSync(`${root}${name}/${file}`, 'utf8')
  const recorded = (name: string, stepId = name): Recorded => {
    const argv = JSON.parse(fixtureFile(name, 'argv.json')) as [string, ...string[]]
    const meta = JSON.parse(fixtureFile(name, 'meta.json')) as { exitCode: number }
    const stdout = fixtureFile(name, 'stdout')
    const stderr = fixtureFile(name, 'stderr')
    const result: ProcessResult = { argv, exitCode: meta.exitCode, signal: undefined, stdout, stderr, durationMs: 0, timedOut: false, ok: meta.exitCode === 0 }
    return { argv, stdout, stderr, exitCode: meta.exitCode, result, step: execStep(stepId, name, argv) }
  }
  return { fixtureFile, recorded }
}

/** a managed-mode ToolEnv for a lab cluster under /tmp/<lab> */
export function labToolEnv(tool: ToolEnv['tool'], lab: string, port: number, repoDir: string, over: Partial<ToolEnv> = {}): ToolEnv {
  return {
    cluster: 'main',
    tool,
    pg: { pgdata: `${lab}/data`, binDir: '/usr/lib/postgresql/15/bin', host: lab, port, user: 'postgres', database: 'postgres' },
    mode: 'managed',
    repoDir,
    options: {},
    osUser: 'postgres',
    pitrctl: ['/usr/bin/node', '/opt/pitrctl/bin/run.js'],
    configPath: '/etc/pitrctl/pitrctl.ini',
    stateDir: '/var/lib/pitrctl/main',
    pgMajor: 15,
    ...over,
  }
}

/** runs `fn`, which must throw an AppError of class `cls` with exit code `code`; returns it */
export function thrownAs<E extends AppError>(cls: abstract new (...args: never[]) => E, code: number, fn: () => unknown): E {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(cls)
    expect((e as E).exitCode).toBe(code)
    return e as E
  }
  throw new Error(`expected a ${cls.name} (exit ${code}); nothing was thrown`)
}

/** what unreadable tool output throws: ToolOutputError, exit 1 */
export function outputError(read: () => unknown): ToolOutputError {
  return thrownAs(ToolOutputError, 1, read)
}

/** what a target the backups and WAL cannot reach throws: UnreachableTargetError, exit 4 */
export function refusal(fn: () => unknown): UnreachableTargetError {
  return thrownAs(UnreachableTargetError, 4, fn)
}

/** each tool's own spelling of a backup id */
export const TOOL_BACKUP_IDS: Readonly<Record<ToolEnv['tool'], string>> = {
  native: '20261121T093115Z', pgbackrest: '20261121-093115F', barman: '20261121T093115', walg: 'base_000000010000000000000004', pg_rman: '2026-11-21 09:31:15',
}

/** one ok full backup of `tool`, the same for every tool but its id (cross-tool tables) */
export function sampleBackup(tool: ToolEnv['tool'], systemId = '7710554918723440121'): Backup {
  return {
    id: TOOL_BACKUP_IDS[tool], tool, type: 'full', status: 'ok', start: '2026-11-21T09:31:15.000Z', stop: '2026-11-21T09:31:18.000Z', startLsn: '0/4000028', stopLsn: '0/5000050',
    timeline: 1, walStart: '000000010000000000000004', walStop: '000000010000000000000005', size: 1, storedSize: 1, parent: null, pgVersion: '15', systemId, label: null,
  }
}
