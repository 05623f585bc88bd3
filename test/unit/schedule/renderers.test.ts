import { describe, expect, it } from 'vitest'
import YAML from 'yaml'
import { cronFileName, renderCrontab, shellQuote } from '../../../src/schedule/cron.js'
import { planScheduledJobs, type JobSource } from '../../../src/schedule/jobs.js'
import { cronJobName, hostMounts, renderKubernetes, STARTING_DEADLINE_SECONDS, type KubernetesOptions } from '../../../src/schedule/kubernetes.js'
import { quoteArg, renderSystemd } from '../../../src/schedule/systemd.js'

const source: JobSource = {
  cluster: 'main',
  configFile: '/etc/pitrctl/pitrctl.ini',
  schedules: { full: '0 2 * * *', diff: '0 */6 * * *', verify: '0 4 * * 0' },
  expireAuto: true,
}
const PITRCTL = ['/usr/bin/node', '/opt/pitrctl/bin/run.js'] as const
const target = ['--config', '/etc/pitrctl/pitrctl.ini', '--cluster', 'main']

describe('scheduled jobs', () => {
  it('one job per schedule key: backups with --type, then expire --yes when expire-auto = on; verify --restore --newest', () => {
    const jobs = planScheduledJobs(source)
    expect(jobs.map((j) => [j.id, j.schedule, j.commands])).toEqual([
      ['backup-full', '0 2 * * *', [['backup', '--type', 'full', ...target], ['expire', '--yes', ...target]]],
      ['backup-diff', '0 */6 * * *', [['backup', '--type', 'diff', ...target], ['expire', '--yes', ...target]]],
      ['verify', '0 4 * * 0', [['verify', '--restore', '--newest', ...target]]],
    ])
    expect(planScheduledJobs({ ...source, expireAuto: false })[0]!.commands).toEqual([['backup', '--type', 'full', ...target]])
    expect(planScheduledJobs({ ...source, schedules: {} })).toEqual([])
  })
})

describe('systemd', () => {
  const files = renderSystemd(planScheduledJobs(source), { ...source, pitrctl: PITRCTL, user: 'postgres' })
  const file = (name: string) => files.find((f) => f.name === name)!.content

  it('a .service and a .timer per job', () => {
    expect(files.map((f) => f.name)).toEqual([
      'pitrctl-main-backup-full.service',
      'pitrctl-main-backup-full.timer',
      'pitrctl-main-backup-diff.service',
      'pitrctl-main-backup-diff.timer',
      'pitrctl-main-verify.service',
      'pitrctl-main-verify.timer',
    ])
  })
  it('the service: oneshot, as the run-as user, absolute pitrctl with --config and --cluster, expire only after the backup', () => {
    const s = file('pitrctl-main-backup-full.service')
    expect(s).toContain('\n[Service]\nType=oneshot\nUser=postgres\n')
    const exec = s.split('\n').filter((l) => l.startsWith('ExecStart='))
    expect(exec).toEqual([
      'ExecStart=/usr/bin/node /opt/pitrctl/bin/run.js backup --type full --config /etc/pitrctl/pitrctl.ini --cluster main',
      'ExecStart=/usr/bin/node /opt/pitrctl/bin/run.js expire --yes --config /etc/pitrctl/pitrctl.ini --cluster main',
    ])
    expect(file('pitrctl-main-verify.service')).toContain('ExecStart=/usr/bin/node /opt/pitrctl/bin/run.js verify --restore --newest --config /etc/pitrctl/pitrctl.ini --cluster main\n')
  })
  it('the timer: OnCalendar from the cron expression, Persistent=true, wanted by timers.target', () => {
    const t = file('pitrctl-main-backup-diff.timer')
    expect(t).toContain('\n[Timer]\n# schedule-diff = 0 */6 * * * (cron), in this host\'s local time\nOnCalendar=*-*-* 00/6:00:00\nPersistent=true\nUnit=pitrctl-main-backup-diff.service\n')
    expect(t).toContain('\n[Install]\nWantedBy=timers.target\n')
    expect(file('pitrctl-main-verify.timer')).toContain('OnCalendar=Sun *-*-* 04:00:00\n')
  })
  it('quotes ExecStart words: specifiers and variables doubled, spaces and quotes in C-style quotes', () => {
    expect(quoteArg('/etc/pitrctl/pitrctl.ini')).toBe('/etc/pitrctl/pitrctl.ini')
    expect(quoteArg('/srv/my configs/p.ini')).toBe('"/srv/my configs/p.ini"')
    expect(quoteArg('/srv/100%/p.ini')).toBe('/srv/100%%/p.ini')
    expect(quoteArg('/srv/$HOME/a"b\\c')).toBe('"/srv/$$HOME/a\\"b\\\\c"')
  })
  it('a schedule systemd cannot express exactly is refused', () => {
    expect(() => renderSystemd(planScheduledJobs({ ...source, schedules: { verify: '0 4 1-7 * 0' } }), { ...source, pitrctl: PITRCTL, user: 'postgres' })).toThrow(/restricts both/)
  })
})

describe('cron', () => {
  it('one /etc/cron.d file with the user field, expire chained with &&', () => {
    const [f, ...more] = renderCrontab(planScheduledJobs(source), { ...source, pitrctl: PITRCTL, user: 'postgres' })
    expect(more).toEqual([])
    expect(f!.name).toBe('pitrctl-main')
    const lines = f!.content.split('\n')
    expect(lines[1]).toMatch(/^# \/etc\/cron\.d format: every line names the user \(postgres\)/)
    const jobs = lines.filter((l) => l && !l.startsWith('#') && !l.includes('='))
    expect(jobs).toEqual([
      '0 2 * * * postgres /usr/bin/node /opt/pitrctl/bin/run.js backup --type full --config /etc/pitrctl/pitrctl.ini --cluster main && /usr/bin/node /opt/pitrctl/bin/run.js expire --yes --config /etc/pitrctl/pitrctl.ini --cluster main',
      '0 */6 * * * postgres /usr/bin/node /opt/pitrctl/bin/run.js backup --type diff --config /etc/pitrctl/pitrctl.ini --cluster main && /usr/bin/node /opt/pitrctl/bin/run.js expire --yes --config /etc/pitrctl/pitrctl.ini --cluster main',
      '0 4 * * 0 postgres /usr/bin/node /opt/pitrctl/bin/run.js verify --restore --newest --config /etc/pitrctl/pitrctl.ini --cluster main',
    ])
    expect(f!.content.endsWith('\n')).toBe(true)
  })
  it('the day-field OR is cron\'s own: passed through as written', () => {
    const [f] = renderCrontab(planScheduledJobs({ ...source, schedules: { verify: '0 4 1-7 * 0' } }), { ...source, pitrctl: PITRCTL, user: 'postgres' })
    expect(f!.content).toContain('\n0 4 1-7 * 0 postgres ')
  })
  it('quotes for sh, escapes % (a newline to cron), names the file without dots (run-parts skips them)', () => {
    expect(shellQuote("/srv/it's here")).toBe("'/srv/it'\\''s here'")
    const [f] = renderCrontab(planScheduledJobs({ ...source, configFile: '/srv/100%/p.ini', expireAuto: false }), { ...source, configFile: '/srv/100%/p.ini', pitrctl: PITRCTL, user: 'postgres' })
    expect(f!.content).toContain('--config /srv/100\\%/p.ini')
    expect(cronFileName('db1.prod')).toBe('pitrctl-db1_prod')
  })
})

describe('kubernetes', () => {
  const opts: KubernetesOptions = {
    ...source,
    image: 'registry.example/pitrctl:0.1.0',
    namespace: 'databases',
    node: 'db1',
    runAs: { user: 'postgres', uid: 101, gid: 104 },
    timeZone: 'Asia/Tokyo',
    paths: {
      configFile: '/etc/pitrctl/pitrctl.ini',
      home: '/var/lib/postgresql',
      pgdata: '/var/lib/postgresql/15/main',
      repo: '/var/backups/pitrctl/main',
      socketDir: '/var/run/postgresql',
      files: [],
      dirs: [],
    },
  }
  const files = renderKubernetes(planScheduledJobs(source), opts)
  const docs = files.map((f) => YAML.parse(f.content))

  it('batch/v1 CronJobs, one per job, that parse back', () => {
    expect(files.map((f) => f.name)).toEqual(['pitrctl-main-backup-full.yaml', 'pitrctl-main-backup-diff.yaml', 'pitrctl-main-verify.yaml'])
    for (const d of docs) {
      expect(d.apiVersion).toBe('batch/v1')
      expect(d.kind).toBe('CronJob')
      expect(d.metadata.namespace).toBe('databases')
      expect(d.spec.concurrencyPolicy).toBe('Forbid')
      expect(d.spec.startingDeadlineSeconds).toBe(STARTING_DEADLINE_SECONDS)
      expect(d.spec.timeZone).toBe('Asia/Tokyo')
      expect(d.spec.jobTemplate.spec.backoffLimit).toBe(0)
      const pod = d.spec.jobTemplate.spec.template.spec
      expect(['OnFailure', 'Never']).toContain(pod.restartPolicy)
      expect(pod.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'db1' })
      expect(pod.securityContext).toMatchObject({ runAsUser: 101, runAsGroup: 104, runAsNonRoot: true })
    }
    expect(docs.map((d) => d.spec.schedule)).toEqual(['0 2 * * *', '0 */6 * * *', '0 4 * * 0'])
  })
  it('a backup then expire: the backup is an init container, so expire runs only after it succeeded', () => {
    const pod = docs[0].spec.jobTemplate.spec.template.spec
    expect(pod.initContainers.map((c: { command: string[] }) => c.command)).toEqual([['pitrctl', 'backup', '--type', 'full', ...target]])
    expect(pod.containers.map((c: { command: string[] }) => c.command)).toEqual([['pitrctl', 'expire', '--yes', ...target]])
    const verify = docs[2].spec.jobTemplate.spec.template.spec
    expect(verify.initContainers).toBeUndefined()
    expect(verify.containers).toHaveLength(1)
    expect(verify.containers[0]).toMatchObject({ name: 'verify', image: 'registry.example/pitrctl:0.1.0', command: ['pitrctl', 'verify', '--restore', '--newest', ...target] })
  })
  it('the host paths are mounted at the same paths; nested ones once', () => {
    const pod = docs[0].spec.jobTemplate.spec.template.spec
    const host = pod.volumes.filter((v: { hostPath?: unknown }) => v.hostPath).map((v: { hostPath: { path: string; type: string } }) => [v.hostPath.path, v.hostPath.type])
    expect(host).toEqual([
      ['/etc/pitrctl/pitrctl.ini', 'File'],
      ['/var/lib/postgresql', 'Directory'], // holds pgdata: not mounted twice
      ['/var/backups/pitrctl/main', 'Directory'],
      ['/var/run/postgresql', 'Directory'],
    ])
    for (const c of [...pod.initContainers, ...pod.containers]) {
      const mounts = Object.fromEntries(c.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]))
      for (const v of pod.volumes) expect(mounts[v.name]).toBeDefined()
      expect(c.env).toEqual(expect.arrayContaining([{ name: 'HOME', value: '/var/lib/postgresql' }]))
    }
    expect(hostMounts({ ...opts.paths, home: '/home/pg', repo: undefined, socketDir: undefined, files: ['/etc/pgbackrest/pgbackrest.conf'], dirs: [] }).map((m) => m.path)).toEqual([
      '/etc/pitrctl/pitrctl.ini',
      '/home/pg',
      '/var/lib/postgresql/15/main',
      '/etc/pgbackrest/pgbackrest.conf',
    ])
  })
  it('names are DNS-1123 and at most 52 characters', () => {
    expect(cronJobName('main', 'verify')).toBe('pitrctl-main-verify')
    const odd = cronJobName('Main_DB', 'backup-full')
    expect(odd).toMatch(/^pitrctl-main-db-backup-full-[0-9a-f]{6}$/)
    expect(odd).not.toBe(cronJobName('main-db', 'backup-full'))
    const long = cronJobName('a'.repeat(63), 'backup-full')
    expect(long.length).toBeLessThanOrEqual(52)
    expect(long).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/)
  })
})
