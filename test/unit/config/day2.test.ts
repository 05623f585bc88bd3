import { describe, expect, it } from 'vitest'
import { thrownAs } from '../../support/recorded.js'
import { parseConfigText, selectCluster } from '../../../src/config/load.js'
import { ConfigError } from '../../../src/errors.js'
import { formatDuration, parseDuration } from '../../../src/model/duration.js'

const FILE = '/etc/pitrctl/pitrctl.ini'
const cluster = (name: string, extra = '') => `[${name}]\ntool = pgbackrest\npgdata = /var/lib/postgresql/15/${name}\nrepo = /var/backups/pitrctl/${name}\n${extra}`

const configError = (text: string, mode = 0o600): ConfigError => thrownAs(ConfigError, 2, () => parseConfigText(FILE, text, mode))

describe('alert-*, schedule-*, expire-auto keys', () => {
  it('reads the contract example in a cluster section', () => {
    const text = cluster(
      'main',
      `alert-backup-age = 48h                 ; check fails when the newest good backup is older
alert-archive-lag = 1h
alert-backup-failures = 2
alert-repo-usage = 80%
schedule-full = 0 2 * * *              ; cron syntax (5 fields) for \`pitrctl schedule\`
schedule-diff = 0 */6 * * *
schedule-incr =
schedule-verify = 0 4 * * 0            ; verify --restore of the newest backup (the weekly drill)
expire-auto = on
retention-full = 2
`,
    )
    const c = selectCluster(parseConfigText(FILE, text, 0o600), 'main')
    expect(c.alerts).toEqual({ backupAgeMs: 48 * 3600_000, archiveLagMs: 3600_000, backupFailures: 2, repoUsagePercent: 80 })
    expect(c.schedules).toEqual({ full: '0 2 * * *', diff: '0 */6 * * *', verify: '0 4 * * 0' })
    expect(c.expireAuto).toBe(true)
  })

  it('[global] gives every cluster its defaults; a cluster overrides them, and an empty value turns one off', () => {
    const text = `[global]
alert-backup-age = 2d
alert-repo-usage = 90%
schedule-full = 0 1 * * *
schedule-verify = 0 4 * * 0
expire-auto = on
retention-full = 2

${cluster('a')}
${cluster('b', 'alert-backup-age = 12h\nschedule-full = 30 3 * * *\nschedule-verify =\nalert-repo-usage =\nexpire-auto = off\n')}`
    const cfg = parseConfigText(FILE, text, 0o600)
    const a = selectCluster(cfg, 'a')
    const b = selectCluster(cfg, 'b')
    expect(a.alerts).toEqual({ backupAgeMs: 2 * 86_400_000, archiveLagMs: undefined, backupFailures: undefined, repoUsagePercent: 90 })
    expect(a.schedules).toEqual({ full: '0 1 * * *', verify: '0 4 * * 0' })
    expect(a.expireAuto).toBe(true)
    expect(b.alerts).toEqual({ backupAgeMs: 12 * 3600_000, archiveLagMs: undefined, backupFailures: undefined, repoUsagePercent: undefined })
    expect(b.schedules).toEqual({ full: '30 3 * * *' })
    expect(b.expireAuto).toBe(false)
  })

  it('none set: no thresholds, no schedules, expire-auto off', () => {
    const c = selectCluster(parseConfigText(FILE, cluster('main'), 0o600), 'main')
    expect(c.alerts).toEqual({ backupAgeMs: undefined, archiveLagMs: undefined, backupFailures: undefined, repoUsagePercent: undefined })
    expect(c.schedules).toEqual({})
    expect(c.expireAuto).toBe(false)
  })

  it.each([
    ['main', 'alert-backup-age = 48', /\[main\] alert-backup-age: "48" is not a duration/],
    ['main', 'alert-backup-age = 2 days', /\[main\] alert-backup-age: "2 days" is not a duration/],
    ['main', 'alert-archive-lag = 0s', /\[main\] alert-archive-lag: must be longer than 0/],
    ['main', 'alert-archive-lag = 1.5h', /alert-archive-lag: "1.5h" is not a duration/],
    ['main', 'alert-backup-failures = 0', /\[main\] alert-backup-failures: "0" is not a positive whole number/],
    ['main', 'alert-backup-failures = two', /alert-backup-failures: "two"/],
    ['main', 'alert-repo-usage = 80', /\[main\] alert-repo-usage: "80" is not a percentage/],
    ['main', 'alert-repo-usage = 120%', /alert-repo-usage: "120%" is not a percentage/],
    ['main', 'schedule-full = 0 2 * *', /\[main\] schedule-full: "0 2 \* \*" has 4 fields/],
    ['main', 'schedule-diff = 0 */6 * * * *', /\[main\] schedule-diff: .* has 6 fields/],
    ['main', 'schedule-verify = @weekly', /\[main\] schedule-verify: .*@ shorthand/],
    ['main', 'schedule-incr = 0 25 * * *', /\[main\] schedule-incr: .*got value 25/],
    ['main', 'expire-auto = yes', /\[main\] expire-auto: "yes" is neither on nor off/],
    ['global', 'schedule-full = 0 2 31 2 *', /\[global\] schedule-full: .*Invalid explicit day of month/],
    ['global', 'alert-backup-age = forever', /\[global\] alert-backup-age: "forever" is not a duration/],
  ])('refuses a bad value in [%s]: %s', (section, line, why) => {
    const text = section === 'global' ? `[global]\n${line}\n\n${cluster('main')}` : cluster('main', `${line}\n`)
    const e = configError(text)
    expect(e.message).toMatch(why)
    expect(e.message.startsWith(FILE)).toBe(true)
  })

  it('other keys are still refused in [global] and cluster sections', () => {
    expect(configError(`[global]\nalert-backup-ages = 1h\n\n${cluster('main')}`).message).toMatch(/\[global\] alert-backup-ages: is not a known key/)
    expect(configError(cluster('main', 'schedule-weekly = 0 0 * * 0\n')).message).toMatch(/\[main\] schedule-weekly: is not a known key/)
  })
})

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['48h', 172_800_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    [' 1 h ', 3_600_000],
  ])('%j = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })
  it.each(['', 'h', '1', '1.5h', '-1h', '1y', '1hour', '1h30m'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined()
  })
  it.each([
    [0, '0s'],
    [999, '0s'],
    [59_000, '59s'],
    [3_600_000, '1h'],
    [3_600_000 + 12 * 60_000 + 5_000, '1h12m'],
    [2 * 86_400_000 + 30_000, '2d30s'],
    [172_800_000, '2d'],
    [-90_000, '-1m30s'],
  ])('%d ms prints as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})
