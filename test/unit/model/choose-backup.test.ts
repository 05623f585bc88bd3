import { describe, expect, it } from 'vitest'
import type { ArchivedWal, Backup, WalSegmentInfo } from '../../../src/model/catalog.js'
import { chooseBaseBackup } from '../../../src/model/choose-backup.js'
import { parseLsn } from '../../../src/model/lsn.js'
import { parseRecoveryTarget, type RecoveryTarget, type TimelineChoice } from '../../../src/model/recovery-target.js'
import { computeWindows } from '../../../src/model/window.js'
import { refusal } from '../../support/recorded.js'

// A small world: segments of 16 MiB, segment N starts at LSN N/0x1000000 on timeline 1.
const seg = (tli: number, n: number) => `${tli.toString(16).toUpperCase().padStart(8, '0')}00000000${n.toString(16).toUpperCase().padStart(8, '0')}`
const lsn = (n: number, off = 0x28) => `0/${(n * 0x1000000 + off).toString(16).toUpperCase()}`

function backup(id: string, startSeg: number, stopSeg: number, stop: string, tli = 1): Backup {
  return {
    id, tool: 'native', type: 'full', status: 'ok', start: stop, stop, startLsn: lsn(startSeg), stopLsn: lsn(stopSeg, 0x100), timeline: tli,
    walStart: seg(tli, startSeg), walStop: seg(tli, stopSeg), size: 1, storedSize: 1, parent: null, pgVersion: '15', systemId: '1', label: null,
  }
}

function info(name: string, firstCommit: string | null, lastCommit: string | null, extra: Partial<WalSegmentInfo> = {}): WalSegmentInfo {
  return { name, sha256: null, lastRecordLsn: null, firstCommit, lastCommit, commitXids: [], restorePoints: [], ...extra }
}

function wal(infos: WalSegmentInfo[], histories: ArchivedWal['histories'] = new Map()): ArchivedWal {
  return { segments: new Set(infos.map((i) => i.name)), histories, index: new Map(infos.map((i) => [i.name, i])) }
}

const T = (iso: string): RecoveryTarget => parseRecoveryTarget(iso, { zone: 'UTC', now: new Date('2030-01-01T00:00:00Z') })
const latest: TimelineChoice = { kind: 'latest' }

// backups b1 (segments 2) and b2 (segment 5); commits spread over segments 2..7
const b1 = backup('b1', 2, 2, '2026-11-21T10:00:10.000Z')
const b2 = backup('b2', 5, 5, '2026-11-21T10:05:10.000Z')
const segs = [
  info(seg(1, 2), '2026-11-21T10:00:05Z', '2026-11-21T10:00:20Z', { lastRecordLsn: lsn(2, 0x500) }),
  info(seg(1, 3), '2026-11-21T10:01:00Z', '2026-11-21T10:02:00Z', { commitXids: [[740, 760]], lastRecordLsn: lsn(3, 0x500) }),
  info(seg(1, 4), '2026-11-21T10:03:00Z', '2026-11-21T10:04:00Z', { restorePoints: [{ name: 'before_migration', lsn: lsn(4, 0x200), time: '' }], lastRecordLsn: lsn(4, 0x500) }),
  info(seg(1, 5), '2026-11-21T10:05:00Z', '2026-11-21T10:05:30Z', { lastRecordLsn: lsn(5, 0x500) }),
  info(seg(1, 6), '2026-11-21T10:06:00Z', '2026-11-21T10:07:00Z', { commitXids: [[900, 905]], lastRecordLsn: lsn(6, 0x500) }),
  info(seg(1, 7), '2026-11-21T10:08:00Z', '2026-11-21T10:09:00Z', { lastRecordLsn: lsn(7, 0x500) }),
]
const full = wal(segs)


describe('chooseBaseBackup', () => {
  it('takes the newest backup that ended before a time target', () => {
    expect(chooseBaseBackup([b1, b2], full, { target: T('2026-11-21T10:03:00Z'), timeline: latest }).backup.id).toBe('b1')
    expect(chooseBaseBackup([b1, b2], full, { target: T('2026-11-21T10:06:30Z'), timeline: latest }).backup.id).toBe('b2')
  })

  it('refuses a time before the earliest backup ended (PostgreSQL would restore a later state, L1)', () => {
    const e = refusal(() => chooseBaseBackup([b1, b2], full, { target: T('2026-11-21T10:00:05Z'), timeline: latest }))
    expect(e.message).toMatch(/before the start of the recoverable window: the earliest backup, b1, reaches/)
    expect(e.details.join('\n')).toMatch(/recoverable window/)
  })

  it('a stop recorded in whole seconds counts as the end of that second (the backup may end later in it)', () => {
    expect(refusal(() => chooseBaseBackup([b1], full, { target: T('2026-11-21T10:00:10.500Z'), timeline: latest })).message).toMatch(/before the start of the recoverable window: the earliest backup, b1, reaches 2026-11-21T10:00:11.000Z at the earliest \(its recorded end, 2026-11-21T10:00:10.000Z, which may be up to a second later\)/)
    expect(chooseBaseBackup([b1], full, { target: T('2026-11-21T10:00:11.000Z'), timeline: latest }).backup.id).toBe('b1')
    const exact = { ...b1, stop: '2026-11-21T10:00:10.250Z' }
    expect(chooseBaseBackup([exact], full, { target: T('2026-11-21T10:00:10.500Z'), timeline: latest }).backup.id).toBe('b1')
  })

  it('refuses a time after the last archived commit (recovery would run out of WAL, L2)', () => {
    expect(refusal(() => chooseBaseBackup([b1, b2], full, { target: T('2026-11-21T10:09:00Z'), timeline: latest })).message).toMatch(/after the last commit/)
    expect(chooseBaseBackup([b1, b2], full, { target: T('2026-11-21T10:08:59.999Z'), timeline: latest }).backup.id).toBe('b2')
  })

  it('stops at a gap: latest is refused, a point before it is fine, a point after it is refused (L25)', () => {
    const holed = wal(segs.filter((s) => s.name !== seg(1, 6)))
    expect(refusal(() => chooseBaseBackup([b1, b2], holed, { target: { kind: 'latest' }, timeline: latest })).message).toMatch(/gap at 000000010000000000000006/)
    expect(chooseBaseBackup([b1, b2], holed, { target: T('2026-11-21T10:05:20Z'), timeline: latest }).backup.id).toBe('b2')
    expect(refusal(() => chooseBaseBackup([b1, b2], holed, { target: T('2026-11-21T10:08:30Z'), timeline: latest })).message).toMatch(/WAL is missing at 000000010000000000000006/)
  })

  it('lsn targets: newest backup ending at or before it, nothing past the archived end', () => {
    expect(chooseBaseBackup([b1, b2], full, { target: { kind: 'lsn', lsn: parseLsn(lsn(4))! }, timeline: latest }).backup.id).toBe('b1')
    expect(chooseBaseBackup([b1, b2], full, { target: { kind: 'lsn', lsn: parseLsn(lsn(6))! }, timeline: latest }).backup.id).toBe('b2')
    expect(refusal(() => chooseBaseBackup([b1, b2], full, { target: { kind: 'lsn', lsn: parseLsn(lsn(9))! }, timeline: latest })).message).toMatch(/past the end/)
    expect(refusal(() => chooseBaseBackup([b1, b2], full, { target: { kind: 'lsn', lsn: parseLsn('0/10')! }, timeline: latest })).message).toMatch(/before the end/)
  })

  it('xid targets use the commits read from the WAL', () => {
    expect(chooseBaseBackup([b1, b2], full, { target: { kind: 'xid', xid: '750' }, timeline: latest }).backup.id).toBe('b1')
    expect(chooseBaseBackup([b1, b2], full, { target: { kind: 'xid', xid: '903' }, timeline: latest }).backup.id).toBe('b2')
    expect(refusal(() => chooseBaseBackup([b1, b2], full, { target: { kind: 'xid', xid: '5000' }, timeline: latest })).message).toMatch(/no commit/)
  })

  it('name targets: missing or duplicated restore points are refused', () => {
    expect(chooseBaseBackup([b1, b2], full, { target: { kind: 'name', name: 'before_migration' }, timeline: latest }).backup.id).toBe('b1')
    expect(refusal(() => chooseBaseBackup([b1, b2], full, { target: { kind: 'name', name: 'nope' }, timeline: latest })).message).toMatch(/no restore point 'nope'/)
    const twice = wal(segs.map((s) => (s.name === seg(1, 7) ? { ...s, restorePoints: [{ name: 'before_migration', lsn: lsn(7, 0x300), time: '' }] } : s)))
    expect(refusal(() => chooseBaseBackup([b1, b2], twice, { target: { kind: 'name', name: 'before_migration' }, timeline: latest })).message).toMatch(/exists 2 times/)
  })

  it('without commit records read, an xid target starts from the oldest backup and says why', () => {
    const unread: ArchivedWal = { ...full, index: new Map() }
    const c = chooseBaseBackup([b1, b2], unread, { target: { kind: 'xid', xid: '903' }, timeline: latest })
    expect(c.backup.id).toBe('b1')
    expect(c.notes.join(' ')).toMatch(/not been read/)
  })

  it('honours --backup, and refuses one that cannot reach the target', () => {
    expect(chooseBaseBackup([b1, b2], full, { target: T('2026-11-21T10:06:30Z'), timeline: latest, backupId: 'b1' }).backup.id).toBe('b1')
    expect(refusal(() => chooseBaseBackup([b1, b2], full, { target: T('2026-11-21T10:03:00Z'), timeline: latest, backupId: 'b2' })).message).toMatch(/before the start of the recoverable window/)
    expect(refusal(() => chooseBaseBackup([b1, b2], full, { target: T('2026-11-21T10:03:00Z'), timeline: latest, backupId: 'zz' })).message).toMatch(/no backup zz/)
  })

  it('ignores backups that are not usable', () => {
    const bad = { ...b2, status: 'error' as const }
    expect(chooseBaseBackup([b1, bad], full, { target: T('2026-11-21T10:06:30Z'), timeline: latest }).backup.id).toBe('b1')
  })
})

describe('timelines', () => {
  // Timeline 2 branched from 1 at segment 4; b3 was taken on 1 after the branch; b4 on 2.
  const sp = parseLsn(lsn(4, 0x300))!
  const histories = new Map([[2, [{ timeline: 1, switchpoint: sp }]]])
  const b3 = backup('b3', 5, 5, '2026-11-21T10:05:10.000Z', 1)
  const tl2 = [
    info(seg(2, 4), null, '2026-11-21T10:04:30Z', { lastRecordLsn: lsn(4, 0x600) }),
    info(seg(2, 5), '2026-11-21T10:20:00Z', '2026-11-21T10:21:00Z', { lastRecordLsn: lsn(5, 0x600) }),
  ]
  const world = wal([...segs, ...tl2], histories)

  it('latest follows timeline 2 from a backup taken before the branch', () => {
    const c = chooseBaseBackup([b1, b3], world, { target: T('2026-11-21T10:20:30Z'), timeline: latest })
    expect(c.backup.id).toBe('b1')
    expect(c.timeline).toBe(2)
    expect(c.path.map((p) => p.timeline)).toEqual([1, 2])
  })

  it('a backup on timeline 1 after the branch is not on timeline 2 history', () => {
    const e = refusal(() => chooseBaseBackup([b3], world, { target: T('2026-11-21T10:20:30Z'), timeline: latest }))
    expect(e.message).toMatch(/no usable backup lies on the history of timeline 2/)
    expect(chooseBaseBackup([b3], world, { target: T('2026-11-21T10:06:30Z'), timeline: { kind: 'id', id: 1 } }).backup.id).toBe('b3')
  })

  it('a missing history file is a gap in the timeline chain', () => {
    const noHistory = wal([...segs, ...tl2])
    expect(refusal(() => chooseBaseBackup([b1], noHistory, { target: { kind: 'latest' }, timeline: latest })).message).toMatch(/history file of timeline 2/)
  })

  it('windows per timeline, one span per contiguous stretch', () => {
    const w = computeWindows('native', [b1, b3], world)
    expect(w.map((s) => [s.timeline, s.backup, s.to, s.lastSegment])).toEqual([
      [1, 'b1', '2026-11-21T10:09:00Z', seg(1, 7)],
      [2, 'b1', '2026-11-21T10:21:00Z', seg(2, 5)],
    ])
    const holed = wal([...segs.filter((s) => s.name !== seg(1, 3))], new Map())
    const spans = computeWindows('native', [b1, b2], holed)
    expect(spans.map((s) => [s.backup, s.gapAt])).toEqual([
      ['b1', seg(1, 3)],
      ['b2', null],
    ])
  })
})
