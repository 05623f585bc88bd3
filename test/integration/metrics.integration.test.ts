/**
 * `pitrctl metrics` against real clusters and its real consumers: one cluster backed up by every
 * installed tool (a migration-style cluster, so one setup serves all tools) with each tool's
 * series cross-checked against `list --json`; promtool's linter; node_exporter's textfile
 * collector scraping the file `--textfile` wrote; `--all` over two clusters; a failing
 * archive_command, a hole in the archive, a frozen and a stopped server.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, promises as fs, readdirSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from 'node:net'
import { BIN, runCli, type CliResult } from '../support/cli.js'
import { setUpCluster, skipReason, sleep, type TestCluster } from '../support/cluster.js'

const ALL_TOOLS = ['native', 'pgbackrest', 'barman', 'walg', 'pg_rman'] as const
// pitrctl runs pg_rman from the PostgreSQL bin dir (where `make USE_PGXS=1 install` puts it)
const PG_BIN = '/usr/lib/postgresql/15/bin'
const tools = ALL_TOOLS.filter((t) => skipReason(t) === undefined && (t !== 'pg_rman' || existsSync(path.join(PG_BIN, 'pg_rman'))))
const promtool = spawnSync('sh', ['-c', 'command -v promtool && command -v prometheus-node-exporter']).status === 0
const skip = tools.length === 0 ? 'no tool is installed' : !tools.includes('native') ? 'the failure cases need native' : !promtool ? 'promtool or prometheus-node-exporter is not installed' : undefined

type Labels = Record<string, string>
interface Sample {
  readonly name: string
  readonly labels: Labels
  readonly value: number
}

/** exposition text to samples, labels in whatever order the writer chose */
function parse(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) continue
    const labels: Labels = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    out.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return out
}

/** the one sample of `name` whose labels include `labels`; undefined when there is none */
function value(samples: readonly Sample[], name: string, labels: Labels): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  expect(hits.length, `${name}${JSON.stringify(labels)}`).toBeLessThanOrEqual(1)
  return hits[0]?.value
}

function promtoolCheck(text: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

const seconds = (iso: string) => Date.parse(iso) / 1000

/** metrics keep microseconds where list --json shows milliseconds: the same instant, cut to ms */
function expectSameMs(metric: number | undefined, iso: string, what: string): void {
  expect(metric, what).toBeDefined()
  expect(Math.floor(metric! * 1000 + 1e-3), what).toBe(Date.parse(iso))
}

async function fileBytes(dir: string): Promise<number> {
  let total = 0
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) total += await fileBytes(p)
    else if (e.isFile()) total += (await fs.stat(p)).size
  }
  return total
}

async function readyCount(pgdata: string): Promise<number> {
  return (await fs.readdir(path.join(pgdata, 'pg_wal', 'archive_status'))).filter((n) => n.endsWith('.ready')).length
}

async function until(what: string, fn: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

describe.skipIf(skip !== undefined)(`metrics (${tools.join(', ')})${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let main: TestCluster
  let second: TestCluster
  let allIni: string
  let outDir: string
  const metrics = (c: TestCluster, args: readonly string[] = [], env?: NodeJS.ProcessEnv): Promise<CliResult> => runCli(['metrics', ...args, '--config', c.config], env ? { env } : {})

  beforeAll(async () => {
    main = await setUpCluster(tools.join(', '))
    second = await setUpCluster('native')
    // One file with both clusters, for --all. Each cluster's own file calls it [main]: run alone,
    // `second` reports cluster="main"; in all.ini it is [second].
    const mainIni = await fs.readFile(main.config, 'utf8')
    const secondSection = (await fs.readFile(second.config, 'utf8')).split('[main]')[1]!
    allIni = await main.sb.writeFile('all.ini', `${mainIni}\n[second]${secondSection}`)
    outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pitrctl-metrics-out-'))
  })
  afterAll(async () => {
    await main?.destroy()
    await second?.destroy()
    if (outDir) await fs.rm(outDir, { recursive: true, force: true })
  })

  it('every tool: the series agree with list --json, the archiver with pg_stat_archiver; promtool finds nothing', async () => {
    for (const t of tools) {
      await main.mark(`before-${t}`)
      await main.ok(['backup', '--tool', t])
    }
    await main.mark('after-all')
    await main.sql('select pg_switch_wal()')
    await until('archiving to settle', async () => (await readyCount(main.sb.pgdata)) === 0)
    const list = await main.ok(['list'])
    const r = await metrics(main)
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    const lint = promtoolCheck(r.stdout)
    expect(lint, r.stdout).toEqual({ status: 0, stdout: '', stderr: '' })
    const s = parse(r.stdout)
    const [arch] = await main.sql('select failed_count::int as failed, extract(epoch from last_archived_time)::float8 as last from pg_stat_archiver')

    for (const t of tools) {
      const l = { cluster: 'main', tool: t }
      const mine = list.backups.filter((b: { tool: string }) => b.tool === t)
      expect(mine.length, t).toBeGreaterThan(0)
      for (const status of ['ok', 'error', 'running', 'unverified'])
        expect(value(s, 'pitrctl_backups', { ...l, status }), `${t} ${status}`).toBe(mine.filter((b: { status: string }) => b.status === status).length)
      for (const type of new Set<string>(mine.filter((b: { status: string }) => b.status === 'ok').map((b: { type: string }) => b.type))) {
        const newest = mine.filter((b: { status: string; type: string }) => b.status === 'ok' && b.type === type).sort((a: { stop: string }, b: { stop: string }) => a.stop.localeCompare(b.stop)).at(-1)
        expectSameMs(value(s, 'pitrctl_backup_last_success_timestamp_seconds', { ...l, type }), newest.stop, `${t} ${type} end`)
        expect(value(s, 'pitrctl_backup_last_duration_seconds', { ...l, type })).toBeCloseTo(seconds(newest.stop) - seconds(newest.start), 2)
        expect(value(s, 'pitrctl_backup_last_size_bytes', { ...l, type }), `${t} size`).toBe(newest.storedSize ?? newest.size)
      }
      const windows = list.window.filter((w: { tool: string }) => w.tool === t)
      expect(windows.length, `${t} has a window`).toBeGreaterThan(0)
      for (const w of windows) {
        const tl = String(w.timeline)
        expectSameMs(value(s, 'pitrctl_recovery_window_start_timestamp_seconds', { ...l, timeline: tl }), w.from, `${t} window start`)
        expectSameMs(value(s, 'pitrctl_recovery_window_end_timestamp_seconds', { ...l, timeline: tl }), w.to, `${t} window end`)
      }
      expect(value(s, 'pitrctl_wal_archive_gaps', l)).toBe(0)
      expect(value(s, 'pitrctl_repo_size_bytes', l), `${t} repo bytes`).toBe(await fileBytes(path.join(main.repo, t)))
      expect(value(s, 'pitrctl_collect_success', l)).toBe(1)
    }
    // the cluster-wide archiver series carry the primary tool, once
    const primary = { cluster: 'main', tool: tools[0]! }
    expect(value(s, 'pitrctl_wal_archive_failures_total', primary)).toBe(arch!.failed)
    expect(value(s, 'pitrctl_wal_archive_last_success_timestamp_seconds', primary)).toBeCloseTo(arch!.last as number, 5)
    expect(value(s, 'pitrctl_wal_archive_pending_segments', primary)).toBe(0)
    expect(s.filter((x) => x.name === 'pitrctl_wal_archive_pending_segments')).toHaveLength(1)
  })

  it('verify --restore records its pass, and metrics reports it for that tool only', async () => {
    const before = Date.now() / 1000
    const v = await main.cli(['verify', '--restore', '--tool', 'native', '--json'])
    expect(v.exitCode, v.stderr).toBe(0)
    const after = Date.now() / 1000
    const s = parse((await metrics(main)).stdout)
    const at = value(s, 'pitrctl_verify_restore_last_success_timestamp_seconds', { cluster: 'main', tool: 'native' })!
    expect(at).toBeGreaterThanOrEqual(before)
    expect(at).toBeLessThanOrEqual(after)
    for (const t of tools.filter((x) => x !== 'native')) expect(value(s, 'pitrctl_verify_restore_last_success_timestamp_seconds', { cluster: 'main', tool: t })).toBeUndefined()
  })

  it('a failing archive_command: failures_total and pending segments as PostgreSQL counts them', async () => {
    await second.ok(['backup'])
    const original = ((await second.sql('show archive_command'))[0] as { archive_command: string }).archive_command
    await second.sql("alter system set archive_command = 'false'")
    await second.sql('select pg_reload_conf()')
    await second.mark('unarchived')
    await second.sql('select pg_switch_wal()')
    // the archiver tries three times, then waits up to a minute: the count is still for a while
    await until('three archive failures', async () => ((await second.sql('select failed_count::int as n from pg_stat_archiver'))[0] as { n: number }).n >= 3)
    try {
      const r = await metrics(second)
      expect(r.exitCode, r.stderr).toBe(0)
      const s = parse(r.stdout)
      const [arch] = await second.sql('select failed_count::int as n from pg_stat_archiver')
      const l = { cluster: 'main', tool: 'native' }
      expect(value(s, 'pitrctl_wal_archive_failures_total', l)).toBe((arch as { n: number }).n)
      expect(value(s, 'pitrctl_wal_archive_pending_segments', l)).toBe(await readyCount(second.sb.pgdata))
      expect(value(s, 'pitrctl_wal_archive_pending_segments', l)).toBeGreaterThanOrEqual(1)
    } finally {
      await second.sql(`alter system set archive_command = '${original.replace(/'/g, "''")}'`)
      await second.sql('select pg_reload_conf()')
    }
    await until('the backlog to be archived', async () => (await readyCount(second.sb.pgdata)) === 0, 120_000)
  })

  it('a hole in the archive: gaps counts it, list names it', async () => {
    for (let i = 0; i < 3; i++) {
      await second.mark(`seg-${i}`)
      await second.sql('select pg_switch_wal()')
    }
    await until('archiving to settle', async () => (await readyCount(second.sb.pgdata)) === 0)
    const walDir = path.join(second.repo, 'native', 'wal')
    const segs = readdirSync(walDir).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort()
    const victim = segs[segs.length - 2]!
    await fs.rename(path.join(walDir, victim), path.join(second.sb.root, victim))
    // --json holds the same values as data
    const j = await second.ok(['metrics'])
    expect(j.clusters.map((c: { cluster: string }) => c.cluster)).toEqual(['main'])
    expect(j.clusters[0].problems).toEqual([])
    expect(j.clusters[0].tools[0].catalog.gapSegments).toBe(1)
    expect(j.clusters[0].tools[0].catalog.missingSegments).toEqual([victim])
    const s = parse((await metrics(second)).stdout)
    expect(value(s, 'pitrctl_wal_archive_gaps', { cluster: 'main', tool: 'native' })).toBe(1)
    const list = await second.ok(['list'])
    expect(list.window.map((w: { gapAt: string | null }) => w.gapAt)).toContain(victim)
    const end = value(s, 'pitrctl_recovery_window_end_timestamp_seconds', { cluster: 'main', tool: 'native', timeline: '1' })
    expectSameMs(end, list.window.map((w: { to: string }) => w.to).sort().at(-1), 'window end past the gap')
  })

  it('--all --textfile as root: one exposition for both clusters, written 0644, promtool-clean, scraped by node_exporter', async () => {
    const file = path.join(outDir, 'pitrctl.prom')
    const r = await runCli(['metrics', '--all', '--config', allIni, '--textfile', file])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toBe('')
    expect(statSync(file).mode & 0o777).toBe(0o644)
    expect(readdirSync(outDir)).toEqual(['pitrctl.prom']) // no temp file left behind
    const text = await fs.readFile(file, 'utf8')
    expect(promtoolCheck(text)).toEqual({ status: 0, stdout: '', stderr: '' })
    for (const name of new Set(parse(text).map((x) => x.name))) {
      expect(text.split('\n').filter((l) => l.startsWith(`# HELP ${name} `)), name).toHaveLength(1)
      expect(text.split('\n').filter((l) => l.startsWith(`# TYPE ${name} `)), name).toHaveLength(1)
    }
    const written = parse(text)
    expect(new Set(written.map((x) => x.labels.cluster))).toEqual(new Set(['main', 'second']))
    expect(value(written, 'pitrctl_collect_success', { cluster: 'second', tool: 'native' })).toBe(1)

    const port = await freePort()
    const exporter: ChildProcess = spawn(
      'prometheus-node-exporter',
      [`--web.listen-address=127.0.0.1:${port}`, `--collector.textfile.directory=${outDir}`, '--collector.disable-defaults', '--collector.textfile'],
      { stdio: 'ignore' },
    )
    try {
      let scraped = ''
      await until('node_exporter to answer', async () => {
        scraped = await fetch(`http://127.0.0.1:${port}/metrics`).then((x) => (x.ok ? x.text() : ''), () => '')
        return scraped.includes('pitrctl_')
      })
      const got = parse(scraped)
      expect(value(got, 'node_textfile_scrape_error', {})).toBe(0)
      const ours = written.filter((x) => x.name.startsWith('pitrctl_'))
      expect(got.filter((x) => x.name.startsWith('pitrctl_'))).toHaveLength(ours.length)
      for (const x of ours) expect(value(got, x.name, x.labels), `${x.name}${JSON.stringify(x.labels)}`).toBe(x.value)
      expect(value(got, 'pitrctl_backups', { cluster: 'main', tool: 'native', status: 'ok' })).toBeGreaterThanOrEqual(1)
    } finally {
      exporter.kill('SIGTERM')
    }
  })

  it('refuses before reading anything: --all with -c, a --textfile not *.prom or in no writable directory (exit 2)', async () => {
    for (const args of [['--all', '-c', 'main'], ['--textfile', path.join(outDir, 'pitrctl.txt')], ['--textfile', path.join(outDir, 'missing', 'pitrctl.prom')]]) {
      const r = await metrics(second, args)
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stdout).toBe('')
    }
  })

  it('--textfile as the run-as user writes into a directory that user owns', async () => {
    const dir = await second.sb.mkdir('textfile')
    const file = path.join(dir, 'pitrctl.prom')
    const { uid, gid } = statSync(dir)
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'metrics', '--config', second.config, '--textfile', file], { uid, gid, cwd: '/', env: { PATH: process.env.PATH!, HOME: '/tmp' } }, (err, _out, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(statSync(file)).toMatchObject({ uid, mode: expect.any(Number) })
    expect(statSync(file).mode & 0o777).toBe(0o644)
    expect(value(parse(await fs.readFile(file, 'utf8')), 'pitrctl_collect_success', { cluster: 'main', tool: 'native' })).toBe(1)
  })

  it('a frozen server: the scrape ends on its deadline, catalog series stay, collect_success 0', async () => {
    const pid = Number((await fs.readFile(path.join(second.sb.pgdata, 'postmaster.pid'), 'utf8')).split('\n')[0])
    process.kill(pid, 'SIGSTOP')
    try {
      const r = await metrics(second, [], { PITRCTL_METRICS_TIMEOUT_MS: '3000' })
      expect(r.exitCode).toBe(1)
      expect(r.stderr).toMatch(/could not read the archiver/)
      const s = parse(r.stdout)
      expect(value(s, 'pitrctl_collect_success', { cluster: 'main', tool: 'native' })).toBe(0)
      expect(value(s, 'pitrctl_backups', { cluster: 'main', tool: 'native', status: 'ok' })).toBeGreaterThanOrEqual(1)
      expect(value(s, 'pitrctl_wal_archive_failures_total', { cluster: 'main', tool: 'native' })).toBeUndefined()
    } finally {
      process.kill(pid, 'SIGCONT')
    }
  })

  it('a stopped server: --all still reports both clusters; exit 1, the stopped one at collect_success 0 with its catalog', async () => {
    await second.sb.stop('fast')
    const r = await runCli(['metrics', '--all', '--config', allIni])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toMatch(/^pitrctl: metrics of second: could not read the archiver: cannot connect/m)
    expect(promtoolCheck(r.stdout)).toEqual({ status: 0, stdout: '', stderr: '' })
    const s = parse(r.stdout)
    expect(value(s, 'pitrctl_collect_success', { cluster: 'main', tool: 'native' })).toBe(1)
    expect(value(s, 'pitrctl_collect_success', { cluster: 'second', tool: 'native' })).toBe(0)
    expect(value(s, 'pitrctl_backups', { cluster: 'second', tool: 'native', status: 'ok' })).toBeGreaterThanOrEqual(1)
    expect(value(s, 'pitrctl_wal_archive_gaps', { cluster: 'second', tool: 'native' })).toBe(1)
    // counted on disk while the server is down
    expect(value(s, 'pitrctl_wal_archive_pending_segments', { cluster: 'second', tool: 'native' })).toBe(await readyCount(second.sb.pgdata))
    expect(value(s, 'pitrctl_wal_archive_failures_total', { cluster: 'second', tool: 'native' })).toBeUndefined()
    const j = await metrics(second, ['--json'])
    expect(j.exitCode).toBe(1)
    expect(j.json().clusters[0].problems.map((p: { part: string }) => p.part)).toEqual(['archiver'])
    expect(j.json().clusters[0].tools[0].catalog.backups.ok).toBeGreaterThanOrEqual(1)
  })
})
