import { describe, expect, it } from 'vitest'
import type { CatalogIO } from '../../../../src/adapters/adapter.js'
import { pgbackrestAdapter } from '../../../../src/adapters/pgbackrest/index.js'
import {
  InfoStanzaError,
  backupsFromInfo,
  currentArchiveIds,
  parseInfo,
  parseVerifyText,
  unsupportedReason,
  verifyChecks,
  parseVerifyInvalidFiles,
  walNameOfRepoFile,
  walNamesFromRepoLs,
} from '../../../../src/adapters/pgbackrest/read.js'
import { ToolError } from '../../../../src/errors.js'
import { outputError } from '../../../support/recorded.js'
import type { Backup } from '../../../../src/model/catalog.js'
import type { ExecStep } from '../../../../src/model/plan.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'
import { adoptedEnv, fixtureFile, labEnv, recorded } from './fixture.js'
import { unusedContentIO } from '../../../support/content-io.js'

const a = pgbackrestAdapter

describe('info --output=json', () => {
  const backups = backupsFromInfo(parseInfo(recorded('info-json').stdout, 'main'))

  it('maps the full backup to the contract object, keeping the 64-bit system id exact', () => {
    expect(backups[0]).toEqual({
      id: '20261121-095913F',
      tool: 'pgbackrest',
      type: 'full',
      status: 'ok',
      start: '2026-11-21T09:59:13.000Z',
      stop: '2026-11-21T09:59:15.000Z',
      startLsn: '0/3000028',
      stopLsn: '0/3000138',
      timeline: 1,
      walStart: '000000010000000000000003',
      walStop: '000000010000000000000003',
      size: 23607051,
      storedSize: 3118948,
      parent: null,
      pgVersion: '15',
      // JSON.parse would round this to 7710561952937537000
      systemId: '7710561952937537136',
      label: 'before-upgrade',
    } satisfies Backup)
  })

  it('keeps pgBackRest order and chains diff/incr to their prior backup', () => {
    expect(backups.map((b) => [b.id, b.type, b.parent, b.label])).toEqual([
      ['20261121-095913F', 'full', null, 'before-upgrade'],
      ['20261121-095913F_20261121-095919D', 'diff', '20261121-095913F', null],
      ['20261121-095913F_20261121-095922I', 'incr', '20261121-095913F_20261121-095919D', 'nightly'],
      ['20261121-095913F_20261121-095933I', 'incr', '20261121-095913F_20261121-095922I', null],
      ['20261121-095940F', 'full', null, null],
    ])
  })

  it('marks the backup that found page checksum errors (error: true) as error', () => {
    expect(backups.map((b) => b.status)).toEqual(['ok', 'ok', 'ok', 'error', 'ok'])
  })

  it('upper-cases LSNs as PostgreSQL prints them and takes the timeline from the WAL name', () => {
    expect(backups[3]).toMatchObject({ startLsn: '0/B000028', walStart: '00000001000000000000000B', timeline: 1, storedSize: 3186173, size: 24188683 })
  })

  it('reads the catalog while a backup holds the lock (the running backup is not listed yet)', () => {
    const info = parseInfo(recorded('info-while-backup').stdout, 'main')
    expect(backupsFromInfo(info)).toHaveLength(4)
  })

  it("a stanza that was never created exits 0 with status 1 'missing stanza path'", () => {
    expect(recorded('info-no-stanza').exitCode).toBe(0)
    expect(() => parseInfo(recorded('info-no-stanza').stdout, 'other')).toThrow(InfoStanzaError)
    expect(() => parseInfo(recorded('info-no-stanza').stdout, 'other')).toThrow(/missing stanza path/)
  })

  it('only the current database owns the WAL archive', () => {
    expect(currentArchiveIds(parseInfo(recorded('info-json').stdout, 'main'))).toEqual(['15-1'])
  })
})

describe('WAL archive listing', () => {
  const listing = JSON.parse(fixtureFile('archive-tree', 'listing.json')) as Record<string, string[]>
  const tl1 = Array.from({ length: 0x18 }, (_, i) => `00000001000000000000${(i + 1).toString(16).toUpperCase().padStart(4, '0')}`)
  const expected = [...tl1, '00000002.history', '000000020000000000000019'].sort()

  it.each([
    ['000000010000000000000003-ba092265486613be3ffc827c174aa08c0f0efc14.gz', '000000010000000000000003'],
    ['000000010000000000000003-ba092265486613be3ffc827c174aa08c0f0efc14', '000000010000000000000003'],
    ['000000010000000000000003-ba092265486613be3ffc827c174aa08c0f0efc14.zst', '000000010000000000000003'],
    ['00000002.history', '00000002.history'],
    ['000000010000000000000003.00000028.backup', undefined],
    ['000000010000000000000018.partial-77ace51ce0f762aa6ed52ad826b83500b5d6331f.gz', undefined],
    ['archive.info', undefined],
  ])('%s -> %s', (file, name) => {
    expect(walNameOfRepoFile(file)).toBe(name)
  })

  it('managed: reads the repository directories, segments and history files only', async () => {
    const io = fakeIo({ listing })
    const cat = await a.readCatalog(labEnv(), io)
    expect(cat.walFiles).toEqual(expected)
    expect(cat.backups).toHaveLength(5)
    expect(io.ran).toEqual(['info'])
  })

  it('adopted: the same names through repo-ls (recorded at the same repository state)', async () => {
    expect(walNamesFromRepoLs(recorded('repo-ls-archive').stdout, ['15-1'])).toEqual(expected)
    const io = fakeIo({})
    const cat = await a.readCatalog(adoptedEnv({ options: { config: '/tmp/pgbackrest-lab/m/pgbackrest.conf', stanza: 'main' } }), io)
    expect(cat.walFiles).toEqual(expected)
    expect(io.ran).toEqual(['info', 'repo-ls'])
  })

  it('managed with an object-store repository passed through: lists with repo-ls too', async () => {
    const io = fakeIo({})
    await a.readCatalog(labEnv({ options: { 'repo1-type': 's3' } }), io)
    expect(io.ran).toEqual(['info', 'repo-ls'])
  })

  it('an archive id of another database is ignored', () => {
    expect(walNamesFromRepoLs(recorded('repo-ls-archive').stdout, ['14-1'])).toEqual([])
  })

  it('a stanza that was never created: not-initialized, so the user is told to run setup', async () => {
    const io = fakeIo({ info: recorded('info-no-stanza').result })
    const err = await a.readCatalog(labEnv({ cluster: 'other' }), io).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ToolError)
    expect((err as ToolError).failure.kind).toBe('not-initialized')
  })
})

describe('verify --output=text --verbose', () => {
  const ok = recorded('verify-ok').stdout
  const corrupt = recorded('verify-corrupt').stdout

  it('exits 0 even when it found corruption: the verdict is in the text', () => {
    expect(recorded('verify-corrupt').exitCode).toBe(0)
    expect(parseVerifyText(corrupt).status).toBe('error')
  })

  it('an intact repository: every check passes', () => {
    const checks = verifyChecks(ok, '20261121-095913F_20261121-095919D')
    expect(checks).toEqual([
      { name: 'repository catalog (backup.info, archive.info)', ok: true, detail: 'readable and consistent with each other' },
      { name: 'backup files of 20261121-095913F_20261121-095919D', ok: true, detail: '966 of 966 files match the checksum and size recorded in the backup manifest' },
      { name: 'archived WAL files (15-1)', ok: true, detail: '24 of 24 WAL files match the checksum recorded when they were archived' },
    ])
  })

  it('a flipped byte in the full backup fails the backups that use it; a WAL file that does not decompress fails the WAL check', () => {
    const checks = verifyChecks(corrupt, '20261121-095913F_20261121-095922I')
    expect(checks.map((c) => c.ok)).toEqual([true, false, false])
    expect(checks[1]!.detail).toBe('965 of 966 files match the checksum and size recorded in the backup manifest (1 with a wrong checksum)')
    expect(checks[2]!.detail).toBe('23 of 24 WAL files match the checksum recorded when they were archived (1 unreadable)')
  })

  it('a backup untouched by the corruption still passes its own files check', () => {
    const checks = verifyChecks(corrupt, '20261121-095940F')
    expect(checks.find((c) => c.name.startsWith('backup files'))!.ok).toBe(true)
  })

  it('a missing backup.info: the catalog check fails and the backup is not reported', () => {
    const checks = verifyChecks(recorded('verify-no-backup-info').stdout, '20261121-095913F')
    expect(checks).toEqual([
      { name: 'repository catalog (backup.info, archive.info)', ok: false, detail: 'No usable backup.info file' },
      { name: 'backup files of 20261121-095913F', ok: false, detail: 'pgbackrest verify did not report backup 20261121-095913F' },
    ])
  })

  it('2.45 does not report a gap in the WAL archive (pitrctl checks the chain itself)', () => {
    expect(verifyChecks(recorded('verify-wal-gap').stdout, '20261121-095913F').every((c) => c.ok)).toBe(true)
  })

  it('--set is accepted in 2.45 but ignored: every backup is verified', () => {
    expect(parseVerifyText(recorded('verify-set').stdout).backups).toHaveLength(5)
  })

  it('no output (verify without --verbose on a good repository) is not a pass', () => {
    expect(recorded('verify-quiet-ok').stdout).toBe('')
    expect(verifyChecks('', '20261121-095913F')).toEqual([
      { name: 'pgBackRest verify', ok: false, detail: 'pgbackrest verify printed no result (expected "status: ok" or "status: error")' },
    ])
  })

  it.each([
    ['verify-named-overwritten', 'invalid checksum'],
    ['verify-named-truncated', 'invalid checksum'],
    ['verify-named-deleted', 'file missing'],
  ])('%s: the damaged file is named from the log lines on stderr', (fixture, reason) => {
    const r = recorded(fixture)
    expect(r.exitCode).toBe(0)
    expect(r.stdout).not.toContain('16384')
    expect(parseVerifyInvalidFiles(r.stderr)).toEqual([{ reason, path: '20261201-225235F/pg_data/base/5/16384.gz', message: null }])
    const checks = verifyChecks(r.stdout, '20261201-225235F', r.stderr)
    const files = checks.find((c) => c.name === 'backup files of 20261201-225235F')!
    expect(files.ok).toBe(false)
    expect(files.detail).toMatch(new RegExp(`: ${reason} 20261201-225235F/pg_data/base/5/16384\\.gz$`))
    expect(checks.find((c) => c.name.startsWith('archived WAL'))!.ok).toBe(true)
  })

  it('a file of the full that an incremental references is named for both; a WAL file that does not decompress for the archive', () => {
    const r = recorded('verify-named-referenced')
    expect(parseVerifyInvalidFiles(r.stderr).map((f) => [f.reason, f.path])).toEqual([
      ['invalid result', '15-1/0000000100000000/000000010000000000000005-adde810f5ad9f840f8662ce6d337473f600a5c46.gz'],
      ['invalid checksum', '20261201-225235F/pg_data/base/1/1255.gz'],
    ])
    for (const id of ['20261201-225235F', '20261201-225235F_20261201-225610I']) {
      const files = verifyChecks(r.stdout, id, r.stderr).find((c) => c.name === `backup files of ${id}`)!
      expect([files.ok, files.detail.endsWith(': invalid checksum 20261201-225235F/pg_data/base/1/1255.gz')]).toEqual([false, true])
    }
    const wal = verifyChecks(r.stdout, '20261201-225235F', r.stderr).find((c) => c.name === 'archived WAL files (15-1)')!
    expect(wal.ok).toBe(false)
    expect(wal.detail).toContain('000000010000000000000005-adde810f5ad9f840f8662ce6d337473f600a5c46.gz ([29] raised from local-1 protocol: zlib threw error: [-3] data error)')
  })

  it('a damaged file of another chain is not named for this backup', () => {
    const r = recorded('verify-named-overwritten')
    const checks = verifyChecks(r.stdout.replace(/20261201-225235F/g, '20261202-000000F'), '20261202-000000F', r.stderr)
    expect(checks.find((c) => c.name.startsWith('backup files'))!.detail).not.toContain('16384')
  })

  it('readVerify reads the verify step output', async () => {
    const outputs = new Map([['verify', recorded('verify-corrupt').result]])
    const checks = await a.readVerify(labEnv(), { id: '20261121-095913F' } as Backup, outputs, unusedContentIO)
    expect(checks.some((c) => !c.ok)).toBe(true)
    expect((await a.readVerify(labEnv(), { id: '20261121-095913F' } as Backup, new Map(), unusedContentIO))[0]!.ok).toBe(false)
  })
})

describe('version and supported PostgreSQL', () => {
  it('reads the version line', () => {
    expect(a.readVersion(recorded('version').result)).toBe('2.45')
  })

  it.each([
    ['2.45', 15, undefined],
    ['2.45', 16, 'pgBackRest 2.45 supports PostgreSQL up to 15; PostgreSQL 16 needs pgBackRest 2.46 or later'],
    ['2.45', 17, 'pgBackRest 2.45 supports PostgreSQL up to 15; PostgreSQL 17 needs pgBackRest 2.52 or later'],
    ['2.46', 16, undefined],
    ['2.52.1', 17, undefined],
    ['2.54.2', 18, 'pgBackRest 2.54.2 supports PostgreSQL up to 17; PostgreSQL 18 needs pgBackRest 2.55 or later'],
    ['2.59.1', 18, undefined],
  ])('pgBackRest %s with PostgreSQL %d: %s', (version, pg, reason) => {
    expect(unsupportedReason(version, pg)).toBe(reason)
  })
})

interface FakeIo extends CatalogIO {
  readonly ran: string[]
}

/** replays the recorded info and repo-ls runs and the recorded directory listing */
function fakeIo(opts: { listing?: Record<string, string[]>; info?: ProcessResult }): FakeIo {
  const ran: string[] = []
  return {
    ran,
    lockHeld: async () => false,
    async run(step: ExecStep) {
      ran.push(step.id)
      if (step.id === 'info') return opts.info ?? recorded('info-json').result
      if (step.id === 'repo-ls') return recorded('repo-ls-archive').result
      throw new Error(`unexpected step ${step.id}`)
    },
    async readFile() {
      throw new Error('readFile is not used')
    },
    async listDir(path: string) {
      if (!opts.listing) throw new Error('listDir is not used in this mode')
      return opts.listing[path] ?? []
    },
  }
}

describe('output pitrctl cannot read is a tool failure (ToolOutputError, exit 1)', () => {
  it('info: no JSON, or JSON that is not the stanza array', () => {
    expect(outputError(() => parseInfo(recorded('version').stdout, 'main')).message).toMatch(/^pgbackrest: info --output=json printed no JSON/)
    expect(outputError(() => parseInfo(recorded('repo-ls-archive').stdout, 'main')).message).toBe('pgbackrest: info --output=json did not print an array')
  })

  it('info: a backup type pitrctl does not know', () => {
    const info = parseInfo(recorded('info-json').stdout, 'main')
    const odd = { ...info, backup: [{ ...info.backup[0]!, type: 'snapshot' }] }
    expect(outputError(() => backupsFromInfo(odd)).message).toMatch(/has an unknown type 'snapshot'/)
  })

  it('repo-ls: no JSON', () => {
    expect(outputError(() => walNamesFromRepoLs(recorded('version').stdout, ['15-1'])).message).toMatch(/^pgbackrest: repo-ls --output=json printed no JSON/)
  })

  it('version: no pgBackRest version in the output', () => {
    expect(outputError(() => a.readVersion(recorded('info-json').result)).message).toMatch(/cannot read the pgBackRest version/)
  })
})
