import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { crc32c, Crc32c } from '../../../src/util/crc32c.js'
import { loadFileDigest } from '../../../src/util/digest.js'

const stored = (name: string) => fileURLToPath(new URL(`../../fixtures/pg_rman/1.3.19/file-list-full/stored/${name}`, import.meta.url))

describe('crc32c', () => {
  it('is CRC-32C (the check value of "123456789" is 0xE3069283)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array())).toBe(0)
  })

  // The CRCs pg_rman 1.3.19 wrote into file_database.txt for these stored files (fixture file-list-full).
  it.each([
    ['PG_VERSION', 575108234],
    ['backup_label', 4177229509],
    ['base-1-112', 2410765073],
  ])('matches what pg_rman recorded for %s', async (name, recorded) => {
    expect(crc32c(readFileSync(stored(name)))).toBe(recorded)
    expect((await loadFileDigest(stored(name)))?.crc32c).toBe(recorded)
  })

  it('gives the same value fed in pieces of any size', () => {
    const bytes = readFileSync(stored('backup_label'))
    for (const cut of [1, 3, 7, 8, 9, 100]) {
      const c = new Crc32c()
      for (let i = 0; i < bytes.length; i += cut) c.update(bytes.subarray(i, i + cut))
      expect(c.digest()).toBe(4177229509)
    }
  })

  it('loadFileDigest: undefined for a missing file, sizes and sha256 otherwise', async () => {
    expect(await loadFileDigest(stored('nope'))).toBeUndefined()
    const d = await loadFileDigest(stored('PG_VERSION'))
    expect(d).toEqual({ sizeBytes: 3, crc32c: 575108234, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
  })
})
