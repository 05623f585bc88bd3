import { describe, expect, it } from 'vitest'
import { classifyFailure } from '../../../../src/adapters/walg/errors.js'
import { mayBeTornPush, planRemoveWalObject, walObjectOf } from '../../../../src/adapters/walg/torn.js'
import { tornBecause } from '../../../../src/services/torn-repair.js'
import { fixtureSet } from '../../../support/recorded.js'
import { fixtureFile, labEnv, recorded as recorded309 } from './fixture.js'

const v308 = fixtureSet('walg', '3.0.8')

describe('WAL-G: a torn archived object (a wal-push killed half way) is recognised and removed alone', () => {
  it('the push refused over a torn object (3.0.8) and over different content (3.0.9) may be torn: fetch decides', () => {
    const torn = v308.recorded('wal-push-torn')
    expect(mayBeTornPush(torn.stderr)).toBe(true)
    expect(classifyFailure(torn.step, torn.result).summary).toMatch(/Couldn't check whether there is an overwrite attempt due to inner error: unexpected EOF/)
    expect(mayBeTornPush(recorded309('wal-push-overwrite-refused').stderr)).toBe(true)
    expect(mayBeTornPush(recorded309('wal-push-no-storage').stderr)).toBe(false)
  })
  it('finds the object of a segment in st ls, compressed or not, and nothing else', () => {
    const ls = v308.fixtureFile('wal-push-torn', 'st-ls.stdout')
    expect(walObjectOf(ls, '000000010000000000000003')).toEqual({ object: '000000010000000000000003.lz4', size: 300000 })
    expect(walObjectOf(ls, '000000010000000000000004')).toBeUndefined()
    expect(walObjectOf(fixtureFile('st-ls-wal-uncompressed', 'stdout'), '000000010000000000000001')).toEqual({ object: '000000010000000000000001', size: 16777216 })
  })
  it('removes exactly that object with st rm (fixture st-rm-wal-object)', () => {
    const step = planRemoveWalObject(labEnv(), '000000010000000000000003.lz4').steps[0]!
    expect(step.kind === 'exec' && step.argv.slice(3)).toEqual(v308.recorded('st-rm-wal-object').argv.slice(3))
    expect(() => planRemoveWalObject(labEnv(), '000000010000000000000003.00000028.backup.lz4')).toThrow()
    expect(() => planRemoveWalObject(labEnv(), '')).toThrow()
  })
  it('torn means: cannot be fetched, or a strict prefix of the local file; never a complete different copy', () => {
    const local = Buffer.from('abcdefgh')
    expect(tornBecause(local, undefined)).toMatch(/cannot be fetched/)
    expect(tornBecause(local, Buffer.from('abcd'))).toBe('it is a 4-byte prefix of the 8-byte file')
    expect(tornBecause(local, Buffer.from('abcx'))).toBeUndefined()
    expect(tornBecause(local, Buffer.from('abcdefgx'))).toBeUndefined()
    expect(tornBecause(local, Buffer.from(local))).toBeUndefined()
  })
})
