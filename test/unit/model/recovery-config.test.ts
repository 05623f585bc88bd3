import { describe, expect, it } from 'vitest'
import { planRecoveryConfig } from '../../../src/model/recovery-config.js'
import { buildWalCommand, quoteGucValue, quoteSqlLiteral, shellQuote, toRecoverySettings, unquoteConfValue } from '../../../src/model/recovery-settings.js'
import { parseRecoveryTarget } from '../../../src/model/recovery-target.js'

const t = (s: string) => parseRecoveryTarget(s, { zone: 'UTC', now: new Date('2026-11-21T10:00:00Z') })

describe('toRecoverySettings: exactly one target, explicit UTC offset', () => {
  it('time, inclusive by default, pause by default', () => {
    const s = toRecoverySettings({ target: t('2026-11-21 19:00:00+09'), inclusive: true, timeline: { kind: 'latest' }, action: 'pause' })
    expect(s).toEqual({
      recovery_target: null, recovery_target_time: '2026-11-21 10:00:00+00', recovery_target_xid: null, recovery_target_lsn: null, recovery_target_name: null,
      recovery_target_inclusive: 'on', recovery_target_timeline: 'latest', recovery_target_action: 'pause',
    })
  })
  it.each([
    ['immediate', { recovery_target: 'immediate', recovery_target_inclusive: null, recovery_target_action: 'promote' }],
    ['xid:900', { recovery_target_xid: '900', recovery_target_inclusive: 'off' }],
    ['lsn:0/3000060', { recovery_target_lsn: '0/3000060', recovery_target_inclusive: 'off' }],
    ['name:rp', { recovery_target_name: 'rp', recovery_target_inclusive: null }],
    ['latest', { recovery_target_action: null, recovery_target_inclusive: null, recovery_target_timeline: '3' }],
  ])('%s', (to, want) => {
    const s = toRecoverySettings({ target: t(to), inclusive: false, timeline: to === 'latest' ? { kind: 'id', id: 3 } : { kind: 'current' }, action: 'promote' })
    expect(s).toMatchObject(want)
    expect(Object.entries(s).filter(([k, v]) => k.startsWith('recovery_target') && !/inclusive|timeline|action/.test(k) && v !== null).length).toBe(to === 'latest' ? 0 : 1)
  })
})

describe('planRecoveryConfig: the tool wrote some settings; pitrctl makes them exact', () => {
  const desired = toRecoverySettings({ target: t('2026-11-21 10:00:00+00'), inclusive: true, timeline: { kind: 'latest' }, action: 'pause' })
  it('keeps what the tool wrote as wanted, adds what is missing, writes recovery.signal', () => {
    const p = planRecoveryConfig({
      dest: '/d', desired, restoreCommand: undefined, clone: undefined, extraFiles: [],
      autoConf: "restore_command = 'pgbackrest archive-get %f \"%p\"'\nrecovery_target_time = '2026-11-21 10:00:00+00'\nrecovery_target_timeline = 'latest'\n",
    })
    expect(p.keptFromTool).toEqual(['recovery_target_time', 'recovery_target_timeline'])
    expect(p.steps).toEqual([
      { kind: 'set-gucs', id: 'auto-conf', title: 'recovery settings in postgresql.auto.conf', path: '/d/postgresql.auto.conf', settings: { recovery_target_inclusive: 'on', recovery_target_action: 'pause' } },
      { kind: 'write-file', id: 'recovery-signal', title: 'recovery.signal', path: '/d/recovery.signal', content: '', mode: 0o600 },
    ])
    expect(p.restoreCommand).toBe('pgbackrest archive-get %f "%p"')
  })
  it('comments out a conflicting target in an included file (pg_rman) and sets the wanted one', () => {
    const p = planRecoveryConfig({
      dest: '/d', desired, restoreCommand: "cp '/arch/%f' %p", clone: { port: 5999 }, autoConf: '',
      extraFiles: [{ path: '/d/pg_rman_recovery.conf', content: "restore_command = 'cp /a/%f %p'\nrecovery_target_time = '2026-11-21 10:00:00'\nrecovery_target_timeline = '1'\n" }],
    })
    expect(p.steps[0]).toEqual({ kind: 'set-gucs', id: 'extra-0', title: 'recovery settings in pg_rman_recovery.conf', path: '/d/pg_rman_recovery.conf', settings: { recovery_target_time: null, recovery_target_timeline: null, restore_command: null } })
    expect(p.steps[1]).toMatchObject({ path: '/d/postgresql.auto.conf', settings: { recovery_target_time: '2026-11-21 10:00:00+00', recovery_target_timeline: 'latest', archive_mode: 'off', port: '5999', restore_command: "cp '/arch/%f' %p" } })
  })
  it('in place, puts back the cluster archive_command a tool switched off (Barman writes false)', () => {
    const p = planRecoveryConfig({ dest: '/d', desired, restoreCommand: 'x', clone: undefined, extraFiles: [], autoConf: "archive_command = 'false'\n", archiveCommand: 'pitrctl wal-push %p' })
    expect((p.steps[0] as { settings: Record<string, unknown> }).settings.archive_command).toBe('pitrctl wal-push %p')
    const clone = planRecoveryConfig({ dest: '/d', desired, restoreCommand: 'x', clone: { port: 1 }, extraFiles: [], autoConf: "archive_command = 'false'\n", archiveCommand: 'pitrctl wal-push %p' })
    expect((clone.steps[0] as { settings: Record<string, unknown> }).settings.archive_command).toBeUndefined()
  })

  it('removes a second target the tool left behind (PostgreSQL refuses two)', () => {
    const p = planRecoveryConfig({ dest: '/d', desired, restoreCommand: 'x', clone: undefined, extraFiles: [], autoConf: "recovery_target_name = 'old'\n" })
    expect((p.steps[0] as { settings: Record<string, unknown> }).settings.recovery_target_name).toBeNull()
  })
})

describe('quoting', () => {
  it('GUC values and SQL literals', () => {
    expect(quoteGucValue("it's a\\b")).toBe("'it''s a\\\\b'")
    expect(unquoteConfValue(quoteGucValue("it's a\\b"))).toBe("it's a\\b")
    expect(quoteSqlLiteral("o'clock")).toBe("'o''clock'")
  })
  it('WAL commands: shell-safe words, %-doubling outside placeholders, control characters refused (L20)', () => {
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node')
    expect(shellQuote('a b')).toBe("'a b'")
    expect(shellQuote("q'uote")).toBe("'q'\\''uote'")
    expect(buildWalCommand(['/opt/x y/run.js', 'wal-push', '--config', '/etc/100%full/p.ini', { placeholder: '%p' }])).toBe("'/opt/x y/run.js' wal-push --config '/etc/100%%full/p.ini' %p")
    expect(buildWalCommand(['$(touch PWNED)', { placeholder: '%f' }])).toBe("'$(touch PWNED)' %f")
    expect(() => buildWalCommand(['a\nb'])).toThrow(/quoted safely/)
  })
})
