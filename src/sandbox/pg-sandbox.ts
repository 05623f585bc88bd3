/**
 * Throwaway PostgreSQL clusters for the drill and the integration tests: initdb into a temporary
 * directory, a free port, the socket inside that directory, archiving on. When the caller is
 * root, everything runs as the unprivileged user (PostgreSQL refuses root).
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PostgresError } from '../errors.js'
import { execStep } from '../model/plan.js'
import { connectPg, type PgConnInfo } from '../pg/client.js'
import { postmasterState, startServer, stopServer } from '../pg/server.js'
import { ExecaRunner } from '../runner/execa-runner.js'
import type { Runner } from '../runner/runner.js'
import { freePort } from '../util/free-port.js'
import { isRoot, lookupUser, type RunAs } from '../util/identity.js'

export interface SandboxOptions {
  readonly binDir: string
  /** the user clusters run as when the caller is root (default postgres) */
  readonly runAsUser?: string
  readonly prefix?: string
  /** extra postgresql.conf lines */
  readonly conf?: readonly string[]
}

export interface PgSandbox {
  readonly root: string
  readonly pgdata: string
  readonly port: number
  readonly socketDir: string
  readonly conn: PgConnInfo
  readonly runner: Runner
  readonly runAs: RunAs | undefined
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[], opts?: { pgdata?: string; port?: number }): Promise<T[]>
  start(pgdata?: string): Promise<void>
  stop(mode?: 'fast' | 'immediate', pgdata?: string): Promise<void>
  /** a directory inside the sandbox the cluster user owns */
  mkdir(name: string): Promise<string>
  /** a file the cluster user owns and can read (pitrctl.ini) */
  writeFile(name: string, content: string, mode?: number): Promise<string>
  /** stop every server under the sandbox and remove it */
  destroy(): Promise<void>
}

export async function createSandbox(o: SandboxOptions): Promise<PgSandbox> {
  const runAs = isRoot() ? lookupUser(o.runAsUser ?? 'postgres') : undefined
  const runner = new ExecaRunner({ runAs })
  const root = await fs.mkdtemp(path.join(os.tmpdir(), o.prefix ?? 'pitrctl-sandbox-'))
  await fs.chmod(root, 0o700)
  const own = async (p: string) => {
    if (runAs) await fs.chown(p, runAs.uid, runAs.gid)
  }
  await own(root)
  const pgdata = path.join(root, 'data')
  const port = await freePort()
  const initdb = await runner.run(
    execStep('initdb', 'initdb', [path.join(o.binDir, 'initdb'), '-D', pgdata, '-U', 'postgres', '--data-checksums', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'], { timeoutMs: 120_000 }),
  )
  if (!initdb.ok) throw new PostgresError(`initdb failed in ${pgdata}`, { hint: 'is PostgreSQL installed?', details: [initdb.stderr.trim()] })
  const conf = [
    `port = ${port}`,
    "listen_addresses = ''",
    `unix_socket_directories = '${root}'`,
    'wal_level = replica',
    'archive_mode = on',
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    'max_wal_senders = 10',
    'fsync = on',
    ...(o.conf ?? []),
  ]
  await fs.appendFile(path.join(pgdata, 'postgresql.conf'), `\n# pitrctl sandbox\n${conf.join('\n')}\n`)
  const conn: PgConnInfo = { host: root, port, user: 'postgres', database: 'postgres' }
  const sandbox: PgSandbox = {
    root,
    pgdata,
    port,
    socketDir: root,
    conn,
    runner,
    runAs,
    async query(sql, params, opts = {}) {
      const s = await connectPg({ ...conn, port: opts.port ?? port })
      try {
        return await s.query(sql, params)
      } finally {
        await s.close()
      }
    },
    async start(dir = pgdata) {
      await startServer(runner, { binDir: o.binDir, pgdata: dir, logFile: path.join(root, `${path.basename(dir)}.log`) })
      await waitForConnections(dir, runner)
    },
    stop: (mode = 'fast', dir = pgdata) => stopServer(runner, o.binDir, dir, mode),
    async mkdir(name) {
      const p = path.join(root, name)
      await fs.mkdir(p, { recursive: true, mode: 0o700 })
      await own(p)
      return p
    },
    async writeFile(name, content, mode = 0o600) {
      const p = path.join(root, name)
      await fs.writeFile(p, content, { mode })
      await fs.chmod(p, mode)
      await own(p)
      return p
    },
    async destroy() {
      for (const entry of await fs.readdir(root).catch(() => [])) {
        const dir = path.join(root, entry)
        if ((await postmasterState(dir)).state === 'running') await stopServer(runner, o.binDir, dir, 'immediate').catch(() => undefined)
      }
      // the sandbox's own temporary directory: no user data lives here
      await fs.rm(root, { recursive: true, force: true })
    },
  }
  await sandbox.start()
  return sandbox

  async function waitForConnections(dir: string, r: Runner): Promise<void> {
    const started = Date.now()
    const deadline = started + 60_000
    let seen = false
    while (Date.now() < deadline) {
      const st = await r.run(execStep('isready', 'pg_isready', [path.join(o.binDir, 'pg_isready'), '-h', root, '-p', String(await portOf(dir)), '-q'], { mutates: false }))
      if (st.ok) return
      // pg_ctl -W returns before the pid file exists: "stopped" means it died only once it ran
      const state = (await postmasterState(dir)).state
      if (state === 'running') seen = true
      if (state === 'stopped' && (seen || Date.now() - started > 15_000)) throw new PostgresError(`the server in ${dir} did not start`, { hint: `read ${root}/${path.basename(dir)}.log` })
      await new Promise((res) => setTimeout(res, 100))
    }
    throw new PostgresError(`the server in ${dir} did not accept connections in time`, { hint: 'read its log' })
  }

  async function portOf(dir: string): Promise<number> {
    const text = await fs.readFile(path.join(dir, 'postmaster.pid'), 'utf8').catch(() => '')
    return Number(text.split('\n')[3]) || port
  }
}

/** the PostgreSQL bin directory for the sandbox: Debian's layout, else PATH */
export async function findBinDir(major = 15): Promise<string> {
  const debian = `/usr/lib/postgresql/${major}/bin`
  if (await fs.stat(path.join(debian, 'initdb')).then(() => true, () => false)) return debian
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && (await fs.stat(path.join(dir, 'initdb')).then(() => true, () => false))) return path.dirname(await fs.realpath(path.join(dir, 'initdb')))
  throw new PostgresError('initdb was not found', { hint: 'install PostgreSQL 15 (see README)' })
}
