import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseJsonLossless } from '../../../src/util/json.js'
import { Redactor, isSecretKey } from '../../../src/util/redact.js'

describe('parseJsonLossless', () => {
  it('keeps 64-bit integers exact, leaves small numbers and strings alone', () => {
    const v = parseJsonLossless('{"system-id":7710555621000669257,"n":12,"s":"7710555621000669257 in a string","f":1.5,"neg":-9223372036854775807,"a":[18446726481523507408]}') as Record<string, unknown>
    expect(v).toEqual({ 'system-id': '7710555621000669257', n: 12, s: '7710555621000669257 in a string', f: 1.5, neg: '-9223372036854775807', a: ['18446726481523507408'] })
    expect(JSON.parse('{"x":7710555621000669257}').x).not.toBe(7710555621000669257n.toString())
  })
  it('leaves long fractions alone (Barman 3.4 show-backup: "wal_rate_per_second": 0.00027849182561728395)', () => {
    expect(parseJsonLossless('{"wal_rate_per_second": 0.00027849182561728395, "t": 2599740.720973634, "e": 1.2345678901234567e-5}')).toEqual({
      wal_rate_per_second: 0.00027849182561728395, t: 2599740.720973634, e: 1.2345678901234567e-5,
    })
  })
  it('on recorded pgBackRest 2.45 info output', () => {
    const text = readFileSync('test/fixtures/pgbackrest/2.45/info-json/stdout', 'utf8')
    const sysid = /"system-id":(\d+)/.exec(text)![1]
    const v = parseJsonLossless(text) as { db: { 'system-id': string }[] }[]
    expect(v[0]!.db[0]!['system-id']).toBe(sysid)
  })
  it('leaves long fractions and exponents as numbers', () => {
    expect(parseJsonLossless('{"f":0.20275749544094576,"g":-1.12345678901234567,"e":1e-12345678901234567,"big":12345678901234567}')).toEqual({
      f: 0.20275749544094576,
      g: -1.12345678901234567,
      e: 0,
      big: '12345678901234567',
    })
  })
  it('on recorded Barman 3.4.0 show-backup output with a 17-digit fraction', () => {
    const text = readFileSync('test/fixtures/barman/3.4.0/show-backup-long-fraction/stdout', 'utf8')
    const v = parseJsonLossless(text) as { main: { status: string; wal_information: { wal_rate_per_second: number } } }
    expect(v.main.status).toBe('DONE')
    expect(v.main.wal_information.wal_rate_per_second).toBe(0.20275749544094576)
  })
})

describe('what counts as a secret', () => {
  it.each(['walg.AWS_SECRET_ACCESS_KEY', 'pgbackrest.repo1-cipher-pass', 'pgbackrest.repo1-azure-key', 'walg.AZURE_STORAGE_ACCESS_KEY', 'walg.WALG_LIBSODIUM_KEY', 'barman.password', 'pgbackrest.repo1-s3-key-secret', 'pgbackrest.repo1-s3-key'])('%s is', (k) => {
    expect(isSecretKey(k)).toBe(true)
  })
  it.each(['pgbackrest.process-max', 'walg.WALG_DELTA_MAX_STEPS', 'walg.WALG_COMPRESSION_METHOD', 'pgbackrest.repo1-retention-full', 'barman.server'])('%s is not', (k) => {
    expect(isSecretKey(k)).toBe(false)
  })
})

describe('Redactor', () => {
  it('masks a secret and its encodings', () => {
    const r = new Redactor()
    r.register('CANARYPASS3')
    expect(r.redact('--repo1-cipher-pass=CANARYPASS3')).toBe('--repo1-cipher-pass=********')
    expect(r.redact(encodeURIComponent('CANARYPASS3'))).toBe('********')
    expect(r.redact(Buffer.from('CANARYPASS3').toString('base64'))).toBe('********')
    r.register('abc') // too short to be a secret worth masking everywhere
    expect(r.redact('abc')).toBe('abc')
  })
})
