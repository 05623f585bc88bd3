import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ArchiveMismatchError, archiveCopy, isStrictPrefix } from '../../../src/util/durable-fs.js'

const NAME = '000000010000000000000002'
const SEGMENT = gunzipSync(readFileSync(`test/fixtures/native/15.20/fetched-wal/${NAME}.gz`))

function setUp(archived?: Buffer): { src: string; archive: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pitrctl-archive-copy-'))
  const src = path.join(dir, NAME)
  writeFileSync(src, SEGMENT)
  const archive = path.join(dir, 'archive')
  mkdirSync(archive)
  if (archived) writeFileSync(path.join(archive, NAME), archived)
  return { src, archive }
}

describe('archiveCopy repairs a torn copy and nothing else', () => {
  it('a strict prefix (a push killed half way) is replaced by the complete file', async () => {
    const { src, archive } = setUp(SEGMENT.subarray(0, 4 * 1024 * 1024))
    expect((await archiveCopy(src, archive)).outcome).toBe('repaired')
    expect(readFileSync(path.join(archive, NAME)).equals(SEGMENT)).toBe(true)
    expect(readdirSync(archive)).toEqual([NAME]) // no temp file left
    expect((await archiveCopy(src, archive)).outcome).toBe('already-archived')
  })
  it('an empty file is a torn copy too', async () => {
    const { src, archive } = setUp(Buffer.alloc(0))
    expect((await archiveCopy(src, archive)).outcome).toBe('repaired')
  })
  it('a complete copy with different content is refused and left untouched', async () => {
    const other = Buffer.from(SEGMENT)
    other[5000] = other[5000]! ^ 1
    const { src, archive } = setUp(other)
    await expect(archiveCopy(src, archive)).rejects.toThrow(ArchiveMismatchError)
    expect(readFileSync(path.join(archive, NAME)).equals(other)).toBe(true)
  })
  it('a shorter copy that differs inside is not a prefix: refused', async () => {
    const other = Buffer.from(SEGMENT.subarray(0, 1024 * 1024))
    other[10] = other[10]! ^ 1
    const { src, archive } = setUp(other)
    await expect(archiveCopy(src, archive)).rejects.toThrow(ArchiveMismatchError)
  })
  it('isStrictPrefix', () => {
    expect(isStrictPrefix(Buffer.from('ab'), Buffer.from('abc'))).toBe(true)
    expect(isStrictPrefix(Buffer.from('abc'), Buffer.from('abc'))).toBe(false)
    expect(isStrictPrefix(Buffer.from('abd'), Buffer.from('abcd'))).toBe(false)
  })
})
