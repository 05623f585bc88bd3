import { describe, expect, it } from 'vitest'
import { parseObjectListing, readChainContent, readContentCheck, readStoredObjects } from '../../../../src/adapters/walg/read.js'
import { planBackupList, planListBackupObjects, planReadObject } from '../../../../src/adapters/walg/plan.js'
import { contentRecordPath } from '../../../../src/config/paths.js'
import type { Backup } from '../../../../src/model/catalog.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'
import { scriptedContentIO } from '../../../support/content-io.js'
import { fixtureSet, labToolEnv } from '../../../support/recorded.js'

// recorded with WAL-G 3.0.8 in /tmp/vlab (test/fixtures/walg/3.0.8/)
const { fixtureFile, recorded } = fixtureSet('walg', '3.0.8')
const env = labToolEnv('walg', '/tmp/vlab', 55432, '/tmp/vlab/repo/walg', { stateDir: '/tmp/vlab/repo/.pitrctl' })
const ID = 'base_000000010000000000000013'
const backup = { id: ID } as Backup
const record = JSON.parse(fixtureFile('st-ls-backup-recorded', 'content-record.json')) as { objects: { path: string; sizeBytes: number; sha256: string }[] }
const key = (argv: readonly string[]) => argv.join(' ')
const listKey = key(planListBackupObjects(env, ID).argv)
const readKey = (p: string) => key(planReadObject(env, p).argv)
const res = (over: Partial<ProcessResult>): ProcessResult => ({ argv: [], exitCode: 0, signal: undefined, stdout: '', stderr: '', durationMs: 0, timedOut: false, ok: true, ...over })
const read = (o: { sizeBytes: number; sha256: string }) => res({ stdoutDigest: { sizeBytes: o.sizeBytes, sha256: o.sha256 } })
const missing = res({ ok: false, exitCode: 1, stderr: recorded('st-cat-missing').stderr })

describe('parseObjectListing (st ls -r of a backup folder)', () => {
  it('a full backup: every object with its size, subfolder names without the leading /', () => {
    expect(recorded('st-ls-backup').argv.slice(3)).toEqual(['st', 'ls', '-r', 'basebackups_005/base_000000010000000000000008/'])
    const f = 'basebackups_005/base_000000010000000000000008/'
    expect([...parseObjectListing(recorded('st-ls-backup').stdout, f)]).toEqual([
      [`${f}files_metadata.json`, 167006],
      [`${f}metadata.json`, 349],
      [`${f}tar_partitions/backup_label.tar.lz4`, 373],
      [`${f}tar_partitions/part_001.tar.lz4`, 12898616],
      [`${f}tar_partitions/pg_control.tar.lz4`, 394],
    ])
  })

  it("a delta holds only its own objects; a missing folder lists nothing", () => {
    expect(parseObjectListing(recorded('st-ls-backup-delta').stdout, 'x/').get('x/tar_partitions/part_001.tar.lz4')).toBe(129946)
    expect(parseObjectListing(recorded('st-ls-backup-missing').stdout, 'x/').size).toBe(0)
  })
})

describe('readStoredObjects (after backup-push)', () => {
  it('reads every listed object and the stop sentinel through st cat', async () => {
    const calls: string[] = []
    const byPath = new Map(record.objects.map((o) => [o.path, o]))
    const io = scriptedContentIO(
      {
        runs: { [listKey]: res({ stdout: recorded('st-ls-backup-recorded').stdout }) },
        runDigests: Object.fromEntries(record.objects.map((o) => [readKey(o.path), read(o)])),
      },
      calls,
    )
    const objects = await readStoredObjects(env, backup, io)
    expect(objects).toEqual(record.objects)
    expect(objects.map((o) => o.path)).toContain(`basebackups_005/${ID}_backup_stop_sentinel.json`)
    expect(calls.filter((c) => c.startsWith('runDigest'))).toHaveLength(byPath.size)
  })
})

describe('readContentCheck (verify)', () => {
  const files = { [contentRecordPath(env.stateDir, 'walg', ID)]: fixtureFile('st-ls-backup-recorded', 'content-record.json') }
  const part = `basebackups_005/${ID}/tar_partitions/part_001.tar.lz4`
  const listing = recorded('st-ls-backup-recorded').stdout
  const digests = (over: Record<string, ProcessResult> = {}) => ({ ...Object.fromEntries(record.objects.map((o) => [readKey(o.path), read(o)])), ...over })

  it('every object as recorded: ok', async () => {
    const check = await readContentCheck(env, backup, scriptedContentIO({ files, runs: { [listKey]: res({ stdout: listing }) }, runDigests: digests() }))
    expect(check).toMatchObject({ ok: true, detail: '6 stored objects read: every one matches' })
  })

  it('a damaged part (same size, other bytes) is named', async () => {
    const rec = record.objects.find((o) => o.path === part)!
    const io = scriptedContentIO({ files, runs: { [listKey]: res({ stdout: listing }) }, runDigests: digests({ [readKey(part)]: read({ sizeBytes: rec.sizeBytes, sha256: 'f'.repeat(64) }) }) })
    const check = await readContentCheck(env, backup, io)
    expect(check.ok).toBe(false)
    expect(check.detail).toContain(`1 of 6 stored objects damaged: ${part} has changed`)
  })

  it('a truncated part: its size', async () => {
    const io = scriptedContentIO({
      files,
      runs: { [listKey]: res({ stdout: listing.replace(/12\d{6} /, '4096     ') }) },
      runDigests: digests({ [readKey(part)]: read({ sizeBytes: 4096, sha256: 'e'.repeat(64) }) }),
    })
    const check = await readContentCheck(env, backup, io)
    expect(check.ok).toBe(false)
    expect(check.detail).toMatch(new RegExp(`${part} is 4096 bytes, \\d+ when it was backed up`))
  })

  it('a deleted part, and a deleted stop sentinel (st cat: not found in storage)', async () => {
    const sentinel = `basebackups_005/${ID}_backup_stop_sentinel.json`
    const io = scriptedContentIO({
      files,
      runs: { [listKey]: res({ stdout: listing.split('\n').filter((l) => !l.includes('part_001')).join('\n') }) },
      runDigests: digests({ [readKey(sentinel)]: missing }),
    })
    const check = await readContentCheck(env, backup, io)
    expect(check.ok).toBe(false)
    expect(check.detail).toContain(`${part} is missing from the storage`)
    expect(check.detail).toContain(`${sentinel} is missing from the storage`)
  })

  it('no record (adopted, or taken before records): a line that says it was not checked, never ok', async () => {
    const check = await readContentCheck(env, backup, scriptedContentIO({}))
    expect(check).toMatchObject({ ok: false, unchecked: true })
    expect(check.detail).toMatch(/^not checked: /)
  })

  it("a record of another backup is no record", async () => {
    const other = { [contentRecordPath(env.stateDir, 'walg', ID)]: files[contentRecordPath(env.stateDir, 'walg', ID)]!.replace(ID, 'base_000000010000000000000099') }
    expect(await readContentCheck(env, backup, scriptedContentIO({ files: other }))).toMatchObject({ ok: false, unchecked: true })
  })
})

describe('readChainContent (verify of a delta)', () => {
  // backup-list-detail (3.0.9): ..09_D_..06 is a delta of ..06_D_..04, a delta of the full ..04
  const FULL = 'base_000000010000000000000004'
  const MID = 'base_000000010000000000000006_D_000000010000000000000004'
  const TOP = 'base_000000010000000000000009_D_000000010000000000000006'
  const listing = recorded('st-ls-backup-recorded').stdout
  const recordText = fixtureFile('st-ls-backup-recorded', 'content-record.json')
  const objectsOf = (id: string) => record.objects.map((o) => ({ ...o, path: o.path.replaceAll(ID, id) }))
  const backupList = fixtureSet('walg', '3.0.9').recorded('backup-list-detail').stdout
  const scripted = (ids: readonly string[], over: Record<string, ProcessResult> = {}, calls: string[] = []) =>
    scriptedContentIO(
      {
        files: Object.fromEntries(ids.map((id) => [contentRecordPath(env.stateDir, 'walg', id), recordText.replaceAll(ID, id)])),
        runs: {
          [key(planBackupList(env).argv)]: res({ stdout: backupList }),
          ...Object.fromEntries(ids.map((id) => [key(planListBackupObjects(env, id).argv), res({ stdout: listing.replaceAll(ID, id) })])),
        },
        runDigests: { ...Object.fromEntries(ids.flatMap(objectsOf).map((o) => [readKey(o.path), read(o)])), ...over },
      },
      calls,
    )
  const top = { id: TOP, parent: MID } as Backup

  it('checks the delta and every backup it is based on, down to the full', async () => {
    const calls: string[] = []
    const checks = await readChainContent(env, top, scripted([TOP, MID, FULL], {}, calls))
    expect(checks.map((c) => [c.ok, c.name.endsWith(`of ${MID}, which ${TOP} is a delta of`) || c.name.endsWith(`of ${FULL}, which ${TOP} is a delta of`)])).toEqual([
      [true, false],
      [true, true],
      [true, true],
    ])
    expect(calls.filter((c) => c.startsWith('runDigest'))).toHaveLength(3 * record.objects.length)
  })

  it("a damaged object of the full fails the delta's verify, naming it", async () => {
    const part = `basebackups_005/${FULL}/tar_partitions/part_001.tar.lz4`
    const rec = objectsOf(FULL).find((o) => o.path === part)!
    const checks = await readChainContent(env, top, scripted([TOP, MID, FULL], { [readKey(part)]: read({ sizeBytes: rec.sizeBytes, sha256: '0'.repeat(64) }) }))
    expect(checks.map((c) => c.ok)).toEqual([true, true, false])
    expect(checks[2]!.detail).toContain(`${part} has changed`)
  })

  it('a base missing from backup-list is a failure', async () => {
    const orphan = { id: TOP, parent: 'base_000000010000000000000002' } as Backup
    const checks = await readChainContent(env, orphan, scripted([TOP]))
    expect(checks.map((c) => c.ok)).toEqual([true, false])
    expect(checks[1]!.detail).toMatch(/not in backup-list/)
  })

  it('a full backup needs no backup-list', async () => {
    const calls: string[] = []
    expect(await readChainContent(env, { id: ID, parent: null } as Backup, scripted([ID], {}, calls))).toHaveLength(1)
    expect(calls.some((c) => c.includes('backup-list'))).toBe(false)
  })
})
