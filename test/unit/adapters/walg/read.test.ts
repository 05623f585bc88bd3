import { describe, expect, it } from 'vitest'
import type { CatalogIO } from '../../../../src/adapters/adapter.js'
import { walgAdapter } from '../../../../src/adapters/walg/index.js'
import { parseBackupList, parseWalListing, readVersion, readWalVerify, verifyChecks } from '../../../../src/adapters/walg/read.js'
import { outputError } from '../../../support/recorded.js'
import type { Backup } from '../../../../src/model/catalog.js'
import type { ExecStep } from '../../../../src/model/plan.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'
import { labEnv, recorded } from './fixture.js'

const FULL = 'base_000000010000000000000004'
const DELTA1 = 'base_000000010000000000000006_D_000000010000000000000004'
const DELTA2 = 'base_000000010000000000000009_D_000000010000000000000006'
const DIFF = 'base_00000001000000000000000B_D_000000010000000000000004'

describe('readVersion', () => {
  it('takes the release from --version', () => {
    expect(readVersion(recorded('version').result)).toBe('3.0.9')
  })
})

describe('parseBackupList (backup-list --detail --json)', () => {
  const backups = parseBackupList(recorded('backup-list-detail').stdout)

  it('maps a full, a delta, a delta of a delta and a delta from the full', () => {
    expect(backups).toEqual<Backup[]>([
      {
        id: FULL,
        tool: 'walg',
        type: 'full',
        status: 'ok',
        start: '2026-11-21T10:01:47.051Z',
        stop: '2026-11-21T10:01:48.340Z',
        startLsn: '0/4000028',
        stopLsn: '0/4000138',
        timeline: 1,
        walStart: '000000010000000000000004',
        walStop: '000000010000000000000004',
        size: 23469558,
        storedSize: 4365368,
        parent: null,
        pgVersion: '15',
        systemId: '7710562473687286943',
        label: 'before-migration',
      },
      {
        id: DELTA1,
        tool: 'walg',
        type: 'delta',
        status: 'ok',
        start: '2026-11-21T10:01:52.075Z',
        stop: '2026-11-21T10:01:53.153Z',
        startLsn: '0/6000028',
        stopLsn: '0/6000100',
        timeline: 1,
        walStart: '000000010000000000000006',
        walStop: '000000010000000000000006',
        size: 2903131,
        storedSize: 646357,
        parent: FULL,
        pgVersion: '15',
        systemId: '7710562473687286943',
        label: 'delta one',
      },
      {
        id: DELTA2,
        tool: 'walg',
        type: 'delta',
        status: 'ok',
        start: '2026-11-21T10:01:53.336Z',
        stop: '2026-11-21T10:01:54.446Z',
        startLsn: '0/9000028',
        stopLsn: '0/9000100',
        timeline: 1,
        walStart: '000000010000000000000009',
        walStop: '000000010000000000000009',
        size: 1868987,
        storedSize: 420223,
        // the name says _D_<start WAL of the base>, the base's own name is longer
        parent: DELTA1,
        pgVersion: '15',
        systemId: '7710562473687286943',
        label: null,
      },
      {
        id: DIFF,
        tool: 'walg',
        type: 'delta',
        status: 'ok',
        start: '2026-11-21T10:01:57.427Z',
        stop: '2026-11-21T10:01:58.498Z',
        startLsn: '0/B000028',
        stopLsn: '0/B000100',
        timeline: 1,
        walStart: '00000001000000000000000B',
        walStop: '00000001000000000000000B',
        size: 3410087,
        storedSize: 771459,
        parent: FULL,
        pgVersion: '15',
        systemId: '7710562473687286943',
        label: 'diff',
      },
    ])
  })

  it('keeps LSNs and the system id beyond 2^53 exact', () => {
    const [b] = parseBackupList(recorded('backup-list-high-lsn').stdout)
    expect(b).toMatchObject({
      id: 'base_00000001FFFFF00000000011',
      startLsn: 'FFFFF000/11000028',
      stopLsn: 'FFFFF000/11000100',
      walStart: '00000001FFFFF00000000011',
      walStop: '00000001FFFFF00000000011',
      systemId: '7710563708574207977',
      start: '2026-11-21T10:05:13.722Z',
      label: null,
    })
  })

  it('an empty storage lists nothing', () => {
    expect(parseBackupList(recorded('backup-list-empty').stdout)).toEqual([])
  })

  it('a delta whose base is gone, and everything built on it, cannot be restored', () => {
    // the recorded list without its full backup (as after deleting it by hand from the storage)
    const entries = JSON.parse(recorded('backup-list-detail').stdout.replace(/"system_identifier":(\d+)/g, '"system_identifier":"$1"')) as { backup_name: string }[]
    const without = parseBackupList(JSON.stringify(entries.filter((e) => e.backup_name !== FULL)))
    expect(without.map((b) => [b.id, b.status, b.parent])).toEqual([
      [DELTA1, 'error', null],
      [DELTA2, 'error', DELTA1],
      [DIFF, 'error', null],
    ])
    expect(without[0]!.systemId).toBe('7710562473687286943')
  })

  it("shows user data that is not pitrctl's as it is", () => {
    const text = recorded('backup-list-detail').stdout.replace('{"pitrctl-label":"diff"}', '{"ticket":"OPS-1","n":2}')
    expect(parseBackupList(text).find((b) => b.id === DIFF)!.label).toBe('{"ticket":"OPS-1","n":2}')
  })
})

describe('parseWalListing (st ls wal_005/)', () => {
  it('segment names without compression suffix, no .backup files', () => {
    const names = parseWalListing(recorded('st-ls-wal').stdout)
    expect(names).toEqual(Array.from({ length: 11 }, (_, i) => `0000000100000000000000${(i + 1).toString(16).toUpperCase().padStart(2, '0')}`))
  })

  it('history files and other timelines', () => {
    const names = parseWalListing(recorded('st-ls-wal-timelines').stdout)
    expect(names).toContain('00000002.history')
    expect(names).toContain('000000020000000000000020')
    expect(names).toContain('000000010000000000000020')
    expect(names.filter((n) => n.includes('.') && n !== '00000002.history')).toEqual([])
    expect(names).toHaveLength(34)
  })

  it('uncompressed objects carry no suffix', () => {
    expect(parseWalListing(recorded('st-ls-wal-uncompressed').stdout)).toEqual(['000000010000000000000001', '00000002.history'])
  })

  it('an empty WAL folder', () => {
    expect(parseWalListing(recorded('st-ls-wal-empty').stdout)).toEqual([])
  })

  it('high segment numbers', () => {
    expect(parseWalListing(recorded('st-ls-wal-high-lsn').stdout)).toEqual(['00000001FFFFF00000000010', '00000001FFFFF00000000011'])
  })
})

describe('readCatalog', () => {
  it('runs the two read-only commands and parses them', async () => {
    const ran: ExecStep[] = []
    const outputs: Record<string, ProcessResult> = { 'backup-list': recorded('backup-list-detail').result, 'wal-list': recorded('st-ls-wal').result }
    const io: CatalogIO = {
      lockHeld: async () => false,
      run: async (step) => {
        ran.push(step)
        return outputs[step.id]!
      },
      readFile: async () => undefined,
      listDir: async () => [],
    }
    const cat = await walgAdapter.readCatalog(labEnv(), io)
    expect(ran.map((s) => [s.id, s.mutates])).toEqual([
      ['backup-list', false],
      ['wal-list', false],
    ])
    expect(cat.backups.map((b) => b.id)).toEqual([FULL, DELTA1, DELTA2, DIFF])
    expect(cat.walFiles).toHaveLength(11)
  })
})

describe('readVerify (wal-verify integrity timeline --json --backup-name)', () => {
  const list = parseBackupList(recorded('backup-list-detail').stdout)
  const byId = (id: string) => list.find((b) => b.id === id)!
  const verify = (fixture: string, id: string) => readWalVerify(byId(id), new Map([['wal-verify', recorded(fixture).result]]))

  it('OK: every segment from the backup on is archived', () => {
    expect(recorded('wal-verify-backup-ok').exitCode).toBe(0)
    expect(verify('wal-verify-backup-ok', DELTA1)).toEqual([
      { name: 'WAL-G wal-verify integrity', ok: true, detail: 'archived: 000000010000000000000006…00000001000000000000001F' },
      { name: 'WAL-G wal-verify timeline', ok: true, detail: "the server's timeline 1 is the newest in the archive" },
    ])
  })

  it('FAILURE (MISSING_LOST), exit code 0', () => {
    expect(recorded('wal-verify-backup-failure').exitCode).toBe(0)
    const [integrity] = verify('wal-verify-backup-failure', DELTA1)
    expect(integrity).toEqual({
      name: 'WAL-G wal-verify integrity',
      ok: false,
      detail:
        'archived: 000000010000000000000006, 000000010000000000000008…00000001000000000000001F; missing 000000010000000000000007 (1 segment, WAL-G: MISSING_LOST) — WAL-G says FAILURE',
    })
  })

  it('a lost segment WAL-G only WARNs about (MISSING_UPLOADING below archived segments) is a hole', () => {
    const [integrity] = verify('wal-verify-warning', FULL)
    expect(integrity!.ok).toBe(false)
    expect(integrity!.detail).toContain('missing 000000010000000000000007 (1 segment, WAL-G: MISSING_UPLOADING)')
    expect(integrity!.detail).toMatch(/WAL-G says WARNING$/)
  })

  it('a backup that starts after the hole is fine', () => {
    expect(verify('wal-verify-backup-after-gap', DELTA2).every((c) => c.ok)).toBe(true)
  })

  it('archiving lag after the newest archived segment leaves the backup restorable', () => {
    const [integrity] = verify('wal-verify-lag', DELTA2)
    expect(integrity).toEqual({
      name: 'WAL-G wal-verify integrity',
      ok: true,
      detail:
        'archived: 000000010000000000000009…000000010000000000000020; not archived yet after the newest archived segment: 000000010000000000000021…000000010000000000000022 (WAL-G: MISSING_UPLOADING) — WAL-G says WARNING',
    })
  })

  it("lag that includes the backup's own last segment does not", () => {
    const late: Backup = { ...byId(DELTA2), walStop: '000000010000000000000021' }
    const [integrity] = readWalVerify(late, new Map([['wal-verify', recorded('wal-verify-lag').result]]))
    expect(integrity!.ok).toBe(false)
    expect(integrity!.detail).toContain("the backup's last segment 000000010000000000000021 is not archived")
  })

  it('a newer timeline archived by a promoted copy', () => {
    const [integrity, timeline] = verify('wal-verify-timeline-failure', FULL)
    expect(integrity!.ok).toBe(true)
    expect(timeline).toEqual({
      name: 'WAL-G wal-verify timeline',
      ok: false,
      detail:
        "the archive holds timeline 2, newer than the server's 1: another server (a promoted copy?) archived into this repository, and recovery to the latest timeline would follow it",
    })
  })

  it('no output, or no JSON', () => {
    expect(readWalVerify(byId(FULL), new Map())[0]!.ok).toBe(false)
    expect(verifyChecks(recorded('wal-verify-server-down').stdout, byId(FULL))).toEqual([
      { name: 'WAL-G wal-verify', ok: false, detail: 'wal-verify printed no JSON: (nothing)' },
    ])
  })
})

describe('output pitrctl cannot read is a tool failure (ToolOutputError, exit 1)', () => {
  it('version: no `wal-g version` in the output', () => {
    expect(outputError(() => readVersion(recorded('st-ls-wal').result)).message).toMatch(/^walg: cannot read the WAL-G version/)
  })

  it('backup-list: no JSON, or JSON that is not an array', () => {
    expect(outputError(() => parseBackupList(recorded('version').stdout)).message).toMatch(/^walg: backup-list --detail --json printed no JSON/)
    expect(outputError(() => parseBackupList(recorded('wal-verify-ok').stdout)).message).toBe('walg: backup-list --detail --json did not print an array')
  })
})
