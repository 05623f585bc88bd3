/**
 * Whether a postmaster owns a data directory, and starting/stopping one. pg_ctl runs through the
 * runner; the ownership test reads postmaster.pid and /proc itself so that a stale pid file, or
 * a pid reused by another program, is told apart from a live server (reliability.md T07).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { PostgresError } from '../errors.js'
import { execStep } from '../model/plan.js'
import type { Runner } from '../runner/runner.js'

export type PostmasterState =
  | { readonly state: 'stopped' }
  | { readonly state: 'running'; readonly pid: number; readonly port: number | undefined; readonly socketDir: string | undefined }
  | { readonly state: 'stale'; readonly pid: number; readonly why: string }
  | { readonly state: 'unknown'; readonly pid: number; readonly why: string }

export async function postmasterState(pgdata: string): Promise<PostmasterState> {
  const text = await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').catch(() => undefined)
  if (text === undefined) return { state: 'stopped' }
  const lines = text.split('\n')
  const pid = Number(lines[0])
  if (!Number.isInteger(pid) || pid <= 0) return { state: 'unknown', pid: 0, why: 'postmaster.pid is unreadable' }
  try {
    process.kill(pid, 0)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ESRCH') return { state: 'stale', pid, why: `no process ${pid} exists (the server crashed or was killed)` }
    return { state: 'unknown', pid, why: `process ${pid} belongs to another user` }
  }
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  if (cmdline && !/postgres|postmaster/.test(cmdline))
    return { state: 'unknown', pid, why: `process ${pid} is ${JSON.stringify(cmdline.split('\0')[0])}, not a postmaster: the pid file may be stale, or not` }
  const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => undefined)
  const real = await fs.realpath(pgdata).catch(() => pgdata)
  if (cwd !== undefined && cwd !== real) return { state: 'unknown', pid, why: `process ${pid} runs in ${cwd}, not in ${real}` }
  const port = Number(lines[3])
  return { state: 'running', pid, port: Number.isInteger(port) ? port : undefined, socketDir: lines[4] || undefined }
}

export interface StartOptions {
  readonly binDir: string
  readonly pgdata: string
  readonly logFile: string
}

/** start without waiting: pitrctl watches recovery itself, because `pg_ctl -w` returning 0 proves nothing (L2) */
export async function startServer(runner: Runner, o: StartOptions): Promise<void> {
  await fs.mkdir(path.dirname(o.logFile), { recursive: true, mode: 0o700 })
  // The recovery is read from this log: for this run keep the server's messages in it, in English.
  const r = await runner.run(execStep('pg-start', 'start PostgreSQL', [path.join(o.binDir, 'pg_ctl'), 'start', '-D', o.pgdata, '-l', o.logFile, '-W', '-o', '-c logging_collector=off -c log_destination=stderr -c lc_messages=C'], { timeoutMs: 60_000 }))
  if (!r.ok) throw new PostgresError(`pg_ctl start failed for ${o.pgdata}`, { hint: `read ${o.logFile}`, details: [r.stderr.trim(), r.stdout.trim()].filter(Boolean) })
}

export async function stopServer(runner: Runner, binDir: string, pgdata: string, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  const r = await runner.run(execStep('pg-stop', 'stop PostgreSQL', [path.join(binDir, 'pg_ctl'), 'stop', '-D', pgdata, '-m', mode, '-w', '-t', '300'], { timeoutMs: 320_000 }))
  if (!r.ok && !/not running|No such file|Is server running/i.test(r.stderr))
    throw new PostgresError(`pg_ctl stop failed for ${pgdata}`, { hint: 'stop the server by hand', details: [r.stderr.trim()] })
}

export async function readLog(logFile: string, fromByte = 0): Promise<string> {
  const h = await fs.open(logFile, 'r').catch(() => undefined)
  if (!h) return ''
  try {
    const size = (await h.stat()).size
    if (size <= fromByte) return ''
    const buf = Buffer.alloc(size - fromByte)
    await h.read(buf, 0, buf.length, fromByte)
    return buf.toString('utf8')
  } finally {
    await h.close()
  }
}

export async function readPgMajor(pgdata: string): Promise<number | undefined> {
  const v = await fs.readFile(path.join(pgdata, 'PG_VERSION'), 'utf8').catch(() => undefined)
  return v === undefined ? undefined : Number.parseInt(v.trim(), 10)
}
