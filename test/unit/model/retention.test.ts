import { describe, expect, it } from 'vitest'
import type { ArchivedWal, Backup, BackupType, Catalog, WalSegmentInfo } from '../../../src/model/catalog.js'
import { checkExpired, coversPromise, decideRetention, pinKey, type DeleteScope, type RetentionInput } from '../../../src/model/retention.js'
import type { HistoryEntry } from '../../../src/model/timeline.js'
import type { ToolId } from '../../../src/model/tool-id.js'
import type { WindowSpan } from '../../../src/model/window.js'

// A small world: segment N (16 MiB) on timeline T starts at LSN N/0x1000000; segment N holds
// commits up to hour N after T0. A backup at segment N starts and stops inside it, at N h − 30 min.
const T0 = Date.parse('2026-11-01T00:00:00Z')
const at = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString()
const seg = (tli: number, n: number) => `${tli.toString(16).toUpperCase().padStart(8, '0')}00000000${n.toString(16).toUpperCase().padStart(8, '0')}`
const lsn = (n: number, off = 0x28) => `0/${(n * 0x1000000 + off).toString(16).toUpperCase()}`

interface B {
  readonly type?: BackupType
  readonly parent?: string
  readonly status?: Backup['status']
  readonly tli?: number
  readonly tool?: ToolId
}

function backup(id: string, n: number, o: B = {}): Backup {
  const tli = o.tli ?? 1
  return {
    id, tool: o.tool ?? 'pgbackrest', type: o.type ?? 'full', status: o.status ?? 'ok', start: at(n - 0.6), stop: at(n - 0.5),
    startLsn: lsn(n), stopLsn: lsn(n, 0x100), timeline: tli, walStart: seg(tli, n), walStop: seg(tli, n),
    size: 1, storedSize: 1, parent: o.parent ?? null, pgVersion: '15', systemId: '1', label: null,
  }
}

function info(name: string, n: number): WalSegmentInfo {
  return { name, sha256: null, lastRecordLsn: lsn(n, 0x500), firstCommit: at(n - 0.9), lastCommit: at(n), commitXids: [], restorePoints: [] }
}

/** segments [from, to] of each timeline */
function wal(ranges: readonly (readonly [tli: number, from: number, to: number])[], histories: [number, HistoryEntry[]][] = []): ArchivedWal {
  const infos = ranges.flatMap(([tli, from, to]) => Array.from({ length: to - from + 1 }, (_, i) => info(seg(tli, from + i), from + i)))
  return { segments: new Set(infos.map((i) => i.name)), histories: new Map(histories), index: new Map(infos.map((i) => [i.name, i])) }
}

const catalog = (backups: Backup[], w: ArchivedWal, tool: ToolId = backups[0]?.tool ?? 'pgbackrest'): Catalog => ({ tool, backups, wal: w })

function decide(catalogs: Catalog[], settings: Partial<RetentionInput['settings']>, o: { now?: number; pins?: string[]; scope?: Partial<Record<ToolId, DeleteScope>> } = {}) {
  return decideRetention({
    catalogs,
    settings: { full: undefined, diff: undefined, windowMs: undefined, windowText: undefined, ...settings },
    pins: new Set(o.pins ?? []),
    now: new Date(T0 + (o.now ?? 100) * 3_600_000),
    deleteScope: o.scope ?? {},
  })
}

const ids = (vs: readonly { id: string }[]) => vs.map((v) => v.id)
const hours = (h: number) => ({ windowMs: h * 3_600_000, windowText: `${h}h` })

describe('retention: counts and dependencies', () => {
  // F1 D1 D2 F2 D3 I1(D3) I2(I1) D4 F3, all on timeline 1, WAL 1..40
  const chain = [
    backup('F1', 2),
    backup('D1', 4, { type: 'diff', parent: 'F1' }),
    backup('D2', 6, { type: 'diff', parent: 'F1' }),
    backup('F2', 10),
    backup('D3', 12, { type: 'diff', parent: 'F2' }),
    backup('I1', 14, { type: 'incr', parent: 'D3' }),
    backup('I2', 16, { type: 'incr', parent: 'I1' }),
    backup('D4', 18, { type: 'diff', parent: 'F2' }),
    backup('F3', 20),
  ]
  const cat = catalog(chain, wal([[1, 1, 40]]))

  it.each([
    ['retention-full = 2: the oldest full goes with its diffs', { full: 2 }, ['F1', 'D1', 'D2']],
    ['retention-full = 1: everything before the newest full goes', { full: 1 }, ['F1', 'D1', 'D2', 'F2', 'D3', 'I1', 'I2', 'D4']],
    ['retention-full = 3: nothing goes', { full: 3 }, []],
    ['retention-full = 9: nothing goes', { full: 9 }, []],
    ['retention-full = 2, retention-diff = 1: older diffs go with their incrs', { full: 2, diff: 1 }, ['F1', 'D1', 'D2', 'D3', 'I1', 'I2']],
    ['retention-full = 3, retention-diff = 2: diffs of kept fulls go too', { full: 3, diff: 2 }, ['D1', 'D2']],
    ['retention-diff alone: every full stays, old diffs go', { diff: 1 }, ['D1', 'D2', 'D3', 'I1', 'I2']],
  ] as const)('%s', (_name, settings, expected) => {
    const d = decide([cat], settings)
    expect(ids(d.delete)).toEqual(expected)
    expect(ids(d.keep)).toEqual(ids(chain).filter((x) => !(expected as readonly string[]).includes(x)))
  })

  it('keeps the newest full even when nothing else says so, and explains every verdict', () => {
    const d = decide([cat], hours(1))
    expect(ids(d.keep)).toContain('F3')
    expect(d.keep.find((k) => k.id === 'F3')!.reason).toMatch(/newest full/)
    expect(d.delete.find((k) => k.id === 'D1')!.reason).toBe('depends on F1, which expires')
    for (const v of [...d.delete, ...d.keep]) expect(v.reason).not.toBe('')
  })

  it('a pinned incr keeps its whole parent chain; a pinned full keeps its place', () => {
    const d = decide([cat], { full: 1 }, { pins: [pinKey('pgbackrest', 'I1')] })
    // F2 stays (D3, I1's parent, depends on it), so what goes with F2 stays too: D4 and I2
    expect(ids(d.delete)).toEqual(['F1', 'D1', 'D2'])
    expect(d.keep.find((k) => k.id === 'I1')!.reason).toBe('pinned with pitrctl keep')
    expect(d.keep.find((k) => k.id === 'D3')!.reason).toBe('I1 depends on it')
    expect(d.keep.find((k) => k.id === 'F2')!.reason).toBe('D3 depends on it')
    const pinnedFull = decide([cat], { full: 1 }, { pins: [pinKey('pgbackrest', 'F1')] })
    expect(ids(pinnedFull.delete)).toEqual(['F2', 'D3', 'I1', 'I2', 'D4'])
  })

  it('a pin of another tool with the same id does not count', () => {
    expect(ids(decide([cat], { full: 2 }, { pins: [pinKey('native', 'F1')] }).delete)).toEqual(['F1', 'D1', 'D2'])
  })
})

describe('retention: statuses', () => {
  it('running and unverified backups never go; failed ones go once older than the newest good full', () => {
    const bs = [
      backup('E0', 1, { status: 'error' }),
      backup('F1', 2),
      backup('U1', 4, { status: 'unverified' }),
      backup('F2', 6),
      backup('E1', 8, { status: 'error' }),
      backup('F3', 10),
      backup('E2', 12, { status: 'error' }),
      backup('R1', 14, { status: 'running' }),
    ]
    const d = decide([catalog(bs, wal([[1, 1, 20]]))], { full: 1 })
    expect(ids(d.delete)).toEqual(['E0', 'F1', 'F2', 'E1'])
    const why = new Map(d.keep.map((k) => [k.id, k.reason]))
    expect(why.get('U1')).toMatch(/not verified yet/)
    expect(why.get('R1')).toMatch(/running/)
    expect(why.get('E2')).toMatch(/kept for inspection/)
  })

  it('only ok fulls count: a failed newest full does not make an older good one go', () => {
    const bs = [backup('F1', 2), backup('F2', 6), backup('F3', 10, { status: 'error' })]
    const d = decide([catalog(bs, wal([[1, 1, 20]]))], { full: 1 })
    expect(ids(d.delete)).toEqual(['F1'])
    expect(ids(d.keep)).toEqual(['F2', 'F3'])
  })

  it('no good full at all: nothing of that tool goes', () => {
    const bs = [backup('E1', 2, { status: 'error' }), backup('R1', 4, { status: 'running' })]
    const d = decide([catalog(bs, wal([[1, 1, 10]]))], { full: 1 })
    expect(d.delete).toEqual([])
    expect(d.tools[0]!.wal).toEqual([])
  })
})

describe('retention: the window', () => {
  // fulls at hours 2, 26, 50, 74; WAL to hour 100 (= now)
  const bs = [backup('F1', 2), backup('F2', 26), backup('F3', 50), backup('F4', 74)]
  const cat = catalog(bs, wal([[1, 1, 100]]))

  it.each([
    ['10h: only the newest full is needed', 10, ['F1', 'F2', 'F3']],
    ['26h: F4 (ends 73.5h) covers from now − 26h = 74h', 26, ['F1', 'F2', 'F3']],
    ['30h: only F3 covers 70h … 73.5h', 30, ['F1', 'F2']],
    ['50h: F3 (ends 49.5h) covers from 50h', 50, ['F1', 'F2']],
    ['51h: only F2 covers 49h … 49.5h', 51, ['F1']],
    ['1000h: F1 is needed, and every newer full stays with it', 1000, []],
  ] as const)('window %s', (_n, h, expected) => {
    const d = decide([cat], hours(h))
    expect(ids(d.delete)).toEqual(expected)
    const promised = Date.parse(d.promisedFrom!)
    // the window's start moved forward, never past now − window (F1's whole-second stop, with no
    // commit times in this WAL, counts as the end of that second: model/consistent-point.ts)
    const after = d.tools[0]!.windowAfter
    expect(Math.min(...after.map((s) => Date.parse(s.from)))).toBeLessThanOrEqual(Math.max(promised, T0 + 1.5 * 3_600_000 + 1000))
    expect(after.at(-1)!.to).toBe(at(100))
  })

  it('retention-full keeps more than the window needs, the window more than retention-full', () => {
    expect(ids(decide([cat], { full: 3, ...hours(10) }).delete)).toEqual(['F1'])
    expect(ids(decide([cat], { full: 1, ...hours(51) }).delete)).toEqual(['F1'])
    expect(decide([cat], hours(1000)).keep.map((k) => k.reason)).toEqual([
      'needed to restore to points of the last 1000h (retention-window)',
      'newer than F1, which the retention-window needs',
      'newer than F1, which the retention-window needs',
      'the newest full backup (at least one always stays)',
    ])
  })

  it('a gap in the WAL: the backup after it is needed, the one before it is not', () => {
    // WAL 1..30 and 40..100: F2's span ends at hour 30; F3 (50) restarts coverage
    const gappy = catalog([backup('F1', 2), backup('F2', 26), backup('F2b', 42), backup('F3', 50)], wal([[1, 1, 30], [1, 40, 100]]))
    const d = decide([gappy], hours(74))
    // promised from hour 26: F1 is not needed (F2 covers 25.5 … 30), F2 is (only it reaches 26 … 30 without F1)
    expect(ids(d.delete)).toEqual(['F1'])
    expect(d.keep.find((k) => k.id === 'F2')!.reason).toMatch(/retention-window/)
  })

  it('a diff inside the window whose full stays goes with retention-diff: the WAL still covers it', () => {
    const withDiffs = catalog([backup('F1', 2), backup('D1', 10, { type: 'diff', parent: 'F1' }), backup('D2', 20, { type: 'diff', parent: 'F1' })], wal([[1, 1, 30]]))
    expect(ids(decide([withDiffs], { diff: 1, ...hours(25) }).delete)).toEqual(['D1'])
  })
})

describe('retention: timelines', () => {
  // TL1: F1 at 2, F2 at 5, WAL 1..12; TL2 branches from TL1 at segment 8 (a restore to hour ~8),
  // F3 on TL2 at 10, WAL of TL2 8..20. now = hour 20.
  const branch = lsn(8, 0x1000)
  const w = wal([[1, 1, 12], [2, 8, 20]], [[2, [{ timeline: 1, switchpoint: BigInt(8 * 0x1000000 + 0x1000) }]]])
  const bs = [backup('F1', 2), backup('F2', 5), backup('F3', 10, { tli: 2 })]
  const cat = catalog(bs, w)

  it('retention-full = 1: the old timeline backups go, its whole WAL too (nothing left reads it), and WAL below the new full', () => {
    const d = decide([cat], { full: 1 }, { now: 20 })
    expect(ids(d.delete)).toEqual(['F1', 'F2'])
    const cuts = d.tools[0]!.wal
    expect(cuts.map((c) => [c.timeline, c.before, c.segments.length])).toEqual([
      [1, null, 12], // 1..12, also 10..12 after the branch: no remaining backup is on timeline 1
      [2, seg(2, 10), 2], // 8, 9
    ])
    expect(branch).toBeTruthy()
  })

  it('a window reaching back onto timeline 1 keeps the backup it starts from, and all its WAL', () => {
    // now = 20, window 15h: promised from hour 5 → F1 (ends 1.5) no longer needed, F2 (ends 4.5) is, on both timelines
    const d = decide([cat], hours(15), { now: 20 })
    expect(ids(d.delete)).toEqual(['F1'])
    const cuts = d.tools[0]!.wal
    expect(cuts).toEqual([{ tool: 'pgbackrest', timeline: 1, before: seg(1, 5), segments: [seg(1, 1), seg(1, 2), seg(1, 3), seg(1, 4)] }])
    // timeline 1 (to hour 12) and timeline 2 both still start at F2
    expect(d.tools[0]!.windowAfter.map((s) => [s.timeline, s.backup])).toEqual([[1, 'F2'], [2, 'F2']])
    // one hour more and F1 is needed: nothing goes
    expect(decide([cat], hours(19), { now: 20 }).delete).toEqual([])
  })
})

describe('retention: migration (each tool judged alone)', () => {
  // the old tool (pgbackrest) has fulls at 2 and 10; the new one (native) only one, at 30
  const old = catalog([backup('P1', 2), backup('P2', 10)], wal([[1, 1, 40]]))
  const fresh = catalog([backup('N1', 30, { tool: 'native' })], wal([[1, 25, 40]]), 'native')

  it('retention-full = 1 applies to each tool: the old tool keeps its newest full', () => {
    const d = decide([old, fresh], { full: 1 }, { now: 40 })
    expect(d.delete).toEqual([{ id: 'P1', tool: 'pgbackrest', reason: 'older than the newest 1 full backups' }])
    expect(ids(d.keep)).toEqual(['P2', 'N1'])
  })

  it('the window: the old tool keeps what only it can restore, whatever the new tool has', () => {
    // promised from hour 5: only pgbackrest reaches 5 … 29.5, and only from P1
    const d = decide([old, fresh], hours(35), { now: 40 })
    expect(d.delete).toEqual([])
    expect(d.keep.find((k) => k.id === 'P1')!.reason).toMatch(/retention-window/)
    // promised from hour 15: P2 covers it, P1 goes; the combined window still starts before 15
    const later = decide([old, fresh], hours(25), { now: 40 })
    expect(ids(later.delete)).toEqual(['P1'])
    const starts = later.tools.flatMap((t) => t.windowAfter.map((s) => Date.parse(s.from)))
    expect(Math.min(...starts)).toBeLessThanOrEqual(T0 + 15 * 3_600_000)
  })
})

describe('retention: tools that delete by date only (pg_rman)', () => {
  const rman = (id: string, n: number, o: B = {}) => backup(id, n, { tool: 'pg_rman', ...o })
  it('what would go after a backup that stays, stays', () => {
    const bs = [rman('A', 2), rman('B', 4), rman('C', 6), rman('D', 8)]
    const cat = catalog(bs, wal([[1, 1, 10]]), 'pg_rman')
    const scope = { pg_rman: 'oldest-first' as const }
    expect(ids(decide([cat], { full: 2 }, { scope }).delete)).toEqual(['A', 'B'])
    const pinned = decide([cat], { full: 1 }, { scope, pins: [pinKey('pg_rman', 'B')] })
    expect(ids(pinned.delete)).toEqual(['A'])
    expect(pinned.keep.find((k) => k.id === 'C')!.reason).toMatch(/older than a date, and the older B stays/)
    // without the restriction C would go
    expect(ids(decide([cat], { full: 1 }, { pins: [pinKey('pg_rman', 'B')] }).delete)).toEqual(['A', 'C'])
  })

  it('an incr kept by the restriction keeps its parent, which shortens the run', () => {
    const bs = [rman('A', 2), rman('B', 4, { type: 'incr', parent: 'A' }), rman('P', 5), rman('C', 6, { type: 'incr', parent: 'B' }), rman('D', 8)]
    // pin P: A, B, C would go (A's chain), P stays: C stays, so B and A stay too
    const d = decide([catalog(bs, wal([[1, 1, 10]]), 'pg_rman')], { full: 1 }, { scope: { pg_rman: 'oldest-first' }, pins: [pinKey('pg_rman', 'P')] })
    expect(d.delete).toEqual([])
  })
})

describe('retention: WAL', () => {
  it('nothing at or after the oldest remaining start goes; history files are not segments', () => {
    const bs = [backup('F1', 3), backup('F2', 7)]
    const d = decide([catalog(bs, wal([[1, 1, 10]]))], { full: 1 })
    expect(d.tools[0]!.wal).toEqual([{ tool: 'pgbackrest', timeline: 1, before: seg(1, 7), segments: [1, 2, 3, 4, 5, 6].map((n) => seg(1, n)) }])
  })

  it('when nothing is deleted, WAL before the oldest backup may still go', () => {
    const d = decide([catalog([backup('F1', 3)], wal([[1, 1, 10]]))], { full: 4 })
    expect(d.delete).toEqual([])
    expect(d.tools[0]!.wal[0]!.segments).toEqual([seg(1, 1), seg(1, 2)])
  })
})

describe('coversPromise', () => {
  const span = (timeline: number, from: number, to: number): WindowSpan => ({ tool: 'native', timeline, from: at(from), to: at(to), backup: 'x', fromLsn: '0/1', toLsn: null, lastSegment: 's', gapAt: null })
  const p = (h: number) => BigInt(T0 + h * 3_600_000) * 1000n
  it.each([
    ['same spans', [span(1, 1, 10)], [span(1, 1, 10)], 0, true],
    ['start moved forward before the promise', [span(1, 1, 10)], [span(1, 4, 10)], 5, true],
    ['start moved past the promise', [span(1, 1, 10)], [span(1, 6, 10)], 5, false],
    ['covered by two spans that touch', [span(1, 1, 10)], [span(1, 1, 5), span(1, 5, 10)], 0, true],
    ['a hole between two spans', [span(1, 1, 10)], [span(1, 1, 5), span(1, 6, 10)], 0, false],
    ['another timeline does not count', [span(1, 1, 10)], [span(2, 1, 10)], 0, false],
    ['a span entirely before the promise may go', [span(1, 1, 3), span(2, 4, 10)], [span(2, 4, 10)], 4, true],
  ] as const)('%s', (_n, before, after, from, ok) => {
    expect(coversPromise(before, after, p(from))).toBe(ok)
  })
})

describe('checkExpired: the catalog read back must be what was decided', () => {
  const bs = [backup('F1', 2), backup('F2', 6), backup('F3', 10)]
  const w = wal([[1, 1, 20]])
  const d = decide([catalog(bs, w)], { full: 2 }).tools[0]!
  const cut = (from: number) => wal([[1, from, 20]])
  it.each([
    ['exactly what was decided (and WAL below the cut gone)', [bs[1]!, bs[2]!], cut(6), []],
    ['the deleted backup is still there', bs, w, ['backup F1 is still in the catalog']],
    ['a kept backup is gone too', [bs[2]!], cut(6), ['backup F2 was to stay, and is gone', /timeline 1 was to stay restorable from .* \(backup F2\)/]],
    ['the tool removed WAL a kept backup needs (pgBackRest #748)', [bs[1]!, bs[2]!], cut(8), [/timeline 1 was to stay restorable/]],
    ['the tool removed all WAL (WAL-G #230)', [bs[1]!, bs[2]!], wal([]), [/timeline 1 was to stay restorable/]],
  ] as const)('%s', (_n, left, leftWal, problems) => {
    const got = checkExpired(d, catalog([...left], leftWal))
    expect(got).toHaveLength(problems.length)
    problems.forEach((p, i) => (typeof p === 'string' ? expect(got[i]).toBe(p) : expect(got[i]).toMatch(p)))
  })
})
