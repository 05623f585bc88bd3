import { describe, expect, it } from 'vitest'
import type { ArchivedWal, Backup, Catalog, WalSegmentInfo } from '../../../src/model/catalog.js'
import { parseLsn } from '../../../src/model/lsn.js'
import { metricsExitCode, secondsFromIso, toCatalogMetrics, type ClusterMetrics } from '../../../src/model/metrics.js'
import { missingSegments } from '../../../src/model/wal-gaps.js'

// The same small world as choose-backup.test.ts: segment N starts at N/0x1000000.
const seg = (tli: number, n: number) => `${tli.toString(16).toUpperCase().padStart(8, '0')}00000000${n.toString(16).toUpperCase().padStart(8, '0')}`
const lsn = (n: number, off = 0x28) => `0/${(n * 0x1000000 + off).toString(16).toUpperCase()}`

function backup(id: string, startSeg: number, stopSeg: number, start: string, stop: string, extra: Partial<Backup> = {}): Backup {
  const tli = extra.timeline ?? 1
  return {
    id, tool: 'pgbackrest', type: 'full', status: 'ok', start, stop, startLsn: lsn(startSeg), stopLsn: lsn(stopSeg, 0x100), timeline: tli,
    walStart: seg(tli, startSeg), walStop: seg(tli, stopSeg), size: 23312270, storedSize: 3081958, parent: null, pgVersion: '15', systemId: '1', label: null,
    ...extra,
  }
}

function info(name: string, lastCommit: string | null): WalSegmentInfo {
  return { name, sha256: null, lastRecordLsn: null, firstCommit: lastCommit, lastCommit, commitXids: [], restorePoints: [] }
}

function wal(names: string[], commits: Record<string, string> = {}, histories: ArchivedWal['histories'] = new Map()): ArchivedWal {
  return { segments: new Set(names), histories, index: new Map(names.filter((n) => commits[n]).map((n) => [n, info(n, commits[n]!)])) }
}

const range = (tli: number, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => seg(tli, from + i))

describe('missingSegments: holes between the oldest restorable backup and the newest archived segment', () => {
  const b = backup('b1', 2, 2, '2026-11-21T10:00:00Z', '2026-11-21T10:00:10Z')
  it.each([
    ['contiguous', range(1, 2, 7), []],
    ['one hole', range(1, 2, 7).filter((n) => n !== seg(1, 4)), [seg(1, 4)]],
    ['two holes', range(1, 2, 9).filter((n) => n !== seg(1, 3) && n !== seg(1, 7)), [seg(1, 3), seg(1, 7)]],
    ['before the backup: not in the window', range(1, 2, 5), []],
    ["the backup's own first segment", range(1, 3, 5), [seg(1, 2)]],
  ])('%s', (_name, names, expected) => {
    expect(missingSegments([b], wal(names))).toEqual(expected)
  })

  it('counts nothing without a restorable backup', () => {
    expect(missingSegments([{ ...b, status: 'error' }], wal([seg(1, 2), seg(1, 5)]))).toEqual([])
  })

  it('follows the timeline path: timeline 1 up to the switch, timeline 2 after it, each hole once', () => {
    // timeline 2 branched in segment 5; the archive holds 1:2..5 and 2:5..8 without 2:7
    const histories = new Map([[2, [{ timeline: 1, switchpoint: parseLsn(lsn(5, 0x300))! }]]])
    const names = [...range(1, 2, 5), seg(2, 5), seg(2, 6), seg(2, 8)]
    expect(missingSegments([b], wal(names, {}, histories))).toEqual([seg(2, 7)])
    // timeline 1 went on after the branch (the original kept running) with a hole of its own
    const both = [...names, seg(1, 7)]
    expect(missingSegments([b], wal(both, {}, histories))).toEqual([seg(1, 6), seg(2, 7)])
  })
})

describe('toCatalogMetrics', () => {
  const catalog = (backups: Backup[], w: ArchivedWal): Catalog => ({ tool: 'pgbackrest', backups, wal: w })
  const f1 = backup('20261121-100000F', 2, 2, '2026-11-21T10:00:00.000Z', '2026-11-21T10:00:10.500Z')
  const i1 = backup('20261121-100000F_20261121-100500I', 5, 5, '2026-11-21T10:05:00.000Z', '2026-11-21T10:05:03.000Z', { type: 'incr', storedSize: null, size: 1234 })
  const f0 = backup('20261121-090000F', 1, 1, '2026-11-21T09:00:00.000Z', '2026-11-21T09:00:30.000Z')
  const bad = backup('20261121-110000F', 8, 8, '2026-11-21T11:00:00.000Z', '2026-11-21T11:00:05.000Z', { status: 'error' })
  const run = backup('20261121-120000F', 9, 9, '2026-11-21T12:00:00.000Z', null as unknown as string, { status: 'running', stop: null, stopLsn: null })
  const w = wal(range(1, 1, 7), { [seg(1, 7)]: '2026-11-21T10:09:00.123456Z' })
  const m = toCatalogMetrics(catalog([f0, f1, i1, bad, run], w))

  it('counts backups by every status, zero included', () => {
    expect(m.backups).toEqual({ ok: 3, error: 1, running: 1, unverified: 0 })
  })

  it('reports the newest ok backup per type: end, duration, stored size (else size)', () => {
    expect(m.lastSuccess).toEqual([
      { type: 'full', id: f1.id, endSeconds: Date.parse(f1.stop!) / 1000, durationSeconds: 10.5, sizeBytes: 3081958 },
      { type: 'incr', id: i1.id, endSeconds: Date.parse(i1.stop!) / 1000, durationSeconds: 3, sizeBytes: 1234 },
    ])
  })

  it('a duration is exact to the microsecond, without float noise', () => {
    const b = backup('x', 2, 2, '2026-11-21T10:00:04.354Z', '2026-11-21T10:00:17.345Z')
    expect(toCatalogMetrics(catalog([b], wal(range(1, 2, 2)))).lastSuccess[0]!.durationSeconds).toBe(12.991)
  })

  it('gives the window per timeline from the earliest backup end to the last archived commit, microseconds kept', () => {
    // the window starts at f0's whole-second stop taken as the end of that second (no commit times in this WAL: model/consistent-point.ts)
    expect(m.windows).toEqual([{ timeline: 1, startSeconds: Date.parse(f0.stop!) / 1000 + 1, endSeconds: secondsFromIso('2026-11-21T10:09:00.123456Z') }])
    expect(m.windows[0]!.endSeconds).toBeCloseTo(Date.parse('2026-11-21T10:09:00.123Z') / 1000 + 0.000456, 6)
    expect(m.gapSegments).toBe(0)
  })

  it('merges the spans around a gap into one window and counts the gap', () => {
    const holed = wal(range(1, 1, 7).filter((n) => n !== seg(1, 3)), { [seg(1, 7)]: '2026-11-21T10:09:00Z' })
    const h = toCatalogMetrics(catalog([f0, f1, i1], holed))
    expect(h.windows).toEqual([{ timeline: 1, startSeconds: Date.parse(f0.stop!) / 1000 + 1, endSeconds: Date.parse('2026-11-21T10:09:00Z') / 1000 }])
    expect(h.gapSegments).toBe(1)
    expect(h.missingSegments).toEqual([seg(1, 3)])
  })

  it('an empty catalog has counts and nothing else', () => {
    expect(toCatalogMetrics(catalog([], wal([])))).toEqual({ backups: { ok: 0, error: 0, running: 0, unverified: 0 }, lastSuccess: [], windows: [], gapSegments: 0, missingSegments: [] })
  })
})

describe('metricsExitCode', () => {
  const cluster = (problems: ClusterMetrics['problems']): ClusterMetrics => ({ cluster: 'c', primaryTool: 'native', archiver: null, pendingSegments: null, tools: [], problems })
  it('is 0 when everything was read, else the worst code of every cluster', () => {
    expect(metricsExitCode({ clusters: [cluster([]), cluster([])] })).toBe(0)
    expect(metricsExitCode({ clusters: [cluster([]), cluster([{ part: 'archiver', tool: null, message: 'down', exitCode: 1 }])] })).toBe(1)
    expect(
      metricsExitCode({
        clusters: [cluster([{ part: 'context', tool: null, message: 'no pg_ctl', exitCode: 6 }]), cluster([{ part: 'catalog', tool: 'native', message: 'x', exitCode: 1 }])],
      }),
    ).toBe(6)
  })
})
