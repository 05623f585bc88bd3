import { describe, expect, it } from 'vitest'
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

function configError(text: string, mode = 0o600): ConfigError {
  try {
    parseConfigText(FILE, text, mode)
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    expect((e as ConfigError).exitCode).toBe(2)
    return e as ConfigError
  }
  throw new Error('expected a config error')
}

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
