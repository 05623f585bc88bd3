/**
 * Crash rounds for the WAL fault tests (test/integration/wal-crash.integration.test.ts) and the
 * soak script (test/soak/wal-crash.mjs): pgbench load while pitrctl archives, a kill -9 of the
 * archiver's wal-push, of a backup, or `pg_ctl -m immediate`, then the ground truth — the crashed
 * data directory crash-recovered on its own, from a copy — against an in-place
 * `restore --to latest`.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { freePort } from '../../src/util/free-port.js'
import { BIN } from './cli.js'
import { sleep, type TestCluster } from './cluster.js'

const PG_BIN = '/usr/lib/postgresql/15/bin'

export interface Truth {
  readonly history: number
  readonly balance: string
}

/** a seeded generator, so a failing round can be replayed (CRASH_SEED) */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 0x100000000
  }
}

function asClusterUser(c: TestCluster) {
  return c.sb.runAs ? { uid: c.sb.runAs.uid, gid: c.sb.runAs.gid } : {}
}

export function pgbench(c: TestCluster, args: readonly string[], port = c.sb.port): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(PG_BIN, 'pgbench'), ['-h', c.sb.socketDir, '-p', String(port), ...args, 'postgres'], { ...asClusterUser(c), cwd: '/tmp', maxBuffer: 64 << 20 }, (err, _out, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
    )
  })
}

/** pgbench -c 4 until stopped (or the server dies), with a WAL switch every 700 ms so that wal-push runs all the time */
export function startLoad(c: TestCluster): { stop(): Promise<void> } {
  const bench = spawn(path.join(PG_BIN, 'pgbench'), ['-h', c.sb.socketDir, '-p', String(c.sb.port), '-n', '-c', '4', '-j', '2', '-T', '600', 'postgres'], { ...asClusterUser(c), cwd: '/tmp', stdio: 'ignore' })
  let running = true
  const switcher = (async () => {
    while (running) {
      await c.sql('select pg_switch_wal()').catch(() => undefined)
      await sleep(700)
    }
  })()
  return {
    async stop() {
      running = false
      bench.kill('SIGINT')
      await new Promise((r) => (bench.exitCode !== null ? r(undefined) : bench.once('exit', r)))
      await switcher
    },
  }
}

/** pids of processes of this sandbox whose argv holds `word` (pitrctl wal-push, wal-g wal-push, pgbackrest archive-push …) */
export function sandboxPids(c: TestCluster, word: RegExp): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && word.test(m[2]!) && m[2]!.includes(c.sb.root))
    .map((m) => Number(m[1]))
    .filter((p) => p !== process.pid)
}

/** wait (up to `ms`) for a wal-push of this cluster to be running, then kill -9 it and its children; true when one was killed */
export async function killWalPush(c: TestCluster, ms: number, delayMs: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const pids = sandboxPids(c, /wal-push|archive-push/)
    if (pids.length) {
      await sleep(delayMs)
      const now = sandboxPids(c, /wal-push|archive-push/)
      for (const p of now.length ? now : pids) {
        try {
          process.kill(p, 'SIGKILL')
        } catch {
          /* gone already */
        }
      }
      return true
    }
    await sleep(5)
  }
  return false
}

export function spawnCli(c: TestCluster, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args, '--config', c.config], { detached: true, stdio: 'ignore' })
}

export async function counts(c: TestCluster, port = c.sb.port): Promise<Truth> {
  const [h] = await c.sb.query<{ n: number }>('select count(*)::int as n from pgbench_history', [], { port })
  const [b] = await c.sb.query<{ s: string }>('select sum(abalance)::text as s from pgbench_accounts', [], { port })
  return { history: h!.n, balance: b!.s }
}

/**
 * What the crashed cluster committed: a copy of its data directory, crash-recovered on its own
 * (no archive, archiving off, another port), read and removed.
 */
export async function groundTruth(c: TestCluster, tag: string): Promise<Truth> {
  const dir = path.join(c.sb.root, `truth-${tag}`)
  execFileSync('cp', ['-a', '--', c.sb.pgdata, dir])
  await fs.rm(path.join(dir, 'postmaster.pid'), { force: true })
  for (const f of ['recovery.signal', 'standby.signal']) await fs.rm(path.join(dir, f), { force: true })
  const port = await freePort()
  await fs.appendFile(path.join(dir, 'postgresql.auto.conf'), `\nport = ${port}\narchive_mode = off\nrestore_command = ''\n`)
  try {
    await c.sb.start(dir)
    return await counts(c, port)
  } finally {
    await c.sb.stop('immediate', dir).catch(() => undefined)
    await fs.rm(dir, { recursive: true, force: true })
  }
}

/** after a restore: new WAL is archived again (a fresh segment reaches the archive) and a backup works */
export async function expectArchivingAndBackupWork(c: TestCluster): Promise<void> {
  await pgbench(c, ['-n', '-c', '2', '-t', '50'])
  const [r] = await c.sql("select pg_walfile_name(pg_logical_emit_message(false, 'pitrctl-test', 'x')) as w")
  await c.sql('select pg_switch_wal()')
  const want = String(r!.w)
  let last = ''
  for (let i = 0; i < 600; i++) {
    const [a] = await c.sql('select coalesce(last_archived_wal, \'\') as l from pg_stat_archiver')
    last = String(a!.l)
    if (last.slice(0, 24) >= want && /^[0-9A-F]{24}$/.test(last.slice(0, 24))) break
    await sleep(100)
  }
  expect(last.slice(0, 24) >= want, `archiving stopped: last archived ${last}, wanted ${want}`).toBe(true)
  const b = await c.cli(['backup', '--json'])
  expect(b.exitCode, b.stderr).toBe(0)
  expect(b.json().status).toBe('ok')
}

export type CrashKind = 'kill-wal-push' | 'immediate' | 'kill-backup' | 'kill-restore'
export const CRASH_KINDS: readonly CrashKind[] = ['kill-wal-push', 'immediate', 'kill-backup', 'kill-restore']

const RESTORE = ['restore', '--to', 'latest', '--start', '--action', 'promote', '--yes', '--json'] as const

/**
 * kill -9 of an in-place restore (its whole process group) at a random moment, then what a DBA
 * does: follow pitrctl's hint for an unfinished restore (move the half-restored directory away,
 * the original back, remove the marker), stop a server the killed restore left running, restore again.
 */
async function killRestoreThenRecover(c: TestCluster, rand: () => number): Promise<void> {
  const child = spawnCli(c, RESTORE)
  const exited = new Promise((r) => child.once('exit', r))
  await Promise.race([sleep(500 + rand() * 8000), exited])
  try {
    process.kill(-child.pid!, 'SIGKILL')
  } catch {
    /* it finished */
  }
  await exited
  for (const p of sandboxPids(c, /run\.js (restore|wal-fetch)|pgbackrest|barman|wal-g|pg_basebackup|cp -a/)) {
    try {
      process.kill(p, 'SIGKILL')
    } catch {
      /* gone */
    }
  }
  const probe = await c.cli(['restore', '--to', 'latest', '--dry-run', '--yes', '--json'])
  const m = /the original data directory is at (\S+?)(?: —|$)[\s\S]*then remove (\S+)/.exec(probe.stderr)
  if (m) {
    const failed = `${c.sb.pgdata}.killed-${Date.now()}`
    if (await fs.stat(path.join(c.sb.pgdata, 'postmaster.pid')).then(() => true, () => false)) await c.sb.stop('immediate').catch(() => undefined)
    await fs.rename(c.sb.pgdata, failed).catch(() => undefined)
    await fs.rename(m[1]!, c.sb.pgdata)
    await fs.rm(m[2]!, { force: true })
    await fs.rm(failed, { recursive: true, force: true })
  } else if (await fs.stat(path.join(c.sb.pgdata, 'postmaster.pid')).then(() => true, () => false)) {
    // killed after the server was started: it recovers on its own; let it, stop it, restore again
    for (let i = 0; i < 300 && !(await c.sql('select 1').then(() => true, () => false)); i++) await sleep(200)
    await c.sb.stop('fast').catch(() => c.sb.stop('immediate'))
  }
}

export interface RoundResult {
  readonly tool: string
  readonly kind: CrashKind
  readonly seed: number
  readonly ok: boolean
  readonly truth: Truth
  readonly restored: Truth | null
  readonly killedPush: boolean
  readonly rescued: number
  readonly error: string | null
}

/** one round: load, a crash of `kind` at a random moment, ground truth, restore in place, compare, archive and back up again */
export async function crashRound(c: TestCluster, tool: string, kind: CrashKind, seed: number): Promise<RoundResult> {
  const rand = rng(seed)
  const load = startLoad(c)
  let killedPush = false
  let backup: ChildProcess | undefined
  try {
    await sleep(800 + rand() * 2500)
    if (kind === 'kill-wal-push') killedPush = await killWalPush(c, 15_000, rand() * 60)
    if (kind === 'kill-backup') {
      backup = spawnCli(c, ['backup', '--json'])
      await sleep(300 + rand() * 3000)
      try {
        process.kill(-backup.pid!, 'SIGKILL')
      } catch {
        /* it finished */
      }
    }
    // the server crash itself, while the load runs (archiver and wal-push die with it)
    await c.sb.stop('immediate')
  } finally {
    await load.stop()
  }
  const truth = await groundTruth(c, `${tool}-${seed}`)
  if (kind === 'kill-restore') await killRestoreThenRecover(c, rand)
  const r = await c.cli(RESTORE)
  if (r.exitCode !== 0) return { tool, kind, seed, ok: false, truth, restored: null, killedPush, rescued: 0, error: `restore exit ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-6).join(' | ')}` }
  const restored = await counts(c)
  const out = r.json()
  const rescued = (out.rescuedWal as string[]).length
  // the moved-aside directory is this sandbox's own test data: rounds would fill the disk
  if (out.movedAside) await fs.rm(out.movedAside, { recursive: true, force: true })
  const same = restored.history === truth.history && restored.balance === truth.balance
  if (!same) return { tool, kind, seed, ok: false, truth, restored, killedPush, rescued, error: 'restored cluster differs from what was committed' }
  try {
    await expectArchivingAndBackupWork(c)
  } catch (e) {
    return { tool, kind, seed, ok: false, truth, restored, killedPush, rescued, error: `after the restore: ${(e as Error).message.split('\n')[0]}` }
  }
  return { tool, kind, seed, ok: true, truth, restored, killedPush, rescued, error: null }
}
