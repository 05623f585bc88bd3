/**
 * `pitrctl schedule` for real: the systemd units it writes pass `systemd-analyze verify`, and each
 * OnCalendar fires at exactly the times cron-parser computes for the cron expression
 * (`systemd-analyze calendar`, in UTC and in a zone with an offset); the cron.d file and the
 * Kubernetes manifests parse back. No cluster needed: schedule reads only pitrctl.ini.
 */
import { execFile } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import YAML from 'yaml'
import { nextCronRuns, toOnCalendar } from '../../src/model/cron.js'
import { runCli } from '../support/cli.js'

const exec = promisify(execFile)
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze'
const hasSystemdAnalyze = await fs.access(SYSTEMD_ANALYZE).then(() => true, () => false)

const ini = (extra: string, diff = '0 */6 * * *') => `[global]
run-as = postgres
schedule-verify = 0 4 * * 0

[main]
tool = pgbackrest
pgdata = /var/lib/postgresql/15/main
repo = /var/backups/pitrctl/main
schedule-full = 0 2 * * *
schedule-diff = ${diff}
${extra}`

/** the instants `systemd-analyze calendar` lists, read from its "(in UTC)" lines or, in UTC, its elapse lines */
async function systemdRuns(onCalendar: string, base: Date, count: number, tz: string): Promise<string[]> {
  const { stdout } = await exec(SYSTEMD_ANALYZE, ['calendar', `--iterations=${count}`, `--base-time=${base.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`, onCalendar], {
    env: { ...process.env, TZ: tz },
  })
  const normalized = /Normalized form: (.*)/.exec(stdout)?.[1]
  expect(normalized, `systemd normalizes ${onCalendar} the same way`).toBe(onCalendar)
  const out: string[] = []
  for (const line of stdout.split('\n')) {
    const elapse = /(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (\S+)/.exec(line)
    if (elapse) out.push(elapse[2] === 'UTC' ? `${elapse[1]}Z` : `?${elapse[1]}`)
    const utc = /\(in UTC\): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/.exec(line)
    if (utc) out[out.length - 1] = `${utc[1]}Z`
  }
  return out.map((s) => new Date(s.replace(' ', 'T')).toISOString())
}

describe.skipIf(!hasSystemdAnalyze)(`pitrctl schedule${hasSystemdAnalyze ? '' : ` (skipped: ${SYSTEMD_ANALYZE} is missing)`}`, () => {
  let dir: string
  let config: string
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pitrctl-it-schedule-'))
    config = path.join(dir, 'pitrctl.ini')
    await fs.writeFile(config, ini('expire-auto = on\nretention-full = 2\n'), { mode: 0o600 })
  })
  afterAll(async () => {
    // the test's own temporary directory
    if (dir) await fs.rm(dir, { recursive: true, force: true })
  })

  it('systemd: the units written into --out pass systemd-analyze verify', async () => {
    const out = path.join(dir, 'units')
    const r = await runCli(['schedule', '--format', 'systemd', '--out', out, '--config', config])
    expect(r.exitCode, r.stderr).toBe(0)
    const names = (await fs.readdir(out)).sort()
    expect(names).toEqual([
      'pitrctl-main-backup-diff.service',
      'pitrctl-main-backup-diff.timer',
      'pitrctl-main-backup-full.service',
      'pitrctl-main-backup-full.timer',
      'pitrctl-main-verify.service',
      'pitrctl-main-verify.timer',
    ])
    for (const n of names) expect(((await fs.stat(path.join(out, n))).mode & 0o777).toString(8)).toBe('644')
    expect(r.stdout).toContain('next: systemctl daemon-reload && systemctl enable --now pitrctl-main-backup-full.timer pitrctl-main-backup-diff.timer pitrctl-main-verify.timer')
    // verify checks the syntax, that ExecStart's program exists and is executable, and the timer's unit
    const v = await exec(SYSTEMD_ANALYZE, ['verify', '--man=no', ...names.map((n) => path.join(out, n))], { cwd: out }).catch((e: { code: number; stderr: string }) => e)
    expect('code' in v ? v.code : 0, v.stderr).toBe(0)
    expect(v.stderr.split('\n').filter((l) => l.includes(out)), 'no warnings about the units').toEqual([])

    const service = await fs.readFile(path.join(out, 'pitrctl-main-backup-full.service'), 'utf8')
    const exec0 = service.split('\n').filter((l) => l.startsWith('ExecStart='))
    expect(exec0).toHaveLength(2)
    expect(exec0[0]).toBe(`ExecStart=${process.execPath} ${path.resolve('bin/run.js')} backup --type full --config ${config} --cluster main`)
    expect(exec0[1]).toMatch(/ expire --yes --config .* --cluster main$/)
    expect(service).toContain('\nUser=postgres\n')

    // a unit systemd-analyze rejects proves the check can fail
    await fs.writeFile(path.join(out, 'broken.timer'), '[Timer]\nOnCalendar=*-*-* 25:00:00\nUnit=pitrctl-main-verify.service\n')
    const bad = await exec(SYSTEMD_ANALYZE, ['verify', '--man=no', path.join(out, 'broken.timer'), path.join(out, 'pitrctl-main-verify.service')]).catch((e: { code: number; stderr: string }) => e)
    expect('code' in bad ? bad.code : 0).not.toBe(0)
  })

  it.each([
    ['UTC', '0 2 * * *'],
    ['UTC', '0 */6 * * *'],
    ['UTC', '0 4 * * 0'],
    ['UTC', '*/15 * * * *'],
    ['UTC', '5-40/5 1,2,3 * * mon-fri'],
    ['UTC', '30 1 1,15 * *'],
    ['UTC', '0 0 1 */3 *'],
    ['UTC', '0 1-23/2 * * 6,7'],
    ['UTC', '0 0 29 2 *'],
    ['Asia/Tokyo', '0 2 * * *'],
    ['Asia/Tokyo', '45 23 * * 1-5'],
  ])('%s: the OnCalendar for %j fires when cron-parser says cron would', async (tz, cron) => {
    const base = new Date('2026-03-01T00:00:00Z')
    const expected = nextCronRuns(cron, base, 6, tz).map((d) => d.toISOString())
    expect(await systemdRuns(toOnCalendar(cron), base, 6, tz)).toEqual(expected)
  })

  it('systemd: a schedule it cannot express exactly is exit 2, one line naming the key', async () => {
    const bad = path.join(dir, 'or.ini')
    await fs.writeFile(bad, ini('schedule-incr = 0 3 1-7 * 1\n'), { mode: 0o600 })
    const r = await runCli(['schedule', '--config', bad])
    expect(r.exitCode).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^pitrctl: schedule-incr = 0 3 1-7 \* 1 restricts both day-of-month and day-of-week/)
    expect((await runCli(['schedule', '--format', 'cron', '--config', bad])).exitCode).toBe(0)
  })

  it('no schedule-* key: exit 2 saying which keys to set', async () => {
    const none = path.join(dir, 'none.ini')
    await fs.writeFile(none, '[main]\ntool = native\npgdata = /var/lib/postgresql/15/main\nrepo = /var/backups/x\n', { mode: 0o600 })
    const r = await runCli(['schedule', '--config', none, '--json'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/cluster main has no schedule — set schedule-full, schedule-diff, schedule-incr or schedule-verify/)
    expect(r.json().error.code).toBe(2)
  })

  it('cron: one /etc/cron.d file with the user field', async () => {
    const r = await runCli(['schedule', '--format', 'cron', '--json', '--config', config])
    expect(r.exitCode, r.stderr).toBe(0)
    const j = r.json()
    expect(j).toMatchObject({ cluster: 'main', format: 'cron' })
    expect(j.files.map((f: { name: string }) => f.name)).toEqual(['pitrctl-main'])
    const jobs = (j.files[0].content as string).split('\n').filter((l) => /^[0-9*]/.test(l))
    expect(jobs.map((l) => l.split(' ').slice(0, 6).join(' '))).toEqual(['0 2 * * * postgres', '0 */6 * * * postgres', '0 4 * * 0 postgres'])
    expect(jobs[0]).toContain(' backup --type full --config ')
    expect(jobs[0]).toMatch(/ && .* expire --yes /)
    expect(jobs[2]).toContain(' verify --restore --newest ')
  })

  it('kubernetes: batch/v1 CronJobs that parse back, printed as one YAML stream', async () => {
    const r = await runCli(['schedule', '--format', 'kubernetes', '--image', 'example/pitrctl:1', '--node', 'db1', '--config', config])
    expect(r.exitCode, r.stderr).toBe(0)
    const docs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS())
    expect(docs.map((d) => d.metadata.name)).toEqual(['pitrctl-main-backup-full', 'pitrctl-main-backup-diff', 'pitrctl-main-verify'])
    for (const d of docs) {
      expect(d).toMatchObject({ apiVersion: 'batch/v1', kind: 'CronJob', spec: { concurrencyPolicy: 'Forbid' } })
      expect(typeof d.spec.startingDeadlineSeconds).toBe('number')
      const pod = d.spec.jobTemplate.spec.template.spec
      expect(pod.restartPolicy).toBe('Never')
      expect(pod.nodeSelector['kubernetes.io/hostname']).toBe('db1')
      expect(pod.volumes.find((v: { hostPath?: { path: string } }) => v.hostPath?.path === config)).toBeDefined()
    }
    expect(docs.map((d) => d.spec.schedule)).toEqual(['0 2 * * *', '0 */6 * * *', '0 4 * * 0'])
  })

  it('--out names the files of a schedule that is gone and leaves them alone', async () => {
    const out = path.join(dir, 'units2')
    expect((await runCli(['schedule', '--out', out, '--config', config])).exitCode).toBe(0)
    const fewer = path.join(dir, 'fewer.ini')
    await fs.writeFile(fewer, ini('', ''), { mode: 0o600 })
    const r = await runCli(['schedule', '--out', out, '--config', fewer])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stderr).toContain(`left alone: ${path.join(out, 'pitrctl-main-backup-diff.service')} is no longer scheduled`)
    expect(r.stderr).toContain(`left alone: ${path.join(out, 'pitrctl-main-backup-diff.timer')}`)
    expect(await fs.readFile(path.join(out, 'pitrctl-main-backup-full.service'), 'utf8')).not.toContain('expire')
  })
})
