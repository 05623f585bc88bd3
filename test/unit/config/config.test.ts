import { describe, expect, it } from 'vitest'
import { thrownAs } from '../../support/recorded.js'
import { configCandidates, parseConfigText, selectCluster } from '../../../src/config/load.js'
import { ConfigError, UsageError } from '../../../src/errors.js'
import { redactor } from '../../../src/util/redact.js'

const FILE = '/etc/pitrctl/pitrctl.ini'
const base = `[global]
run-as = postgres        ; OS user
timezone = Asia/Tokyo    ; zone

[main]
tool = pgbackrest
pgdata = /var/lib/postgresql/15/main
host = /var/run/postgresql
port = 5432
repo = /var/backups/pitrctl/main
pgbackrest.process-max = 4
`

const configError = (text: string, mode = 0o600): ConfigError => thrownAs(ConfigError, 2, () => parseConfigText(FILE, text, mode))

describe('pitrctl.ini', () => {
  it('reads the contract example, inline comments cut', () => {
    const c = parseConfigText(FILE, base, 0o644)
    expect(c.global).toEqual({ runAs: 'postgres', timezone: 'Asia/Tokyo' })
    const m = selectCluster(c, undefined)
    expect(m).toMatchObject({ name: 'main', tools: ['pgbackrest'], port: 5432, user: 'postgres', database: 'postgres', repo: '/var/backups/pitrctl/main' })
    expect(m.toolOptions.pgbackrest).toEqual({ 'process-max': '4' })
  })
  it('a comma list of tools while migrating, the first is primary', () => {
    expect(selectCluster(parseConfigText(FILE, base.replace('tool = pgbackrest', 'tool = walg, pgbackrest'), 0o600), 'main').tools).toEqual(['walg', 'pgbackrest'])
  })
  it.each([
    ['an unknown key', base.replace('port = 5432', 'prot = 5432'), /\[main\] prot: is not a known key/],
    ['an unknown tool', base.replace('tool = pgbackrest', 'tool = bacula'), /\[main\] tool: "bacula" is not a tool/],
    ['an unknown tool prefix', `${base}bacula.x = 1\n`, /bacula.x: "bacula" is not a tool/],
    ['a relative path', base.replace('pgdata = /var', 'pgdata = var'), /\[main\] pgdata: must be an absolute path/],
    ['a tilde path', base.replace('repo = /var/backups/pitrctl/main', 'repo = ~/backups'), /repo: must be an absolute path/],
    ['a missing pgdata', base.replace(/pgdata = .*\n/, ''), /\[main\] pgdata: is required/],
    ['no repo for a managed tool', base.replace(/repo = .*\n/, ''), /\[main\] repo: is required for pgbackrest/],
    ['half an adopted setup', base.replace(/repo = .*\n/, 'pgbackrest.config = /etc/pgbackrest.conf\n'), /pgbackrest.stanza: is required/],
    ['a bad port', base.replace('port = 5432', 'port = 99999'), /\[main\] port:/],
    ['a bad zone', base.replace('Asia/Tokyo', 'Mars/Olympus'), /\[global\] timezone: "Mars\/Olympus" is not a time zone/],
    ['a bad global key', base.replace('run-as', 'runas'), /\[global\] runas: is not a known key/],
    ['a bad cluster name', base.replace('[main]', '[a b]'), /\[a b\]: is not a valid cluster name/],
  ])('refuses %s, naming file, section and key', (_what, text, why) => {
    const e = configError(text)
    expect(e.message).toMatch(why)
    expect(e.message.startsWith(FILE)).toBe(true)
  })
  it('adopted mode needs no repo', () => {
    const c = parseConfigText(FILE, base.replace(/repo = .*\n/, 'pgbackrest.config = /etc/pgbackrest.conf\npgbackrest.stanza = main\n'), 0o600)
    expect(selectCluster(c, 'main').repo).toBeUndefined()
  })
  it('refuses a file holding a secret that others can read, and registers the secret for redaction', () => {
    const text = `${base}walg.AWS_SECRET_ACCESS_KEY = CANARYSECRET2\n`
    expect(configError(text, 0o644).message).toMatch(/holds a secret but is readable by group or others \(mode 644\)/)
    parseConfigText(FILE, text, 0o600)
    expect(redactor.redact('x CANARYSECRET2 y')).toBe('x ******** y')
    expect(redactor.redact(Buffer.from('CANARYSECRET2').toString('base64'))).toBe('********')
  })
  it('cluster selection', () => {
    const two = parseConfigText(FILE, `${base}\n[other]\ntool = native\npgdata = /x\nrepo = /r\n`, 0o600)
    expect(() => selectCluster(two, undefined)).toThrow(UsageError)
    expect(() => selectCluster(two, 'nope')).toThrow(/no cluster "nope"/)
    expect(selectCluster(two, 'other').tools).toEqual(['native'])
  })
  it('discovery order', () => {
    expect(configCandidates('x.ini', {}, '/w')).toEqual(['/w/x.ini'])
    expect(configCandidates(undefined, { PITRCTL_CONFIG: '/c.ini' }, '/w')).toEqual(['/c.ini'])
    expect(configCandidates(undefined, { HOME: '/home/u' }, '/w')).toEqual(['/w/pitrctl.ini', '/home/u/.config/pitrctl/pitrctl.ini', '/etc/pitrctl/pitrctl.ini'])
    expect(configCandidates(undefined, { HOME: '/home/u', XDG_CONFIG_HOME: '/x' }, '/w')[1]).toBe('/x/pitrctl/pitrctl.ini')
  })
})

describe('pitrctl.ini retention keys', () => {
  const cluster = (text: string) => selectCluster(parseConfigText(FILE, text, 0o600), 'main').retention
  it('a cluster section sets them; durations are a number and s, m, h, d or w', () => {
    const r = cluster(`${base}retention-full = 4\nretention-diff = 2\nretention-window = 7d\nexpire-auto = on\n`)
    expect(r).toEqual({ full: 4, diff: 2, windowMs: 7 * 86_400_000, windowText: '7d', expireAuto: true })
    expect(cluster(`${base}retention-window = 36h`).windowMs).toBe(36 * 3_600_000)
    expect(cluster(`${base}retention-window = 2w`).windowMs).toBe(14 * 86_400_000)
    expect(cluster(`${base}retention-window = 90s`).windowMs).toBe(90_000)
    expect(cluster(`${base}retention-window = 15m`).windowMs).toBe(900_000)
  })
  it('[global] is the default for every cluster; a cluster key wins', () => {
    const text = base.replace('timezone = Asia/Tokyo    ; zone\n', 'timezone = Asia/Tokyo\nretention-full = 3\nretention-window = 2d\n') + 'retention-window = 12h\n'
    expect(cluster(text)).toEqual({ full: 3, diff: undefined, windowMs: 12 * 3_600_000, windowText: '12h', expireAuto: false })
    // [global] after the cluster section still applies
    const clusterFirst = `${base.slice(base.indexOf('[main]'))}\n[global]\nrun-as = postgres\nretention-full = 5\n`
    expect(clusterFirst.startsWith('[main]')).toBe(true)
    expect(cluster(clusterFirst).full).toBe(5)
  })
  it('none set: nothing applies and expire-auto is off', () => {
    expect(cluster(base)).toEqual({ full: undefined, diff: undefined, windowMs: undefined, windowText: undefined, expireAuto: false })
  })
  it.each([
    ['retention-full = 0', '[main] retention-full', /not a count/],
    ['retention-full = two', '[main] retention-full', /not a count/],
    ['retention-diff = -1', '[main] retention-diff', /not a count/],
    ['retention-window = 7', '[main] retention-window', /not a duration/],
    ['retention-window = 7 days', '[main] retention-window', /not a duration/],
    ['retention-window = 0d', '[main] retention-window', /not a duration/],
    ['expire-auto = maybe', '[main] expire-auto', /neither on nor off/],
    ['expire-auto = on', '[main] expire-auto', /no retention/],
  ])('%s is a config error naming file, section and key', (line, where, problem) => {
    const e = configError(`${base}${line}\n`)
    expect(e.message).toContain(`${FILE} ${where}`)
    expect(e.message).toMatch(problem)
  })
  it('a bad value in [global] names [global]', () => {
    expect(configError(base.replace('run-as = postgres        ; OS user\n', 'run-as = postgres\nretention-window = soon\n')).message).toContain(`${FILE} [global] retention-window`)
  })
})
