import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../src/errors.js'
import { describeTarget, parseRecoveryTarget, parseTimelineChoice, targetToJson } from '../../../src/model/recovery-target.js'
import { toRecoverySettings } from '../../../src/model/recovery-settings.js'
import { pgUtcFromMicros } from '../../../src/model/time.js'

const now = new Date('2026-11-21T10:00:00.000Z')
const parse = (s: string, zone = 'UTC') => parseRecoveryTarget(s, { zone, now })
const timeOf = (s: string, zone = 'UTC') => {
  const t = parse(s, zone)
  if (t.kind !== 'time') throw new Error(`not a time: ${t.kind}`)
  return pgUtcFromMicros(t.at)
}

describe('--to grammar: times', () => {
  it.each([
    ['2026-03-10 19:58:00+09', '2026-03-10 10:58:00+00'],
    ['2026-03-10T10:58:00Z', '2026-03-10 10:58:00+00'],
    ['2026-03-10T10:58:00z', '2026-03-10 10:58:00+00'],
    ['2026-03-10 10:58:00+09:30', '2026-03-10 01:28:00+00'],
    ['2026-03-10 10:58:00-0500', '2026-03-10 15:58:00+00'],
    ['2026-03-10 10:58+00', '2026-03-10 10:58:00+00'],
    ['2026-03-10 10:58:00.123456+00', '2026-03-10 10:58:00.123456+00'],
    ['2026-03-10 10:58:00.5Z', '2026-03-10 10:58:00.500000+00'],
    ['  2026-03-10 10:58:00Z  ', '2026-03-10 10:58:00+00'],
  ])('%s is %s', (input, utc) => {
    expect(timeOf(input)).toBe(utc)
  })

  it('reads a time without an offset in the configured zone', () => {
    expect(timeOf('2026-03-10 19:58:00', 'Asia/Tokyo')).toBe('2026-03-10 10:58:00+00')
    expect(timeOf('2026-07-01 12:00:00', 'Europe/Paris')).toBe('2026-07-01 10:00:00+00')
    expect(timeOf('2026-01-01 12:00:00', 'Europe/Paris')).toBe('2026-01-01 11:00:00+00')
  })

  it('refuses wall-clock times a DST change skips or repeats', () => {
    expect(() => parse('2026-03-29 02:30:00', 'Europe/Paris')).toThrow(/does not exist in Europe\/Paris/)
    expect(() => parse('2026-10-25 02:30:00', 'Europe/Paris')).toThrow(/happens twice/)
    // the same instants with an explicit offset are fine
    expect(timeOf('2026-10-25 02:30:00+01', 'Europe/Paris')).toBe('2026-10-25 01:30:00+00')
  })

  it.each([
    ['10 minutes ago', '2026-11-21 09:50:00+00'],
    ['1 minute ago', '2026-11-21 09:59:00+00'],
    ['2 hours ago', '2026-11-21 08:00:00+00'],
    ['30 seconds ago', '2026-11-21 09:59:30+00'],
    ['3 days ago', '2026-11-18 10:00:00+00'],
    ['2 HOURS AGO', '2026-11-21 08:00:00+00'],
  ])('%s is %s', (input, utc) => {
    expect(timeOf(input)).toBe(utc)
  })

  it('prints the resolved instant with its offset in the plan', () => {
    expect(describeTarget(parse('2026-03-10 19:58:00', 'Asia/Tokyo'))).toBe('time 2026-03-10 19:58:00+09:00 (2026-03-10 10:58:00+00)')
    expect(targetToJson(parse('2026-03-10T10:58:00Z'))).toBe('2026-03-10 10:58:00+00')
  })
})

describe('--to grammar: positions, transactions, names, keywords', () => {
  it.each([
    ['lsn:0/3000060', 'lsn:0/3000060'],
    ['0/3000060', 'lsn:0/3000060'],
    ['lsn:0/3a0', 'lsn:0/3A0'],
    ['LSN:1/00000010', 'lsn:1/10'],
    ['xid:1234', 'xid:1234'],
    ['xid:4294967295', 'xid:4294967295'],
    ['xid:4294968022', 'xid:4294968022'],
    ['xid:18446744073709551615', 'xid:18446744073709551615'],
    ['name:before_migration', 'name:before_migration'],
    ['name:with spaces ok', 'name:with spaces ok'],
    ['immediate', 'immediate'],
    ['latest', 'latest'],
    ['LATEST', 'latest'],
  ])('%s', (input, json) => {
    expect(targetToJson(parse(input))).toBe(json)
  })
})

describe('--to grammar: refused with a usage error (exit 2), one line each', () => {
  it.each([
    ['', /empty/],
    ['now', /not a recovery target/],
    ['today', /not a recovery target/],
    ['yesterday', /not a recovery target/],
    ['epoch', /not a recovery target/],
    ['infinity', /not a recovery target/],
    ['garbage', /not a recovery target/],
    ['10:00', /not a recovery target/],
    ['01/02/2026 10:00', /ambiguous/],
    ['2/1/26', /ambiguous/],
    ['2026-02-30 10:00:00+00', /has no day 30/],
    ['2026-13-01 10:00:00+00', /no such month/],
    ['2026-01-02 24:00:00+00', /hours run/],
    ['2026-12-31 23:59:60+00', /no leap seconds/],
    ['2026-01-02 10:00:00 JST', /zone names/],
    ['2026-01-02 10:00 Europe/Paris', /zone names/],
    ['0 minutes ago', /at least 1/],
    ['10 fortnights ago', /not a recovery target/],
    ['xid:abc', /positive decimal/],
    ['xid:-1', /positive decimal/],
    ['xid:0', /reserved/],
    ['xid:2', /reserved/],
    ['xid:4294967296', /low 32 bits are 0, a reserved/],
    ['xid:8589934594', /low 32 bits are 2, a reserved/],
    ['xid:18446744073709551616', /at most 64 bits/],
    ['xid:1e3', /positive decimal/],
    ['xid: 123', /positive decimal/],
    ['1234', /bare number/],
    ['lsn:0/0', /not a valid WAL position/],
    ['lsn:zz', /not a WAL position/],
    ['lsn:1/ZZ', /not a WAL position/],
    ['name:', /empty/],
    [`name:${'x'.repeat(64)}`, /at most 63 bytes/],
    ['name:it\'s', /quote/],
    ['name:line\nbreak', /control/],
  ])('%j', (input, why) => {
    let err: unknown
    try {
      parse(input)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    expect((err as UsageError).message).toMatch(why)
    expect((err as UsageError).message).not.toContain('\n')
    expect((err as UsageError).hint).toBeTruthy()
  })

  it('accepts a 63-byte name and counts bytes, not characters', () => {
    expect(parse(`name:${'x'.repeat(63)}`).kind).toBe('name')
    expect(() => parse(`name:${'é'.repeat(32)}`)).toThrow(/63 bytes/)
  })
})

describe('--to xid with an epoch (txid_current() past 2^32 transactions)', () => {
  it('keeps the 64-bit id and gives PostgreSQL the low 32 bits, as recovery_target_xid compares', () => {
    const t = parse('xid:4294968022')
    expect(t).toEqual({ kind: 'xid', xid: '726', full: '4294968022' })
    expect(describeTarget(t)).toBe('xid 4294968022 (epoch 1, xid 726)')
    expect(toRecoverySettings({ target: t, inclusive: true, timeline: { kind: 'latest' }, action: 'pause' }).recovery_target_xid).toBe('726')
  })

  it('a 32-bit id stays as it was, without an epoch', () => {
    expect(parse('xid:4294967295')).toEqual({ kind: 'xid', xid: '4294967295' })
    expect(describeTarget(parse('xid:745'))).toBe('xid 745')
  })

  it('reads leading zeros as decimal (PostgreSQL would read 0745 as octal): the setting has none', () => {
    const t = parse('xid:0745')
    expect(t).toEqual({ kind: 'xid', xid: '745' })
    expect(toRecoverySettings({ target: t, inclusive: true, timeline: { kind: 'latest' }, action: 'pause' }).recovery_target_xid).toBe('745')
  })
})

describe('--timeline', () => {
  it.each([
    ['latest', { kind: 'latest' }],
    ['current', { kind: 'current' }],
    ['3', { kind: 'id', id: 3 }],
  ])('%s', (input, want) => expect(parseTimelineChoice(input)).toEqual(want))
  it.each(['0', '-1', 'x', '1.5', ''])('refuses %j', (input) => expect(() => parseTimelineChoice(input)).toThrow(UsageError))
})
