/**
 * Recorded Barman 3.4.0 output (test/fixtures/barman/3.4.0, made by runs against PostgreSQL 15.20
 * in /tmp/barman-lab with server `pg1`) and a ToolEnv that matches where it was recorded.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CatalogIO, ToolEnv } from '../../../../src/adapters/adapter.js'
import type { ExecStep } from '../../../../src/model/plan.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/barman/3.4.0')

export const LAB_REPO = '/tmp/barman-lab/repo'
export const LAB_SERVER_DIR = `${LAB_REPO}/home/pg1`

export function labEnv(over: Partial<ToolEnv> = {}): ToolEnv {
  return {
    cluster: 'pg1',
    tool: 'barman',
    pg: { pgdata: '/tmp/barman-lab/data', binDir: '/usr/lib/postgresql/15/bin', host: '/tmp/barman-lab', port: 25201, user: 'postgres', database: 'postgres' },
    mode: 'managed',
    repoDir: LAB_REPO,
    options: {},
    osUser: 'postgres',
    pitrctl: ['/usr/bin/node', '/opt/pitrctl/bin/run.js'],
    configPath: '/etc/pitrctl/pitrctl.ini',
    stateDir: '/var/lib/pitrctl/pg1',
    pgMajor: 15,
    ...over,
  }
}

/** the adopted-mode env pointing at the same lab setup */
export function adoptedLabEnv(options: Record<string, string> = {}): ToolEnv {
  return labEnv({ mode: 'adopted', repoDir: undefined, options: { config: `${LAB_REPO}/barman.conf`, server: 'pg1', ...options } })
}

export function fixtureText(name: string, file: string): string {
  return readFileSync(path.join(FIXTURES, name, file), 'utf8')
}

export interface Meta {
  readonly exitCode: number
  readonly how: string
}

/** a fixture case as the runner would have returned it */
export function recorded(name: string, okExitCodes: readonly number[] = [0]): ProcessResult {
  const meta = JSON.parse(fixtureText(name, 'meta.json')) as Meta
  return {
    argv: JSON.parse(fixtureText(name, 'argv.json')) as string[],
    exitCode: meta.exitCode,
    signal: undefined,
    stdout: fixtureText(name, 'stdout'),
    stderr: fixtureText(name, 'stderr'),
    durationMs: 0,
    timedOut: false,
    ok: okExitCodes.includes(meta.exitCode),
  }
}

/**
 * A CatalogIO over catalog-snapshot: files under the lab's server directory come from the
 * snapshot, directory listings from its find.txt, and `run` answers only the commands given.
 */
export function snapshotIO(answers: Record<string, ProcessResult>, overrides: { readFile?: Record<string, string> } = {}) {
  const snap = path.join(FIXTURES, 'catalog-snapshot')
  const found = readFileSync(path.join(snap, 'find.txt'), 'utf8').split('\n').filter(Boolean)
  const calls: string[][] = []
  const io: CatalogIO = {
    lockHeld: async () => false,
    async run(step: ExecStep) {
      calls.push([...step.argv])
      if (step.mutates) throw new Error(`readCatalog ran a mutating step: ${step.argv.join(' ')}`)
      const key = Object.keys(answers).find((k) => step.argv.join(' ').includes(k))
      if (!key) throw new Error(`unexpected command: ${step.argv.join(' ')}`)
      return answers[key]!
    },
    async readFile(p: string) {
      if (overrides.readFile?.[p] !== undefined) return overrides.readFile[p]
      if (!p.startsWith(`${LAB_SERVER_DIR}/`)) return undefined
      const local = path.join(snap, p.slice(LAB_SERVER_DIR.length + 1))
      return existsSync(local) ? readFileSync(local, 'utf8') : undefined
    },
    async listDir(p: string) {
      if (!p.startsWith(`${LAB_SERVER_DIR}/`)) return []
      const rel = p.slice(LAB_SERVER_DIR.length + 1)
      return found.filter((f) => path.dirname(f) === rel).map((f) => path.basename(f))
    },
  }
  return { io, calls }
}
