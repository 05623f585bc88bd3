import { parseBackupHistory } from '../../../../src/model/backup-history.js'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CatalogIO } from '../../../../src/adapters/adapter.js'
import { barmanAdapter } from '../../../../src/adapters/barman/index.js'
import {
  backupHistoryName,
  parseBackupInfo,
  parseCheckJson,
  parseListBackups,
  parseShowBackupStatus,
  parseShowServers,
  readArchiveRefresh,
  readArchiveWalProblems,
  readVerify,
} from '../../../../src/adapters/barman/read.js'
import { outputError } from '../../../support/recorded.js'
import type { Backup } from '../../../../src/model/catalog.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'
import { FIXTURES, LAB_SERVER_DIR, adoptedLabEnv, fixtureText, labEnv, recorded, snapshotIO } from './support.js'

const snapshotList = (): ProcessResult => ({ ...recorded('list-backups-waiting'), stdout: fixtureText('catalog-snapshot', 'list-backups.json') })

describe('readVersion', () => {
  it('reads the version from `barman --version`', () => {
    expect(barmanAdapter.readVersion(recorded('version'))).toBe('3.4.0')
  })
})

describe('list-backups JSON (3.4)', () => {
  it('lists newest first with status and, when set, the name; FAILED entries carry nothing else', () => {
    expect(parseListBackups(recorded('list-backups-failed').stdout, 'pg1')).toEqual([
      { id: '20261121T100042', status: 'DONE', name: 'slow-archive', backupType: null },
      { id: '20261121T100037', status: 'DONE', name: 'before-upgrade', backupType: null },
      { id: '20261121T100033', status: 'FAILED', name: null, backupType: null },
      { id: '20261121T095858', status: 'DONE', name: 'second-named', backupType: null },
      { id: '20261121T095815', status: 'DONE', name: null, backupType: null },
    ])
  })

  it('works with PostgreSQL down (list-backups-server-down)', () => {
    expect(parseListBackups(recorded('list-backups-server-down').stdout, 'pg1').map((b) => b.status)).toEqual(['DONE', 'DONE', 'DONE', 'DONE', 'FAILED', 'DONE', 'DONE'])
  })

  it('a name given with --wait is lost in 3.4.0 (backup-wait-named), and kept without --wait', () => {
    const list = parseListBackups(recorded('list-backups-json').stdout, 'pg1')
    expect(list.find((b) => b.id === '20261121T095815')?.name).toBeNull()
    expect(JSON.parse(fixtureText('backup-wait-named', 'argv.json'))).toContain('first-full')
    expect(list.find((b) => b.id === '20261121T095858')?.name).toBe('second-named')
  })
})

describe('backup.info and the .backup history file', () => {
  const info = parseBackupInfo(fixtureText('catalog-snapshot', 'base/20261121T095815/backup.info'))

  it('reads key=value lines, dropping None, keeping the 64-bit system id as text', () => {
    expect(info.get('systemid')).toBe('7710561792949985537')
    expect(info.get('end_xlog')).toBe('0/3000060')
    expect(info.has('error')).toBe(false)
    expect(info.get('backup_label')).toMatch(/^'START WAL LOCATION/)
  })

  it('names the history file after the first segment and the offset in hex', () => {
    expect(backupHistoryName(info)).toBe('000000010000000000000002.00000028.backup')
  })

  it('the history file has the true stop; end_xlog is only an upper bound', () => {
    const h = parseBackupHistory(fixtureText('catalog-snapshot', 'wals/0000000100000000/000000010000000000000002.00000028.backup'))
    expect(h).toEqual({ startLsn: '0/2000028', stopLsn: '0/2000100', stopWal: '000000010000000000000002', stopTime: '2026-11-21 09:58:16 UTC', stopTimeline: 1 })
    expect(parseBackupHistory(readFileSync(path.join(FIXTURES, 'get-wal-backup-file-gzip', '000000010000000000000019.00000028.backup'), 'utf8'))).toBeUndefined()
    expect(parseBackupHistory(recorded('get-wal-backup-file-gzip').stdout)?.stopLsn).toBe('0/19000100')
  })
})

describe('readCatalog', () => {
  const first: Backup = {
    id: '20261121T095815', tool: 'barman', type: 'full', status: 'ok',
    start: '2026-11-21T09:58:15.788Z', stop: '2026-11-21T09:58:16.873Z',
    startLsn: '0/2000028', stopLsn: '0/2000100', timeline: 1,
    walStart: '000000010000000000000002', walStop: '000000010000000000000002',
    size: 23450122, storedSize: 23450122, parent: null, pgVersion: '15', systemId: '7710561792949985537', label: null,
  }

  it('reads every backup of the snapshot, oldest first, with the true stop position', async () => {
    const { io, calls } = snapshotIO({ 'list-backups': snapshotList() })
    const cat = await barmanAdapter.readCatalog(labEnv(), io)
    expect(cat.backups[0]).toEqual(first)
    expect(cat.backups.map((b) => [b.id, b.status, b.label, b.stopLsn, b.walStop])).toEqual([
      ['20261121T095815', 'ok', null, '0/2000100', '000000010000000000000002'],
      ['20261121T095858', 'ok', 'second-named', '0/5000100', '000000010000000000000005'],
      ['20261121T100033', 'error', null, '0/8000100', '000000010000000000000008'],
      ['20261121T100037', 'ok', 'before-upgrade', '0/A000100', '00000001000000000000000A'],
      ['20261121T100042', 'ok', 'slow-archive', '0/C000100', '00000001000000000000000C'],
      // end_wal says 10, end_xlog 0/10000060; the history file says the backup ended in 0F
      ['20261121T100132', 'unverified', null, '0/F000100', '00000001000000000000000F'],
    ])
    expect(calls).toEqual([['barman', '-c', '/tmp/barman-lab/repo/barman.conf', '-f', 'json', 'list-backups', 'pg1']])
  })

  it('stop is Barman\'s end_time rounded up to the millisecond (Barman refuses time targets before it)', async () => {
    const { io } = snapshotIO({ 'list-backups': snapshotList() })
    const b = (await barmanAdapter.readCatalog(labEnv(), io)).backups.find((x) => x.id === '20261121T095858')!
    // end_time=2026-11-21 09:59:00.149751+00:00; recover-time-before-end shows Barman comparing against it
    expect(b.stop).toBe('2026-11-21T09:59:00.150Z')
    expect(fixtureText('recover-time-before-end', 'stderr')).toContain('is before the backup end time 2026-11-21 09:59:00.149751+00:00')
  })

  it('lists segments and history files from wals/, not .backup files, and shows a removed segment as missing', async () => {
    const { io } = snapshotIO({ 'list-backups': snapshotList() })
    const { walFiles } = await barmanAdapter.readCatalog(labEnv(), io)
    expect(walFiles).toContain('000000010000000000000007')
    expect(walFiles).not.toContain('000000010000000000000008')
    expect(walFiles.some((n) => n.endsWith('.backup') || n === 'xlog.db')).toBe(false)
    expect(walFiles).toHaveLength(13)
  })

  it('finds .history files at the top of wals/ (archive-wal-history)', async () => {
    const { io } = snapshotIO({ 'list-backups': snapshotList() })
    const listDir = io.listDir.bind(io)
    const withHistory: CatalogIO = { ...io, listDir: async (p) => (p === `${LAB_SERVER_DIR}/wals` ? [...(await listDir(p)), '00000002.history'] : listDir(p)) }
    expect(fixtureText('archive-wal-history', 'stdout')).toContain('00000002.history')
    expect((await barmanAdapter.readCatalog(labEnv(), withHistory)).walFiles).toContain('00000002.history')
  })

  it('asks barman get-wal for a history file stored compressed (compression = gzip)', async () => {
    const gz = readFileSync(path.join(FIXTURES, 'get-wal-backup-file-gzip', '000000010000000000000019.00000028.backup'), 'utf8')
    const id = '20261121T100836'
    const calls: string[][] = []
    const io: CatalogIO = {
      lockHeld: async () => false,
      async run(step) {
        calls.push([...step.argv])
        expect(step.mutates).toBe(false)
        if (step.argv.includes('list-backups')) return recorded('list-backups-gzip')
        if (step.argv.includes('get-wal')) return recorded('get-wal-backup-file-gzip')
        throw new Error(step.argv.join(' '))
      },
      readFile: async (p) =>
        p === `${LAB_SERVER_DIR}/base/${id}/backup.info` ? fixtureText('backup-wait-gzip', 'backup.info') : p.endsWith('000000010000000000000019.00000028.backup') ? gz : undefined,
      listDir: async (p) => (p.endsWith('/wals') ? ['0000000100000000', 'xlog.db'] : p.endsWith('/0000000100000000') ? ['000000010000000000000019', '000000010000000000000019.00000028.backup'] : []),
    }
    const b = (await barmanAdapter.readCatalog(labEnv(), io)).backups.find((x) => x.id === id)!
    expect(b.stopLsn).toBe('0/19000100')
    expect(calls.at(-1)).toEqual(['barman', '-c', '/tmp/barman-lab/repo/barman.conf', 'get-wal', 'pg1', '000000010000000000000019.00000028.backup'])
  })

  it('falls back to end_xlog (an upper bound) when the history file is gone', async () => {
    const { io } = snapshotIO({ 'list-backups': snapshotList() })
    const listDir = io.listDir.bind(io)
    const noHistory: CatalogIO = { ...io, listDir: async (p) => (await listDir(p)).filter((n) => !n.endsWith('.backup')) }
    const b = (await barmanAdapter.readCatalog(labEnv(), noHistory)).backups[0]!
    expect([b.stopLsn, b.walStop]).toEqual(['0/3000060', '000000010000000000000003'])
  })

  it('adopted mode asks show-servers where the directories are', async () => {
    const { io, calls } = snapshotIO({ 'show-servers': recorded('show-servers-json'), 'list-backups': snapshotList() })
    const cat = await barmanAdapter.readCatalog(adoptedLabEnv(), io)
    expect(cat.backups[0]).toEqual(first)
    expect(calls[0]).toEqual(['barman', '-c', '/tmp/barman-lab/repo/barman.conf', '-f', 'json', 'show-servers', 'pg1'])
  })

  it('show-servers prints the directories even with PostgreSQL down', () => {
    expect(parseShowServers(recorded('show-servers-json-server-down').stdout, 'pg1')).toEqual({
      basebackups: '/tmp/barman-lab/repo/home/pg1/base',
      wals: '/tmp/barman-lab/repo/home/pg1/wals',
      incoming: '/tmp/barman-lab/repo/home/pg1/incoming',
    })
  })
})

describe('show-backup JSON', () => {
  it('DONE and FAILED', () => {
    expect(parseShowBackupStatus(recorded('show-backup-json').stdout, 'pg1')).toEqual({ status: 'DONE', error: null })
    expect(parseShowBackupStatus(recorded('show-backup-failed-json').stdout, 'pg1')).toEqual({
      status: 'FAILED',
      error: 'At least one WAL file is missing. The first missing WAL file is 000000010000000000000008',
    })
    expect(parseShowBackupStatus(recorded('show-backup-missing-name').stdout, 'pg1')).toBeUndefined()
  })
  it('a rate with 17 fraction digits does not hide the status', () => {
    expect(parseShowBackupStatus(recorded('show-backup-long-fraction').stdout, 'main')).toEqual({ status: 'DONE', error: null })
  })
})

describe('readVerify', () => {
  const backup = { id: '20261121T095858' } as Backup
  const verify = (o: Record<string, string>) => readVerify(labEnv(), backup, new Map(Object.entries(o).map(([k, v]) => [k, recorded(v, [0, 1])])))

  it('a sound backup passes all three checks', () => {
    const checks = verify({ 'check-backup': 'check-backup-ok', 'show-backup': 'show-backup-json', 'verify-backup': 'verify-backup-ok-json', check: 'check-ok-json' })
    expect(checks.map((c) => [c.ok, c.detail])).toEqual([
      [true, 'backup 20261121T095858 is DONE'],
      [true, 'backup successfully verified'],
      [true, 'archive OK'],
    ])
  })

  it('a corrupted backup, a missing segment and a rejected duplicate all fail, though check-backup exited 0', () => {
    expect(recorded('check-backup-missing-wal').exitCode).toBe(0)
    const checks = verify({ 'check-backup': 'check-backup-missing-wal', 'show-backup': 'show-backup-failed-json', 'verify-backup': 'verify-backup-corrupt-json', check: 'check-json-failures' })
    expect(checks.map((c) => c.ok)).toEqual([false, false, false])
    expect(checks[0]!.detail).toBe('backup 20261121T095858 is FAILED: At least one WAL file is missing. The first missing WAL file is 000000010000000000000008')
    expect(checks[1]!.detail).toMatch(/checksum mismatch for file "base\/5\/1259"/)
    expect(checks[2]!.detail).toBe('FAILED: archiver errors (duplicates: 1); not counted here: failed backups (there are 1 failed backups)')
  })

  it('corruption of data files is invisible to check-backup, which only looks at WAL', () => {
    const checks = verify({ 'check-backup': 'check-backup-corrupt-data', 'show-backup': 'show-backup-json', 'verify-backup': 'verify-backup-corrupt-json', check: 'check-ok-json' })
    expect(checks.map((c) => c.ok)).toEqual([true, false, true])
  })

  it.each([
    ['verify-backup-truncated-json', '"base/5/16384" has size 5120000 on disk but size 10240000 in the manifest'],
    ['verify-backup-deleted-json', '"base/5/16384" is present in the manifest but not on disk'],
  ])('%s: pg_verifybackup names the file', (fixture, says) => {
    const checks = verify({ 'check-backup': 'check-backup-ok', 'show-backup': 'show-backup-json', 'verify-backup': fixture, check: 'check-ok-json' })
    expect(checks.map((c) => c.ok)).toEqual([true, false, true])
    expect(checks[1]!.detail).toContain(says)
  })

  it('a step that did not run is a failure, not a pass', () => {
    expect(verify({}).map((c) => c.ok)).toEqual([false, false])
  })

  it('check JSON: every check with its hint', () => {
    expect(parseCheckJson(recorded('check-json-failures').stdout, 'pg1').filter((c) => !c.ok)).toEqual([
      { name: 'archiver_errors', ok: false, hint: 'duplicates: 1' },
      { name: 'failed_backups', ok: false, hint: 'there are 1 failed backups' },
    ])
  })
})

describe('archive-wal output', () => {
  it('reports a segment that differs from the archived one, not an identical duplicate', () => {
    expect(readArchiveWalProblems(recorded('archive-wal-duplicates'))).toEqual(['00000001000000000000000A is already present in server pg1. File moved to errors directory.'])
  })

  it('reports names that are not WAL files; hidden and .tmp files are left in incoming', () => {
    expect(readArchiveWalProblems(recorded('archive-wal-unknown'))).toEqual(['not WAL files, moved to errors directory: not-a-wal.txt'])
  })

  it('is quiet when all went well', () => {
    expect(readArchiveWalProblems(recorded('archive-wal-one'))).toEqual([])
  })

  it('readArchiveRefresh reads the archive-wal step of planArchiveRefresh, and nothing when it did not run', () => {
    expect(readArchiveRefresh(new Map([['archive-wal', recorded('archive-wal-duplicates')]]))).toEqual([
      '00000001000000000000000A is already present in server pg1. File moved to errors directory.',
    ])
    expect(readArchiveRefresh(new Map([['archive-wal', recorded('archive-wal-one')]]))).toEqual([])
    expect(readArchiveRefresh(new Map())).toEqual([])
  })
})

describe('output pitrctl cannot read is a tool failure (ToolOutputError, exit 1)', () => {
  it('list-backups: no JSON, or no list for the server', () => {
    expect(outputError(() => parseListBackups(recorded('list-backups-text').stdout, 'pg1')).message).toMatch(/^barman: printed no JSON for server pg1/)
    expect(outputError(() => parseListBackups(recorded('show-servers-json').stdout, 'pg1')).message).toBe('barman: list-backups printed no list for server pg1')
  })

  it('show-servers: no directories for the server', () => {
    expect(outputError(() => parseShowServers(recorded('list-backups-json').stdout, 'pg1')).message).toBe('barman: show-servers printed no directories for server pg1')
  })
})
