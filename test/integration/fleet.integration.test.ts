/**
 * Day-2 on a real mixed fleet: one pitrctl.ini with one cluster per installed tool (each section
 * named db-<tool>), set up and backed up through pitrctl.
 * - `list --all` and `check --all`: one block (or JSON element) per cluster, the worst exit code.
 * - `check` with the alert-* thresholds on native and pgBackRest: passing, then failing on backup
 *   age, repository usage, failed backups in a row (server stopped) and archive lag.
 */
import { execFile } from 'node:child_process'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSandbox, findBinDir, type PgSandbox } from '../../src/sandbox/pg-sandbox.js'
import { lookupUser } from '../../src/util/identity.js'
import { runCli, type CliResult } from '../support/cli.js'
import { skipReason, sleep } from '../support/cluster.js'

const ALL = ['native', 'pgbackrest', 'barman', 'walg', 'pg_rman'] as const
const BIN_DIR = await findBinDir()
/** pitrctl runs pg_rman from the PostgreSQL bin directory (it is built against that server) */
const why = (t: string) => skipReason(t) ?? (t === 'pg_rman' && !existsSync(path.join(BIN_DIR, 'pg_rman')) ? `pg_rman is not in ${BIN_DIR}` : undefined)
const tools = ALL.filter((t) => why(t) === undefined)
const skipped = ALL.filter((t) => why(t) !== undefined).map((t) => `${t}: ${why(t)}`)
const ALERTED = ['native', 'pgbackrest'].filter((t) => tools.includes(t as (typeof ALL)[number]))
const missing = ['native', 'pgbackrest'].filter((t) => !ALERTED.includes(t))

const PASSING = ['alert-backup-age = 1h', 'alert-archive-lag = 1h', 'alert-backup-failures = 2', 'alert-repo-usage = 100%']

interface Member {
  readonly tool: string
  /** the cluster's section: db-<tool> (Barman refuses a server named barman) */
  readonly name: string
  readonly sb: PgSandbox
  readonly repo: string
}

describe.skipIf(missing.length > 0)(`fleet of ${tools.join(', ')}${skipped.length ? ` (left out: ${skipped.join('; ')})` : ''}`, () => {
  let dir: string
  let config: string
  const fleet: Member[] = []
  const owner = lookupUser('postgres')

  /** pitrctl.ini for the whole fleet, replaced atomically (archive_command reads it at every segment) */
  async function writeConfig(global: readonly string[] = [], perCluster: Record<string, readonly string[]> = {}, extraSections = ''): Promise<void> {
    const sections = fleet.map((m) =>
      [`[${m.name}]`, `tool = ${m.tool}`, `pgdata = ${m.sb.pgdata}`, `host = ${m.sb.socketDir}`, `port = ${m.sb.port}`, `repo = ${m.repo}`, ...(perCluster[m.name] ?? [])].join('\n'),
    )
    const text = [['[global]', 'run-as = postgres', 'timezone = UTC', ...global].join('\n'), ...sections, extraSections].join('\n\n')
    const tmp = `${config}.tmp`
    await fs.writeFile(tmp, `${text}\n`, { mode: 0o600 })
    await fs.chown(tmp, owner.uid, owner.gid)
    await fs.rename(tmp, config)
  }
  const cli = (args: readonly string[]) => runCli([...args, '--config', config])
  const check = async (tool: string): Promise<CliResult> => cli(['check', '-c', `db-${tool}`])
  const lines = (r: CliResult) => r.stdout.split('\n').filter(Boolean)
  const failing = (r: CliResult) => lines(r).filter((l) => l.startsWith('FAIL'))

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pitrctl-it-fleet-'))
    await fs.chown(dir, owner.uid, owner.gid)
    config = path.join(dir, 'pitrctl.ini')
    for (const tool of tools) {
      const sb = await createSandbox({ binDir: BIN_DIR, prefix: `pitrctl-it-fleet-${tool.replace('_', '-')}-` })
      fleet.push({ tool, name: `db-${tool}`, sb, repo: await sb.mkdir('repo') })
    }
    await writeConfig()
    for (const m of fleet) {
      const setup = await cli(['setup', '-c', m.name, '--json'])
      expect(setup.exitCode, `setup ${m.tool}\n${setup.stderr}`).toBe(0)
      const backup = await cli(['backup', '-c', m.name, '--json'])
      expect(backup.exitCode, `backup ${m.tool}\n${backup.stderr}`).toBe(0)
    }
  })
  afterAll(async () => {
    for (const m of fleet) await m.sb.destroy()
    // the test's own temporary directory (config only)
    if (dir) await fs.rm(dir, { recursive: true, force: true })
  })

  it('list --all: one block per cluster; --json an array of the single-cluster objects', async () => {
    const human = await cli(['list', '--all'])
    expect(human.exitCode, human.stderr).toBe(0)
    expect(lines(human).filter((l) => l.startsWith('== cluster '))).toEqual(fleet.map((m) => `== cluster ${m.name} ==`))
    const r = await cli(['list', '--all', '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    const all = r.json<{ cluster: string; backups: { tool: string; status: string }[]; window: unknown[] }[]>()
    expect(all.map((l) => l.cluster)).toEqual(fleet.map((m) => m.name))
    for (const l of all) {
      expect(l.backups.map((b) => [`db-${b.tool}`, b.status]), l.cluster).toEqual([[l.cluster, 'ok']])
      expect(l.window.length, l.cluster).toBeGreaterThan(0)
    }
    // each element is exactly what list -c prints
    const single = await cli(['list', '-c', fleet[0]!.name, '--json'])
    expect(all[0]).toEqual(single.json())
    expect((await cli(['list', '--all', '-c', 'db-native'])).exitCode).toBe(2)
  })

  it('check --all: every cluster checked, the worst exit code wins', async () => {
    await writeConfig(PASSING)
    const ok = await cli(['check', '--all', '--json'])
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0)
    const reports = ok.json<{ cluster: string; ok: boolean; checks: { name: string; ok: boolean }[] }[]>()
    expect(reports.map((r) => [r.cluster, r.ok])).toEqual(fleet.map((m) => [m.name, true]))
    for (const r of reports) expect(r.checks.filter((c) => c.name.includes('(alert-')).length, r.cluster).toBe(4)

    // one cluster fails a threshold: exit 1, the others still pass
    await sleep(2100)
    await writeConfig(PASSING, { 'db-pgbackrest': ['alert-backup-age = 1s'] })
    const one = await cli(['check', '--all'])
    expect(one.exitCode, one.stdout).toBe(1)
    const blocks = one.stdout.split(/^== cluster /m).filter(Boolean)
    expect(blocks.map((b) => b.split(' ==')[0])).toEqual(fleet.map((m) => m.name))
    for (const b of blocks) {
      const name = b.split(' ==')[0]
      const bad = b.split('\n').filter((l) => l.startsWith('FAIL'))
      if (name === 'db-pgbackrest') expect(bad).toEqual([expect.stringMatching(/^FAIL backup age \(alert-backup-age 1s\): newest ok backup \S+ \(pgbackrest\) ended \S+ ago$/)])
      else expect(bad, name).toEqual([])
    }
    expect(one.stderr).toContain('pitrctl: cluster db-pgbackrest: 1 check(s) failed (exit 1)')

    // and a cluster whose PostgreSQL programs are missing (exit 6) outranks it
    const ghostRepo = path.join(dir, 'ghost-repo')
    await fs.mkdir(ghostRepo, { mode: 0o700 })
    await fs.chown(ghostRepo, owner.uid, owner.gid)
    const native = fleet.find((m) => m.tool === 'native')!
    await writeConfig(PASSING, { 'db-pgbackrest': ['alert-backup-age = 1s'] }, `[ghost]\ntool = native\npgdata = ${native.sb.pgdata}\nbin-dir = /nonexistent/pg/bin\nhost = ${native.sb.socketDir}\nport = ${native.sb.port}\nrepo = ${ghostRepo}\n`)
    const worst = await cli(['check', '--all', '--json'])
    expect(worst.exitCode, worst.stdout).toBe(6)
    const byName = Object.fromEntries(worst.json<{ cluster: string; ok: boolean; missingTool: boolean }[]>().map((r) => [r.cluster, r]))
    expect(Object.keys(byName)).toEqual([...fleet.map((m) => m.name), 'ghost'])
    // bin-dir names no PostgreSQL: the program search refuses the cluster before any check (exit 6, where it looked)
    expect(byName.ghost).toMatchObject({ error: { code: 6 } })
    expect((byName.ghost as unknown as { error: { message: string } }).error.message).toMatch(/\/nonexistent\/pg\/bin/)
    expect(byName['db-pgbackrest']).toMatchObject({ ok: false, missingTool: false })
    expect(byName['db-native']).toMatchObject({ ok: true })
    expect(worst.stderr).toMatch(/2 of \d+ clusters failed/)
  })

  describe.each(ALERTED)('alert-* thresholds on %s', (tool) => {
    it('pass with the measured values, then fail on backup age and repository usage', async () => {
      await writeConfig(PASSING)
      const ok = await check(tool)
      expect(ok.exitCode, ok.stdout).toBe(0)
      const alerts = lines(ok).filter((l) => l.includes('(alert-'))
      expect(alerts).toEqual([
        expect.stringMatching(new RegExp(`^ok   backup age \\(alert-backup-age 1h\\): newest ok backup \\S+ \\(${tool}\\) ended \\S+ ago$`)),
        expect.stringMatching(/^ok   archive lag \(alert-archive-lag 1h\): (no segment waiting to be archived|\d+ segments? waiting; the oldest, [0-9A-F]{24}, for \S+)$/),
        expect.stringMatching(new RegExp(`^ok   backup failures \\(alert-backup-failures 2\\): the last attempt, at \\S+ \\(${tool}\\), succeeded$`)),
        expect.stringMatching(/^ok   repository usage \(alert-repo-usage 100%\): the file system of \/\S+\/repo is \d+% full$/),
      ])

      await sleep(2100)
      await writeConfig(PASSING, { [`db-${tool}`]: ['alert-backup-age = 1s', 'alert-repo-usage = 0%'] })
      const bad = await check(tool)
      expect(bad.exitCode, bad.stdout).toBe(1)
      expect(failing(bad)).toEqual([
        expect.stringMatching(new RegExp(`^FAIL backup age \\(alert-backup-age 1s\\): newest ok backup \\S+ \\(${tool}\\) ended \\S+ ago$`)),
        expect.stringMatching(/^FAIL repository usage \(alert-repo-usage 0%\): the file system of \S+ is [1-9]\d*% full$/),
      ])
      expect(bad.stderr).toContain('pitrctl: 2 check(s) failed')
    })

    it('fails after two failed backups in a row (server stopped); native: passes again after a good one', async () => {
      await writeConfig(PASSING)
      const m = fleet.find((f) => f.tool === tool)!
      await m.sb.stop()
      try {
        for (let i = 0; i < 2; i++) {
          const b = await cli(['backup', '-c', m.name])
          expect(b.exitCode, b.stderr).toBe(1)
        }
      } finally {
        await m.sb.start()
      }
      const attempts = (await fs.readFile(path.join(m.repo, '.pitrctl', 'backup-attempts.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
      expect(attempts.slice(-3).map((a: { outcome: string; tool: string }) => [a.outcome, a.tool])).toEqual([['ok', tool], ['failed', tool], ['failed', tool]])

      const bad = await check(tool)
      expect(bad.exitCode, bad.stdout).toBe(1)
      expect(failing(bad)).toEqual([expect.stringMatching(new RegExp(`^FAIL backup failures \\(alert-backup-failures 2\\): 2 backup attempts in a row failed; the last at \\S+ \\(${tool}\\): `))])

      // a good backup ends the run of failures (the same code for every tool: shown on one)
      if (tool !== 'native') return
      const good = await cli(['backup', '-c', m.name])
      expect(good.exitCode, good.stderr).toBe(0)
      const again = await check(tool)
      expect(again.exitCode, again.stdout).toBe(0)
    })
  })

  it('native: the commands of the generated systemd services run (backup, then verify --restore --newest)', async () => {
    await writeConfig(PASSING, { 'db-native': ['schedule-full = 0 2 * * *', 'schedule-verify = 0 4 * * 0'] })
    const r = await cli(['schedule', '-c', 'db-native', '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    const services = r.json<{ files: { name: string; content: string }[] }>().files.filter((f) => f.name.endsWith('.service'))
    expect(services.map((f) => f.name)).toEqual(['pitrctl-db-native-backup-full.service', 'pitrctl-db-native-verify.service'])
    const before = (await cli(['list', '-c', 'db-native', '--json'])).json<{ backups: { id: string }[] }>().backups.length
    let verified: string | undefined
    for (const f of services) {
      // the test's paths hold no spaces or specifiers: ExecStart is its words
      const [program, ...args] = f.content.split('\n').find((l) => l.startsWith('ExecStart='))!.slice('ExecStart='.length).split(' ')
      const run = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile(program!, args, { maxBuffer: 64 << 20 }, (e, stdout, stderr) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out: stdout + stderr })),
      )
      expect(run.code, `${f.name}\n${run.out}`).toBe(0)
      if (f.name.includes('verify')) verified = /^OK {3}(\S+) \(native\)$/m.exec(run.out)?.[1]
    }
    const after = (await cli(['list', '-c', 'db-native', '--json'])).json<{ backups: { id: string }[] }>().backups
    expect(after.length).toBe(before + 1)
    expect(verified, 'verify --newest restored the backup the first job took').toBe(after[after.length - 1]!.id)
  })

  it('native: fails when a segment waits to be archived longer than alert-archive-lag', async () => {
    const m = fleet.find((f) => f.tool === 'native')!
    const [{ setting: ours }] = (await m.sb.query("select setting from pg_settings where name = 'archive_command'")) as [{ setting: string }]
    await m.sb.query("alter system set archive_command = '/bin/false'")
    await m.sb.query('select pg_reload_conf()')
    try {
      await m.sb.query("select pg_switch_wal() from (select pg_logical_emit_message(false, 'test', 'x')) as m")
      await sleep(2100)
      await writeConfig(PASSING, { 'db-native': ['alert-archive-lag = 1s'] })
      const bad = await check('native')
      expect(bad.exitCode, bad.stdout).toBe(1)
      const lag = failing(bad).filter((l) => l.includes('alert-archive-lag'))
      expect(lag).toEqual([expect.stringMatching(/^FAIL archive lag \(alert-archive-lag 1s\): \d+ segments? waiting; the oldest, [0-9A-F]{24}, for \S+$/)])
    } finally {
      await m.sb.query('alter system set archive_command = $1'.replace('$1', `'${ours.replace(/'/g, "''")}'`))
      await m.sb.query('select pg_reload_conf()')
    }
  })
})
