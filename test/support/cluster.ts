/**
 * A throwaway cluster set up through pitrctl for one tool (or a migration pair), with helpers the
 * integration scenarios share: run the CLI against it, write marker rows, read them back from
 * the cluster or a restored copy.
 */
import { execFileSync } from 'node:child_process'
import { expect } from 'vitest'
import { createSandbox, findBinDir, type PgSandbox } from '../../src/sandbox/pg-sandbox.js'
import { runCli, type CliResult } from './cli.js'

export const TOOL_PROGRAMS: Record<string, string> = {
  native: 'pg_basebackup',
  pgbackrest: 'pgbackrest',
  barman: 'barman',
  walg: 'wal-g',
  pg_rman: 'pg_rman',
}

/** why a tool's integration tests cannot run here, or undefined when they can */
export function skipReason(tool: string): string | undefined {
  const only = process.env.TOOLS?.split(',').map((t) => t.trim())
  if (only && !only.includes(tool)) return `TOOLS=${process.env.TOOLS} leaves ${tool} out`
  if (tool === 'native') return undefined
  try {
    execFileSync('sh', ['-c', `command -v ${TOOL_PROGRAMS[tool]}`], { stdio: 'ignore', env: { ...process.env, PATH: `${process.env.PATH}:/usr/lib/postgresql/15/bin` } })
    return undefined
  } catch {
    return `${TOOL_PROGRAMS[tool]} is not on PATH`
  }
}

export interface TestCluster {
  readonly sb: PgSandbox
  readonly config: string
  readonly repo: string
  cli(args: readonly string[]): Promise<CliResult>
  /** cli() that must exit 0; returns parsed --json output */
  ok<T = any>(args: readonly string[]): Promise<T>
  sql(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>
  mark(label: string): Promise<void>
  /** marker labels in order, from the cluster or a copy on another port */
  marks(port?: number): Promise<string[]>
  /** now, as the server sees it, in UTC ISO with microseconds */
  now(): Promise<string>
  destroy(): Promise<void>
}

export async function setUpCluster(tools: string, extraIni = ''): Promise<TestCluster> {
  const sb = await createSandbox({ binDir: await findBinDir(), prefix: `pitrctl-it-${tools.replace(/\W+/g, '-')}-` })
  const repo = await sb.mkdir('repo')
  const ini = [
    '[global]',
    'run-as = postgres',
    'timezone = UTC',
    '',
    '[main]',
    `tool = ${tools}`,
    `pgdata = ${sb.pgdata}`,
    `host = ${sb.socketDir}`,
    `port = ${sb.port}`,
    `repo = ${repo}`,
    extraIni,
  ].join('\n')
  const config = await sb.writeFile('pitrctl.ini', `${ini}\n`)
  const cli = (args: readonly string[]) => runCli([...args, '--config', config])
  const c: TestCluster = {
    sb,
    config,
    repo,
    cli,
    async ok(args) {
      const r = await cli([...args, '--json'])
      expect(r.exitCode, `pitrctl ${args.join(' ')}\n${r.stderr}`).toBe(0)
      return r.json()
    },
    sql: (q, p) => sb.query(q, p),
    async mark(label) {
      await sb.query('insert into marks(label) values ($1)', [label])
    },
    async marks(port) {
      const rows = await sb.query<{ label: string }>('select label from marks order by id', [], port ? { port } : {})
      return rows.map((r) => r.label)
    },
    async now() {
      const [r] = await sb.query<{ t: string }>(`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as t`)
      return r!.t
    },
    destroy: () => sb.destroy(),
  }
  try {
    await c.ok(['setup'])
    await c.sql('create table marks(id serial primary key, label text not null, at timestamptz default clock_timestamp())')
  } catch (e) {
    await sb.destroy() // the caller never gets the cluster, so it could not stop it
    throw e
  }
  return c
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
