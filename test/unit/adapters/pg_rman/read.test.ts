import { describe, expect, it } from 'vitest'
import type { CatalogIO } from '../../../../src/adapters/adapter.js'
import { pgRmanAdapter as a } from '../../../../src/adapters/pg_rman/index.js'
import {
  iniValue,
  parseBackupInfo,
  parseRestoredBackups,
  parseShowList,
  parseSystemIdentifier,
  readValidate,
  readVerify,
  readVersion,
  toBackup,
  unsupportedReason,
} from '../../../../src/adapters/pg_rman/read.js'
import { ConfigError, ToolError, ToolOutputError } from '../../../../src/errors.js'
import { isRestorable, type Backup } from '../../../../src/model/catalog.js'
import type { ExecStep } from '../../../../src/model/plan.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'
import { A, B, adoptedEnv, fixtureFile, labEnv, recorded } from './fixture.js'
import { unusedContentIO } from '../../../support/content-io.js'

describe('version', () => {
  it('reads `pg_rman 1.3.19` from stderr (fixture version)', () => {
    const r = recorded('version')
    expect(r.stdout).toBe('')
    expect(readVersion(r.result)).toBe('1.3.19')
  })

  it('needs 1.3.13+ for PostgreSQL 12+ (pg_rman_recovery.conf, --recovery-target-action)', () => {
    expect(unsupportedReason('1.3.19', 15)).toBeUndefined()
    expect(unsupportedReason('1.3.12', 15)).toContain('1.3.13')
    expect(unsupportedReason('1.3.12', 11)).toBeUndefined()
    expect(unsupportedReason('pg_rman', 15)).toContain('cannot read')
  })
})

describe('parseShowList', () => {
  it('reads rows newest first (fixture show-tli2)', () => {
    expect(parseShowList(recorded('show-tli2').stdout)).toEqual([
      { id: '2026-11-21 10:01:48', end: '2026-11-21 10:01:50', mode: 'FULL', size: '197MB', timeline: 2, status: 'OK' },
      { id: '2026-11-21 10:00:32', end: '2026-11-21 10:00:34', mode: 'FULL', size: '46MB', timeline: 1, status: 'CORRUPT' },
      { id: '2026-11-21 10:00:24', end: '2026-11-21 10:00:26', mode: 'INCR', size: '33MB', timeline: 1, status: 'OK' },
      { id: '2026-11-21 10:00:20', end: '2026-11-21 10:00:22', mode: 'FULL', size: '46MB', timeline: 1, status: 'OK' },
    ])
  })

  it.each<[string, string[]]>([
    ['show-done', ['DONE']],
    ['show-ok', ['OK']],
    ['show-corrupt', ['CORRUPT', 'OK', 'OK']],
    ['show-running', ['RUNNING', 'ERROR', 'ERROR']],
    ['show-error', ['ERROR', 'ERROR']],
    ['show-not-initialized', []],
  ])('%s: statuses %j', (name, statuses) => {
    expect(parseShowList(recorded(name).stdout).map((r) => r.status)).toEqual(statuses)
  })

  it('keeps the end time of a running backup as printed: epoch 0 in the process zone (fixture show-running)', () => {
    const [running] = parseShowList(recorded('show-running').stdout)
    expect(running).toMatchObject({ id: '2026-11-21 10:01:38', end: '1970-01-01 00:00:00', timeline: 0, size: '0B' })
  })

  it('refuses text it does not know rather than misreading it (fixture show-detail)', () => {
    expect(() => parseShowList(recorded('show-detail').stdout)).toThrow('unexpected line')
    expect(() => parseShowList(recorded('show-detail').stdout)).toThrow(ToolOutputError)
  })
})

describe('backup.ini / show DATE', () => {
  it('show DATE prints backup.ini (fixture show-id-full)', () => {
    const r = recorded('show-id-full')
    expect(r.stdout).toBe(fixtureFile('show-id-full', 'backup.ini'))
    expect(parseBackupInfo(r.stdout)).toEqual({
      mode: 'FULL',
      compressData: false,
      timeline: 1,
      startLsn: 0x2000028n,
      stopLsn: 0x2000100n,
      startTime: '2026-11-21 10:00:20',
      endTime: '2026-11-21 10:00:22',
      recoveryTime: '2026-11-21 10:00:22',
      recoveryXid: '725',
      totalDataBytes: 23510729,
      writeBytes: 46885382,
      status: 'OK',
    })
  })

  it('a killed backup has no LSNs, timeline 0 and no end or recovery time (fixture show-id-running)', () => {
    expect(parseBackupInfo(recorded('show-id-running').stdout)).toMatchObject({ status: 'RUNNING', timeline: 0, startLsn: null, stopLsn: null, endTime: null, recoveryTime: null, totalDataBytes: null, writeBytes: 0 })
  })

  it('refuses what is not a backup.ini', () => {
    expect(() => parseBackupInfo(recorded('show-id-missing').stdout)).toThrow('not a pg_rman backup.ini')
    expect(() => parseBackupInfo(recorded('show-id-missing').stdout)).toThrow(ToolOutputError)
  })

  it('keeps the 64-bit system identifier as text (fixture init)', () => {
    expect(parseSystemIdentifier(fixtureFile('init', 'system_identifier'))).toBe('7710562427550380881')
    expect(Number('7710562427550380881').toString()).not.toBe('7710562427550380881')
  })

  it('reads pg_rman.ini keys the way pg_rman does', () => {
    const ini = fixtureFile('init', 'pg_rman.ini')
    expect(iniValue(ini, 'ARCLOG_PATH')).toBe(A)
    expect(iniValue(ini, 'srvlog-path')).toBe('/tmp/pg_rman-lab/data/log')
    expect(iniValue(ini, 'KEEP_DATA_DAYS')).toBeUndefined()
    expect(iniValue("arclog-path = '/a\\'b' # x\nKEEP_DATA_DAYS=3 # days", 'keep_data_days')).toBe('3')
    expect(iniValue("arclog-path = '/a\\'b' # x", 'ARCLOG_PATH')).toBe("/a'b")
  })
})

describe('toBackup', () => {
  const extra = { systemId: '7710562427550380881', pgVersion: '15', parent: null }
  it('maps a full backup: upper-case LSNs, RECOVERY_TIME as stop, segment names from LSNs', () => {
    expect(toBackup('2026-11-21 10:00:20', parseBackupInfo(fixtureFile('show-id-full', 'backup.ini')), 'UTC', extra)).toEqual({
      id: '2026-11-21 10:00:20',
      tool: 'pg_rman',
      type: 'full',
      status: 'ok',
      start: '2026-11-21T10:00:20.000Z',
      stop: '2026-11-21T10:00:22.000Z',
      startLsn: '0/2000028',
      stopLsn: '0/2000100',
      timeline: 1,
      walStart: '000000010000000000000002',
      walStop: '000000010000000000000002',
      size: 23510729,
      storedSize: 46885382,
      parent: null,
      pgVersion: '15',
      systemId: '7710562427550380881',
      label: null,
    })
  })

  it.each<[string, string, string]>([
    ['show-id-corrupt', 'error', 'full'],
    ['show-id-incr', 'ok', 'incr'],
    ['show-id-running', 'running', 'full'],
  ])('%s -> status %s, type %s', (name, status, type) => {
    const info = parseBackupInfo(recorded(name).stdout)
    expect(toBackup(info.startTime!, info, 'UTC', extra)).toMatchObject({ status, type })
  })

  it('a running backup has no stop, LSNs or timeline', () => {
    const info = parseBackupInfo(recorded('show-id-running').stdout)
    expect(toBackup(info.startTime!, info, 'UTC', extra)).toMatchObject({ start: '2026-11-21T10:01:38.000Z', stop: null, startLsn: null, stopLsn: null, timeline: null, walStart: null, walStop: null })
  })

  it('a DONE backup is unverified (fixture show-done)', () => {
    const done = fixtureFile('show-id-full', 'backup.ini').replace('STATUS=OK', 'STATUS=DONE')
    expect(toBackup('2026-11-21 10:00:20', parseBackupInfo(done), 'UTC', extra).status).toBe('unverified')
    expect(parseShowList(recorded('show-done').stdout)[0]!.status).toBe('DONE')
  })
})

/** the lab catalog of fixture show-tli2, served from the recorded files */
function labIO(over: { files?: Record<string, string | undefined>; shows?: Record<string, string> } = {}) {
  const d = (id: string) => `${B}/${id.slice(0, 10).replace(/-/g, '')}/${id.slice(11).replace(/:/g, '')}`
  const files: Record<string, string | undefined> = {
    [`${B}/system_identifier`]: fixtureFile('init', 'system_identifier'),
    [`${B}/pg_rman.ini`]: fixtureFile('init', 'pg_rman.ini'),
    [`${d('2026-11-21 10:00:20')}/backup.ini`]: fixtureFile('show-id-full', 'backup.ini'),
    [`${d('2026-11-21 10:00:24')}/backup.ini`]: fixtureFile('show-id-incr', 'backup.ini'),
    [`${d('2026-11-21 10:00:32')}/backup.ini`]: fixtureFile('show-id-corrupt', 'backup.ini'),
    [`${d('2026-11-21 10:01:48')}/backup.ini`]: fixtureFile('show-detail-tli2', 'backup.ini'),
    [`${d('2026-11-21 10:00:20')}/database/PG_VERSION`]: '15\n',
    [`${d('2026-11-21 10:00:32')}/database/PG_VERSION`]: '15\n',
    [`${d('2026-11-21 10:01:48')}/database/PG_VERSION`]: '15\n',
    ...over.files,
  }
  const shows: Record<string, string> = { '': recorded('show-tli2').stdout, ...over.shows }
  // ls -la of ARCLOG_PATH after the timeline-2 backup (fixture backup-full-tli2)
  const arclog = fixtureFile('backup-full-tli2', 'arclog-listing-after').split('\n').map((l) => l.split(/\s+/)[8]).filter((n): n is string => !!n && n !== '.' && n !== '..')
  const ran: ExecStep[] = []
  const io: CatalogIO = {
    lockHeld: async () => false,
    async run(step) {
      ran.push(step)
      expect(step.mutates).toBe(false)
      expect(step.env).toEqual({ TZ: 'UTC' })
      const id = step.argv.length > 4 ? step.argv[4]! : ''
      const stdout = shows[id]
      if (stdout === undefined) throw new Error(`unexpected ${step.argv.join(' ')}`)
      return { argv: step.argv, exitCode: 0, signal: undefined, stdout, stderr: '', durationMs: 0, timedOut: false, ok: true }
    },
    readFile: async (p) => files[p],
    listDir: async (p) => (p === A ? arclog : []),
  }
  return { io, ran }
}

describe('readCatalog', () => {
  it('lists the lab catalog oldest first, with parents, versions and the archive (fixtures show-tli2, backup.ini files)', async () => {
    const { io, ran } = labIO()
    const c = await a.readCatalog(labEnv(), io)
    expect(ran.map((s) => s.id)).toEqual(['show'])
    expect(c.backups.map((b) => [b.id, b.type, b.status, b.timeline, b.startLsn, b.stopLsn, b.parent, b.pgVersion])).toEqual([
      ['2026-11-21 10:00:20', 'full', 'ok', 1, '0/2000028', '0/2000100', null, '15'],
      ['2026-11-21 10:00:24', 'incr', 'ok', 1, '0/4000028', '0/4000100', '2026-11-21 10:00:20', '15'],
      ['2026-11-21 10:00:32', 'full', 'error', 1, '0/6000028', '0/6000100', null, '15'],
      ['2026-11-21 10:01:48', 'full', 'ok', 2, '0/6000028', '0/6000100', null, '15'],
    ])
    expect(c.backups.every((b) => b.systemId === '7710562427550380881')).toBe(true)
    expect(c.backups[3]).toMatchObject({ walStart: '000000020000000000000006', stop: '2026-11-21T10:01:50.000Z' })
    // segments and history files only; 3 and 4 are gone: pg_rman's backup deleted them (see planRestore)
    expect(c.walFiles).toEqual([
      '000000010000000000000001',
      '000000010000000000000002',
      '000000010000000000000005',
      '000000010000000000000006',
      '000000010000000000000007',
      '000000010000000000000008',
      '000000010000000000000009',
      '00000001000000000000000A',
      '00000001000000000000000B',
      '00000002.history',
      '000000020000000000000005',
      '000000020000000000000006',
    ])
  })

  it('falls back to `pg_rman show DATE` when backup.ini is not where the id says', async () => {
    const incrIni = `${B}/20261121/100024/backup.ini`
    const { io, ran } = labIO({ files: { [incrIni]: undefined }, shows: { '2026-11-21 10:00:24': recorded('show-id-incr').stdout } })
    const c = await a.readCatalog(labEnv(), io)
    expect(ran.map((s) => s.id)).toEqual(['show', 'show-backup'])
    expect(c.backups[1]).toMatchObject({ id: '2026-11-21 10:00:24', stopLsn: '0/4000100', storedSize: 33627581 })
  })

  it('reads failed and killed backups as errors without LSNs (fixtures show-running, show-id-error-*, show-id-running)', async () => {
    const { io } = labIO({
      shows: { '': recorded('show-running').stdout },
      files: {
        [`${B}/20261121/100130/backup.ini`]: recorded('show-id-error-incr').stdout,
        [`${B}/20261121/100133/backup.ini`]: recorded('show-id-error-full').stdout,
        [`${B}/20261121/100138/backup.ini`]: recorded('show-id-running').stdout,
      },
    })
    const c = await a.readCatalog(labEnv(), io)
    expect(c.backups.map((b) => [b.id, b.type, b.status, b.timeline, b.startLsn, b.stopLsn, b.stop, b.parent, b.pgVersion])).toEqual([
      ['2026-11-21 10:01:30', 'incr', 'error', 1, '0/9000028', null, '2026-11-21T10:01:30.000Z', null, null],
      ['2026-11-21 10:01:33', 'full', 'error', null, null, null, '2026-11-21T10:01:33.000Z', null, null],
      ['2026-11-21 10:01:38', 'full', 'running', null, null, null, null, null, null],
    ])
    expect(c.backups.some((b) => isRestorable(b))).toBe(false)
  })

  it('an uninitialised catalog is a not-initialized tool failure', async () => {
    const { io } = labIO({ files: { [`${B}/system_identifier`]: undefined } })
    const err = await a.readCatalog(labEnv(), io).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ToolError)
    expect((err as ToolError).failure.kind).toBe('not-initialized')
  })

  it('adopted: pg_rman.arclog-path must be the catalog’s ARCLOG_PATH', async () => {
    await expect(a.readCatalog(adoptedEnv(), labIO().io)).resolves.toBeDefined()
    const err = await a.readCatalog(adoptedEnv({ 'arclog-path': '/srv/other' }), labIO().io).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect(String(err)).toContain('pg_rman.arclog-path')
  })
})

function out(name: string): ProcessResult {
  return recorded(name).result
}

describe('readVerify', () => {
  it.each<[string, string, string, string, boolean, string]>([
    ['corrupt: validate exits 0 but the status says CORRUPT', '2026-11-21 10:00:32', 'validate-corrupt', 'show-id-corrupt', false, 'CORRUPT: CRC calculation showed incorrect result; backup "2026-11-21 10:00:32" is corrupted'],
    ['validated now', '2026-11-21 10:00:24', 'validate-incr', 'show-id-incr', true, 'each matches its recorded size and CRC'],
    ['already OK: validate reads nothing', '2026-11-21 10:00:20', 'validate-noop', 'show-id-full', true, 'does not read it again'],
    ['missing backup', '2026-11-21 09:00:00', 'validate-noop', 'show-id-missing', false, 'has no backup'],
    ['killed backup, flipped to ERROR', '2026-11-21 10:01:38', 'validate-running', 'show-id-killed', false, 'status ERROR'],
  ])('%s', (_why, id, validate, show, ok, detail) => {
    expect(recorded(validate).exitCode).toBe(0)
    const check = readValidate({ id } as Backup, new Map([['validate', out(validate)], ['show-backup', out(show)]]))
    expect(check!.ok).toBe(ok)
    expect(check!.detail).toContain(detail)
  })

  it('without its outputs the verdict is a failure', async () => {
    expect((await readVerify(labEnv(), { id: '2026-11-21 10:00:20' } as Backup, new Map(), unusedContentIO))[0]!.ok).toBe(false)
  })
})

describe('parseRestoredBackups', () => {
  it.each<[string, string[]]>([
    ['restore-full-newdir', ['2026-11-21 10:00:20']],
    ['restore-incr-scratch', ['2026-11-21 10:00:20', '2026-11-21 10:00:24']],
    ['restore-incr-tli2', ['2026-11-21 10:00:20', '2026-11-21 10:00:24']],
    ['restore-no-backup', []],
  ])('%s took %j', (name, ids) => {
    expect(parseRestoredBackups(recorded(name).stderr)).toEqual(ids)
  })
})

describe('what pg_rman writes on restore (fixtures restore-full-newdir, restore-incr-tli2)', () => {
  it('pg_rman_recovery.conf holds a restore_command into -A and an explicit timeline', () => {
    expect(fixtureFile('restore-incr-tli2', 'pg_rman_recovery.conf')).toBe(
      [
        '# added by pg_rman 1.3.19',
        "restore_command = 'cp /tmp/pg_rman-lab/scratch-arclog/%f %p'",
        "recovery_target_time = '2026-11-21 10:00:26'",
        "recovery_target_timeline = '2'",
        "recovery_target_action = 'promote'",
        '',
      ].join('\n'),
    )
    expect(fixtureFile('restore-full-newdir', 'pg_rman_recovery.conf')).toContain("recovery_target_inclusive = 'on'\n")
  })
})

describe('output pitrctl cannot read is a tool failure (ToolOutputError, exit 1)', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['show: a line of another layout (show -a)', () => parseShowList(recorded('show-detail').stdout), /^pg_rman: unexpected line in pg_rman show/],
    ['show DATE: not a backup.ini', () => parseBackupInfo(recorded('show-id-missing').stdout), /^pg_rman: not a pg_rman backup.ini/],
  ])('%s', (_what, read, message) => {
    let error: unknown
    try {
      read()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ToolOutputError)
    expect((error as ToolOutputError).exitCode).toBe(1)
    expect((error as ToolOutputError).message).toMatch(message)
  })
})
