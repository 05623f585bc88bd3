/**
 * Recovery on clusters as they are in the field, with every installed tool: transaction ids
 * past 2^32 (an epoch bumped with pg_resetwal), a time target just after a backup's end that a
 * tool recorded in whole seconds, and tools found on PATH the way the contract says.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execStep } from '../../src/model/plan.js'
import { findBinDir } from '../../src/sandbox/pg-sandbox.js'
import { runCli } from '../support/cli.js'
import { setUpCluster, skipReason, sleep, type TestCluster } from '../support/cluster.js'

const E = 2n ** 32n
const EPOCH = 5n
const TOOLS = ['native', 'pgbackrest', 'barman', 'walg', 'pg_rman'] as const

/** stop cleanly, pg_resetwal --epoch (as the cluster's user), start: txid_current() then carries the epoch */
async function bumpEpoch(c: TestCluster, epoch: bigint): Promise<void> {
  await c.sb.stop('fast')
  const r = await c.sb.runner.run(execStep('resetwal', 'pg_resetwal --epoch', [path.join(await findBinDir(), 'pg_resetwal'), `--epoch=${epoch}`, c.sb.pgdata]))
  expect(r.ok, r.stderr).toBe(true)
  await c.sb.start()
}

for (const tool of TOOLS) {
  const skip = skipReason(tool)
  describe.skipIf(skip !== undefined)(`${tool}: xid targets on a cluster past its first 2^32 transactions${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let c: TestCluster
    let full = 0n
    beforeAll(async () => {
      c = await setUpCluster(tool)
      await bumpEpoch(c, EPOCH)
      await c.mark('m1')
      await c.ok(['backup'])
      await c.mark('m2')
      const [x] = await c.sql("with i as (insert into marks(label) values ('m3') returning 1) select txid_current()::text as xid from i")
      full = BigInt(String(x!.xid))
      await c.mark('m4')
    })
    afterAll(async () => c?.destroy())

    it('restores to the xid txid_current() printed, with its epoch, and exactly the rows up to it', async () => {
      expect(full / E).toBe(EPOCH)
      const into = path.join(c.sb.root, 'copy-xid')
      const r = await c.ok(['restore', '--to', `xid:${full}`, '--into', into, '--start'])
      expect(r.target).toBe(`xid:${full}`)
      expect(r.state).toBe('paused')
      expect(await c.marks(r.port)).toEqual(['m1', 'm2', 'm3'])
      await c.sb.stop('immediate', into)
    })

    it('refuses the same 32-bit xid of another epoch (exit 4), before touching anything', async () => {
      for (const epoch of [EPOCH - 1n, EPOCH + 1n]) {
        const wrong = epoch * E + (full % E)
        const into = path.join(c.sb.root, `never-${epoch}`)
        const r = await c.cli(['restore', '--to', `xid:${wrong}`, '--into', into, '--json'])
        expect(r.exitCode, r.stderr).toBe(4)
        expect(r.stderr.split('\n')[0]).toContain(`transaction ${wrong} (epoch ${epoch}, xid ${full % E}) has no commit in the archived WAL`)
        expect(r.stderr).toContain(`is ${full} (epoch ${EPOCH}`)
        expect(r.json().error.code).toBe(4)
        expect(existsSync(into)).toBe(false)
      }
    })

    it.runIf(tool === 'native')('the 32-bit form is any epoch, as PostgreSQL reads it', async () => {
      const into = path.join(c.sb.root, 'copy-xid32')
      const r = await c.ok(['restore', '--to', `xid:${full % E}`, '--into', into, '--start'])
      expect(r.target).toBe(`xid:${full % E}`)
      expect(await c.marks(r.port)).toEqual(['m1', 'm2', 'm3'])
      await c.sb.stop('immediate', into)
    })
  })
}

/** tools whose catalog records a backup's end in whole seconds (pg_rman RECOVERY_TIME, pgBackRest timestamp.stop, the backup history file) */
const WHOLE_SECONDS = ['pg_rman', 'pgbackrest', 'native']

for (const tool of TOOLS) {
  const skip = skipReason(tool)
  describe.skipIf(skip !== undefined)(`${tool}: a time target just after a backup's recorded end${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let c: TestCluster
    let stop = ''
    beforeAll(async () => {
      c = await setUpCluster(tool)
      await c.mark('m1')
      await sleep(1100) // the last commit before the backup is a second before its end
      stop = (await c.ok(['backup'])).stop
      await sleep(1600) // the next commit is well after the target
      await c.mark('m2')
    })
    afterAll(async () => c?.destroy())

    it('the window starts where the WAL says the backup is consistent, and a target 0.5 s after the printed end is restored', async () => {
      if (WHOLE_SECONDS.includes(tool)) expect(stop).toMatch(/\.000Z$/)
      const list = await c.ok(['list'])
      const w = list.window.find((x: { tool: string }) => x.tool === tool)
      // m1's commit, not the end rounded up to its second
      expect(Date.parse(w.from)).toBeLessThan(Date.parse(stop))
      const into = path.join(c.sb.root, 'copy-after-end')
      const r = await c.ok(['restore', '--to', new Date(Date.parse(stop) + 500).toISOString(), '--into', into, '--start'])
      expect(r.state).toBe('paused')
      expect(await c.marks(r.port)).toEqual(['m1'])
      await c.sb.stop('immediate', into)
    })

    it('a target at the printed window start is taken; one a millisecond before it is refused, naming that same start', async () => {
      // m2 must be archived for a time target to have a commit to stop before (Barman moves WAL in on its own schedule)
      await c.sql('select pg_switch_wal()')
      let w: { from: string; to: string; fromBackup: string } | undefined
      for (let i = 0; i < 60 && !(w && w.to > w.from); i++) {
        if (i > 0) await sleep(500)
        w = (await c.ok(['list'])).window.find((x: { tool: string }) => x.tool === tool)
      }
      if (!w) throw new Error('no window')
      const at = await c.cli(['restore', '--to', w.from, '--into', path.join(c.sb.root, 'copy-at-start'), '--dry-run'])
      expect(at.exitCode, at.stderr).toBe(0)
      const into = path.join(c.sb.root, 'never-before-start')
      const before = await c.cli(['restore', '--to', new Date(Date.parse(w.from) - 1).toISOString(), '--into', into])
      expect(before.exitCode, before.stderr).toBe(4)
      expect(before.stderr.split('\n').find((l) => l.startsWith('pitrctl: '))).toContain(`it is before the start of the recoverable window: the earliest backup, ${w.fromBackup}, reaches ${w.from} at the earliest`)
      expect(before.stderr).toContain(`${tool} timeline 1: ${w.from} …`)
      expect(existsSync(into)).toBe(false)
    })
  })
}

/** a bin-dir of links to the PostgreSQL programs, without `leaveOut` (nor pg_rman, which someone may have put there) */
async function pgBinDirWithout(c: TestCluster, name: string, leaveOut: readonly string[]): Promise<string> {
  const real = await findBinDir()
  const dir = await c.sb.mkdir(name)
  for (const f of readdirSync(real)) if (!leaveOut.includes(f) && f !== 'pg_rman') symlinkSync(path.join(real, f), path.join(dir, f))
  return dir
}

describe.skipIf(skipReason('pgbackrest') !== undefined)('programs found as the contract says: bin-dir, else pg_config / PATH', () => {
  let c: TestCluster
  let onlyHere = ''
  beforeAll(async () => {
    c = await setUpCluster('pgbackrest')
    // a pgbackrest that exists only in a directory on PATH (ahead of /usr/bin, where the package put it)
    onlyHere = await c.sb.mkdir('tools')
    symlinkSync(execFileSync('sh', ['-c', 'command -v pgbackrest'], { encoding: 'utf8' }).trim(), path.join(onlyHere, 'pgbackrest'))
  })
  afterAll(async () => c?.destroy())
  const withPath = (args: string[]) => runCli([...args, '--config', c.config], { env: { PATH: `${onlyHere}:${process.env.PATH}` } })
  /** the cluster's pitrctl.ini with another tool and a bin-dir */
  const iniFor = (tool: string, binDir: string) =>
    c.sb.writeFile(`${tool}-${path.basename(binDir)}.ini`, readFileSync(c.config, 'utf8').replace('tool = pgbackrest', `tool = ${tool}\nbin-dir = ${binDir}`), 0o600)
  const pitrctlLine = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('pitrctl: '))

  it('check prints the path and version of every program it uses', async () => {
    const r = await withPath(['check', '--json'])
    expect(r.exitCode, r.stdout).toBe(0)
    const checks: { name: string; ok: boolean; detail: string }[] = r.json().checks
    expect(checks.find((k) => k.name === 'pgbackrest installed')?.detail).toBe(`pgBackRest 2.45 (${path.join(onlyHere, 'pgbackrest')})`)
    const pgCtl = checks.find((k) => k.name === 'program pg_ctl')!
    expect(pgCtl.detail).toMatch(/^\/\S+\/pg_ctl \((pg_config --bindir|packaged directory|PATH)\): pg_ctl \(PostgreSQL\) 15\./)
    expect(checks.find((k) => k.name === 'program pg_waldump')?.detail).toMatch(/pg_waldump \(PostgreSQL\) 15\./)
  })

  it('backs up and restores through the program it found', async () => {
    const plan = await withPath(['backup', '--dry-run'])
    expect(plan.exitCode, plan.stderr).toBe(0)
    expect(plan.stdout).toContain(`${path.join(onlyHere, 'pgbackrest')} --config=`)
    await c.mark('m1')
    const b = await withPath(['backup', '--json'])
    expect(b.exitCode, b.stderr).toBe(0)
    const into = path.join(c.sb.root, 'copy')
    const r = await withPath(['restore', '--to', 'immediate', '--into', into, '--start', '--json'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(await c.marks(r.json().port)).toEqual(['m1'])
    await c.sb.stop('immediate', into)
  })

  it('bin-dir gives the PostgreSQL programs; pg_rman, not there, is found on PATH', async () => {
    const bin = await pgBinDirWithout(c, 'pgbin', [])
    const rmanDir = await c.sb.mkdir('rman')
    symlinkSync(execFileSync('sh', ['-c', 'command -v pg_rman'], { encoding: 'utf8' }).trim(), path.join(rmanDir, 'pg_rman'))
    const r = await runCli(['check', '--json', '--config', await iniFor('pg_rman', bin)], { env: { PATH: `/nonexistent:${rmanDir}:/usr/bin:/bin` } })
    const checks: { name: string; detail: string }[] = r.json().checks
    expect(checks.find((k) => k.name === 'pg_rman installed')?.detail).toBe(`pg_rman 1.3.19 (${path.join(rmanDir, 'pg_rman')})`)
    expect(checks.find((k) => k.name === 'program pg_ctl')?.detail).toMatch(new RegExp(`^${path.join(bin, 'pg_ctl')} \\(bin-dir\\): pg_ctl \\(PostgreSQL\\) 15`))
  }, 60_000)

  it('a tool that is not installed: exit 6, naming the program and where pitrctl looked', async () => {
    const bin = await pgBinDirWithout(c, 'pgbin2', [])
    const config = await iniFor('walg', bin)
    const env = { PATH: `/nonexistent:${onlyHere}` }
    const check = await runCli(['check', '--json', '--config', config], { env })
    expect(check.exitCode).toBe(6)
    expect(check.json().checks.find((k: { name: string }) => k.name === 'walg installed')?.detail).toBe(`wal-g was not found: looked in bin-dir ${bin}; PATH /nonexistent, ${onlyHere}`)
    const backup = await runCli(['backup', '--config', config], { env })
    expect(backup.exitCode).toBe(6)
    expect(pitrctlLine(backup.stderr)).toBe(`pitrctl: wal-g was not found: looked in bin-dir ${bin}; PATH /nonexistent, ${onlyHere} — install wal-g, or put it in bin-dir or on PATH`)
  })

  it('a PostgreSQL program missing from bin-dir: exit 6 naming it, never one of another directory', async () => {
    const bin = await pgBinDirWithout(c, 'pgbin3', ['pg_verifybackup'])
    const config = await iniFor('native', bin)
    const check = await runCli(['check', '--json', '--config', config])
    expect(check.exitCode).toBe(6)
    expect(check.json().checks.find((k: { name: string }) => k.name === 'program pg_verifybackup')?.detail).toBe(`pg_verifybackup was not found in the PostgreSQL bin directory ${bin} (from bin-dir)`)
  })

  it('the drill names the program it could not find and where it looked', async () => {
    const pgBin = await findBinDir()
    if (existsSync(path.join(pgBin, 'wal-g'))) return // someone installed it beside PostgreSQL: nothing is missing
    const drill = await runCli(['drill', '--tools', 'walg', '--rows', '10', '--json'], { env: { PATH: '/nonexistent' } })
    expect(drill.exitCode).toBe(6)
    expect(drill.json().results[0]).toMatchObject({ tool: 'walg', status: 'skipped', reason: `not installed: wal-g was not found: looked in PostgreSQL bin directory ${pgBin}; PATH /nonexistent` })
  })
})
