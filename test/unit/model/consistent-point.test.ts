import { describe, expect, it } from 'vitest'
import { UnreachableTargetError } from '../../../src/errors.js'
import type { ArchivedWal, Backup, WalSegmentInfo } from '../../../src/model/catalog.js'
import { chooseBaseBackup } from '../../../src/model/choose-backup.js'
import { consistentInstant } from '../../../src/model/consistent-point.js'
import { parseRecoveryTarget } from '../../../src/model/recovery-target.js'
import { isoFromMicros, microsFromIso, pgUtcFromMicros } from '../../../src/model/time.js'
import type { ToolId } from '../../../src/model/tool-id.js'
import { computeWindows, describeSpan } from '../../../src/model/window.js'
import { toWindowJson } from '../../../src/services/list.js'

const seg = (n: number) => `00000001000000000000000${n.toString(16).toUpperCase()}`
const lsn = (n: number, off: number) => `0/${(n * 0x1000000 + off).toString(16).toUpperCase()}`
const path = [{ timeline: 1, begin: 0n, end: undefined }]

/**
 * How each tool's catalog records a backup's end (the adapters' read tests hold the recorded
 * values): pgBackRest `timestamp.stop` and pg_rman's `RECOVERY_TIME` are whole seconds, as is
 * the native backup history file's `STOP TIME`; Barman's `end_time` and WAL-G's `finish_time`
 * keep a fraction.
 */
const STOP_SHAPES: Record<ToolId, string> = {
  pgbackrest: '2026-12-01T21:16:17.000Z',
  pg_rman: '2026-12-01T21:16:17.000Z',
  native: '2026-12-01T21:16:17.000Z',
  barman: '2026-12-01T21:16:17.150Z',
  walg: '2026-12-01T21:16:17.340Z',
}

function backupOf(tool: ToolId, stop: string): Backup {
  // started in segment 4, BACKUP_END at 0/5000200 (40 bytes with alignment), so it stops at 0/5000228
  return {
    id: `${tool}-b1`, tool, type: 'full', status: 'ok', start: '2026-12-01T21:16:10.000Z', stop, startLsn: lsn(4, 0x28), stopLsn: lsn(5, 0x228), timeline: 1,
    walStart: seg(4), walStop: seg(5), size: 1, storedSize: 1, parent: null, pgVersion: '15', systemId: '1', label: null,
  }
}

function info(n: number, lastXact: string | null, extra: Partial<WalSegmentInfo> = {}): WalSegmentInfo {
  return {
    name: seg(n), sha256: null, lastRecordLsn: lsn(n, 0x900), firstCommit: lastXact, lastCommit: lastXact, commitXids: [], restorePoints: [],
    format: 2, lastXact, backupEnds: [], nextFullXid: null, ...extra,
  }
}

const wal = (infos: WalSegmentInfo[]): ArchivedWal => ({ segments: new Set(infos.map((i) => i.name)), histories: new Map(), index: new Map(infos.map((i) => [i.name, i])) })
const target = (us: bigint) => parseRecoveryTarget(pgUtcFromMicros(us), { zone: 'UTC', now: new Date('2030-01-01T00:00:00Z') })

/**
 * The archive around the backup: what the index says of the transaction ends before its stop LSN.
 * `lastXactBefore` null: none in the stop segment before BACKUP_END, so the segments before count.
 */
function world(stopSegment: { lastXactBefore: string | null } | 'not-read', before: string | null = '2026-12-01T21:15:00.123456Z'): ArchivedWal {
  const after = info(6, '2026-12-01T22:00:00.000000Z')
  const stop =
    stopSegment === 'not-read'
      ? info(5, '2026-12-01T21:16:17.900000Z', { format: undefined, lastXact: undefined, backupEnds: undefined })
      : info(5, '2026-12-01T21:16:40.000000Z', { backupEnds: [{ startLsn: lsn(4, 0x28), lsn: lsn(5, 0x200), endLsn: lsn(5, 0x228), lastXactBefore: stopSegment.lastXactBefore }] })
  return wal([info(3, before), info(4, null), stop, after])
}

function decide(b: Backup, w: ArchivedWal, at: bigint, inclusive = true): 'restored' | 'refused' {
  try {
    chooseBaseBackup([b], w, { target: target(at), timeline: { kind: 'latest' }, inclusive })
    return 'restored'
  } catch (e) {
    if (e instanceof UnreachableTargetError) return 'refused'
    throw e
  }
}

const CASES = [
  ['the last commit before the end, in the stop segment, after the rounded stop time', { lastXactBefore: '2026-12-01T21:16:17.300123Z' }, '2026-12-01T21:16:17.301Z'],
  ['the last commit before the end, in the stop segment', { lastXactBefore: '2026-12-01T21:16:16.999001Z' }, '2026-12-01T21:16:17.000Z'],
  ['no commit in the stop segment: the one before counts', { lastXactBefore: null }, '2026-12-01T21:15:00.124Z'],
] as const

describe('the earliest instant a time target can name (the window start), for every tool', () => {
  for (const [tool, stop] of Object.entries(STOP_SHAPES) as [ToolId, string][]) {
    const b = backupOf(tool, stop)

    it.each(CASES)(`${tool}: %s`, (_what, stopSegment, expected) => {
      const w = world(stopSegment)
      const span = computeWindows(tool, [b], w)[0]!
      expect(toWindowJson(span).from).toBe(expected)
      expect(consistentInstant(b, path, w)).toMatchObject({ iso: expected, source: 'wal' })
    })

    it(`${tool}: a target inside the printed window is never refused, one before it always is`, () => {
      for (const stopSegment of [...CASES.map((c) => c[1]), 'not-read' as const]) {
        const w = world(stopSegment)
        const span = computeWindows(tool, [b], w)[0]!
        const from = microsFromIso(toWindowJson(span).from)
        // the refusal prints the same window
        let details = ''
        try {
          chooseBaseBackup([b], w, { target: target(from - 1n), timeline: { kind: 'latest' } })
        } catch (e) {
          details = (e as UnreachableTargetError).details.join('\n')
        }
        expect(details).toContain(describeSpan(span))
        expect(describeSpan(span)).toContain(toWindowJson(span).from)
        for (const d of [-1_000_000n, -1000n, -1n]) expect(decide(b, w, from + d), `${isoFromMicros(from + d)} ${JSON.stringify(stopSegment)}`).toBe('refused')
        for (const d of [0n, 1n, 500_000n, 950_000n, 3_000_000n]) expect(decide(b, w, from + d), `${pgUtcFromMicros(from + d)} ${JSON.stringify(stopSegment)}`).toBe('restored')
        // exclusive stops before a commit at exactly the target: the window's first instant is out of reach then
        expect(decide(b, w, from, false)).toBe('refused')
        expect(decide(b, w, from + 1000n, false)).toBe('restored')
      }
    })
  }

  it('pg_rman: a target 0.95 s after the printed whole-second end is restored when the WAL says the backup was consistent by then', () => {
    const b = backupOf('pg_rman', '2026-12-01T21:16:17.000Z')
    expect(decide(b, world({ lastXactBefore: '2026-12-01T21:16:16.999001Z' }), microsFromIso('2026-12-01T21:16:17.950Z'))).toBe('restored')
  })

  it('walks back into segments the archive no longer holds (Barman keeps none before its first backup)', () => {
    const w = world({ lastXactBefore: null })
    const pruned = { ...w, segments: new Set([...w.segments].filter((n) => n !== seg(3))) }
    expect(consistentInstant(backupOf('barman', STOP_SHAPES.barman), path, pruned)).toMatchObject({ iso: '2026-12-01T21:15:00.124Z', source: 'wal' })
    // the stop segment itself must be archived: without it the backup is not consistent at all
    const noStop = { ...w, segments: new Set([...w.segments].filter((n) => n !== seg(5))) }
    expect(consistentInstant(backupOf('barman', STOP_SHAPES.barman), path, noStop).source).toBe('stop-time')
  })

  it('without the WAL read, the recorded end counts, a whole-second one as the end of its second', () => {
    expect(consistentInstant(backupOf('pg_rman', '2026-12-01T21:16:17.000Z'), path, world('not-read'))).toMatchObject({ iso: '2026-12-01T21:16:18.000Z', source: 'stop-time' })
    expect(consistentInstant(backupOf('walg', '2026-12-01T21:16:17.340Z'), path, world('not-read'))).toMatchObject({ iso: '2026-12-01T21:16:17.340Z', source: 'stop-time' })
    // a BACKUP_END of another backup (another start) says nothing about this one
    const other = wal([info(3, '2026-12-01T21:15:00Z'), info(4, null), info(5, null, { backupEnds: [{ startLsn: lsn(3, 0x28), lsn: lsn(5, 0x200), endLsn: lsn(5, 0x228), lastXactBefore: null }] })])
    expect(consistentInstant(backupOf('pgbackrest', '2026-12-01T21:16:17.000Z'), path, other).source).toBe('stop-time')
    // walking back into a segment an older pitrctl indexed (no abort times) stops there
    const old = world({ lastXactBefore: null })
    const oldBefore = { ...old.index.get(seg(4))!, lastXact: undefined }
    expect(consistentInstant(backupOf('native', '2026-12-01T21:16:17.000Z'), path, { ...old, index: new Map([...old.index, [seg(4), oldBefore]]) }).source).toBe('stop-time')
  })
})
