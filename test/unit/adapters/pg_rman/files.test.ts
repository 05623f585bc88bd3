import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { backupDir, resolveSetup } from '../../../../src/adapters/pg_rman/config.js'
import { compareFileList, parseFileList, readFileCheck, readVerify, storedFiles } from '../../../../src/adapters/pg_rman/read.js'
import type { Backup } from '../../../../src/model/catalog.js'
import { scriptedContentIO } from '../../../support/content-io.js'
import { fixtureFile, labEnv, recorded } from './fixture.js'

// file lists copied from a pg_rman 1.3.19 catalog (fixtures file-list-full, file-list-incr)
const full = parseFileList(fixtureFile('file-list-full', 'file_database.txt'))
const incr = parseFileList(fixtureFile('file-list-incr', 'file_database.txt'))

describe('parseFileList', () => {
  it('every line: path, type, stored size, CRC', () => {
    expect(full).toHaveLength(1000)
    expect(full[0]).toEqual({ path: 'backup_label', type: 'f', sizeBytes: 232, crc32c: 4177229509 })
    expect(full.find((f) => f.path === 'base/5/16384')).toEqual({ path: 'base/5/16384', type: 'F', sizeBytes: 13660012, crc32c: 4102572776 })
    expect(full.find((f) => f.path === 'base')).toMatchObject({ type: 'd' })
    expect(parseFileList(fixtureFile('file-list-full', 'file_arclog.txt'))[0]).toEqual({ path: '000000010000000000000007', type: 'f', sizeBytes: 16777216, crc32c: 2878793598 })
  })

  it('an incremental: files it skipped have no size (BYTES_INVALID, 2^64-1) and are not stored', () => {
    expect(incr.filter((f) => f.sizeBytes === null).length).toBe(967)
    expect(storedFiles(incr).map((f) => f.path)).toContain('base/5/16384')
    expect(storedFiles(incr).every((f) => f.type === 'f' || f.type === 'F')).toBe(true)
    expect(storedFiles(incr)).toHaveLength(8)
  })

  it('refuses a line it does not understand', () => {
    expect(() => parseFileList('base/5/1 F x 1 0600 2026-12-01 22:24:14\n')).toThrow(/unexpected line/)
  })
})

describe('compareFileList', () => {
  const files = storedFiles(full).filter((f) => ['backup_label', 'PG_VERSION', 'base/5/16384'].includes(f.path))
  const asRecorded = new Map(files.map((f) => [f.path, { sizeBytes: f.sizeBytes!, crc32c: f.crc32c }]))

  it('nothing to say when every file matches', () => {
    expect(compareFileList('database/', files, asRecorded)).toEqual([])
  })

  it('names a damaged, a truncated and a missing file', () => {
    const found = new Map(asRecorded)
    found.set('base/5/16384', { sizeBytes: 13660012, crc32c: 1 })
    found.set('backup_label', { sizeBytes: 100, crc32c: 4177229509 })
    found.delete('PG_VERSION')
    expect(compareFileList('database/', files, found).map((p) => p.detail)).toEqual([
      'database/backup_label is 100 bytes, pg_rman recorded 232',
      'database/PG_VERSION is missing',
      'database/base/5/16384 has CRC 1, pg_rman recorded 4102572776',
    ])
  })
})

describe('readFileCheck / readVerify', () => {
  const env = labEnv()
  const id = '2026-12-01 22:24:18'
  const dir = backupDir(resolveSetup(env), id)
  const lists = {
    [path.join(dir, 'file_database.txt')]: fixtureFile('file-list-full', 'file_database.txt'),
    [path.join(dir, 'file_arclog.txt')]: fixtureFile('file-list-full', 'file_arclog.txt'),
  }
  const digests = (over: Record<string, { sizeBytes: number; crc32c: number } | undefined> = {}) => {
    const d: Record<string, { sizeBytes: number; crc32c: number; sha256: string }> = {}
    for (const [list, sub] of [['file_database.txt', 'database'], ['file_arclog.txt', 'arclog']] as const)
      for (const f of storedFiles(parseFileList(lists[path.join(dir, list)]!))) d[path.join(dir, sub, f.path)] = { sizeBytes: f.sizeBytes!, crc32c: f.crc32c, sha256: '0'.repeat(64) }
    for (const [k, v] of Object.entries(over)) {
      if (v === undefined) delete d[path.join(dir, k)]
      else d[path.join(dir, k)] = { ...v, sha256: '0'.repeat(64) }
    }
    return d
  }

  it('re-reads every stored file of the data and WAL lists', async () => {
    const calls: string[] = []
    const check = await readFileCheck(env, { id } as Backup, scriptedContentIO({ files: lists, digests: digests() }, calls))
    expect(check).toMatchObject({ ok: true, detail: `${storedFiles(full).length + 6} files read: every one matches` })
    expect(calls.filter((c) => c.startsWith('digestFile'))).toHaveLength(storedFiles(full).length + 6)
  })

  it('a file damaged after pg_rman validated it: fails naming it, though pg_rman still says OK', async () => {
    const io = scriptedContentIO({ files: lists, digests: digests({ 'database/base/5/16384': { sizeBytes: 13660012, crc32c: 738106017 } }) })
    // validate-noop: pg_rman checks nothing for a backup already OK (show-id-full: STATUS=OK)
    const checks = await readVerify(env, { id } as Backup, new Map([['validate', recorded('validate-noop').result], ['show-backup', recorded('show-id-full').result]]), io)
    expect(checks.map((c) => c.ok)).toEqual([true, false])
    expect(checks[1]!.detail).toBe(`1 of ${storedFiles(full).length + 6} files damaged: database/base/5/16384 has CRC 738106017, pg_rman recorded 4102572776`)
  })

  it('a missing file list is a failure, not a pass', async () => {
    const check = await readFileCheck(env, { id } as Backup, scriptedContentIO({ files: {}, digests: {} }))
    expect(check.ok).toBe(false)
    expect(check.detail).toContain('file_database.txt is missing')
  })
})
