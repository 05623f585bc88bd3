import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { formatLsn, lsnFromDecimal, normalizeLsn, parseLsn } from '../../../src/model/lsn.js'
import { parseHistoryFile, timelineAt, timelinePath } from '../../../src/model/timeline.js'
import { parseSegmentHeader, segmentRejection } from '../../../src/model/wal-page.js'
import { parseSegmentName, segmentName, segmentOf, timelineOfWalName, walFileKind } from '../../../src/model/wal-name.js'

const FIX = 'test/fixtures/native/15.20'

describe('LSN', () => {
  it('round-trips PostgreSQL text without losing 64 bits', () => {
    expect(formatLsn(parseLsn('FFFFF000/0000A8D0')!)).toBe('FFFFF000/A8D0')
    expect(parseLsn('FFFFFFFF/FFFFFFFF')).toBe(2n ** 64n - 1n)
    expect(normalizeLsn('0/03000060')).toBe('0/3000060')
    expect(lsnFromDecimal('50331688')).toBe(0x3000028n)
    expect(formatLsn(lsnFromDecimal('18446726481523507408')!)).toBe('FFFFF000/D0')
  })
  it.each(['', '0', '0/', '/0', 'g/0', '123456789/0', '0/0/0'])('refuses %j', (s) => expect(parseLsn(s)).toBeUndefined())
})

describe('WAL file names', () => {
  it('knows the kinds of archive file and nothing else', () => {
    expect(walFileKind('000000010000000000000003')).toBe('segment')
    expect(walFileKind('00000002.history')).toBe('history')
    expect(walFileKind('000000010000000000000005.00000028.backup')).toBe('backup')
    expect(walFileKind('000000010000000000000005.partial')).toBe('partial')
    expect(walFileKind('000000010000000000000005.gz')).toBeUndefined()
    expect(walFileKind('archive_status')).toBeUndefined()
    expect(walFileKind('00000001000000000000000g')).toBeUndefined()
  })
  it('maps names to segment numbers and back across the 4 GiB boundary', () => {
    const id = parseSegmentName('0000000200000001000000FF')!
    expect(id).toEqual({ timeline: 2, segno: 256n + 255n })
    expect(segmentName({ timeline: 2, segno: 512n })).toBe('000000020000000200000000')
    expect(segmentName(segmentOf(parseLsn('0/5000100')!, 1))).toBe('000000010000000000000005')
    expect(timelineOfWalName('0000000A.history')).toBe(10)
  })
})

describe('timeline history (recorded 00000002.history)', () => {
  const history = parseHistoryFile(readFileSync(`${FIX}/segment-header/00000002.history`, 'utf8'))
  it('parses parent and switch point', () => {
    expect(history).toEqual([{ timeline: 1, switchpoint: parseLsn('0/7000278') }])
  })
  it('builds the path and tells which timeline serves a position', () => {
    const path = timelinePath(2, new Map([[2, history]]))
    expect(path.map((s) => s.timeline)).toEqual([1, 2])
    expect(timelineAt(path, parseLsn('0/7000277')!)).toBe(1)
    expect(timelineAt(path, parseLsn('0/7000278')!)).toBe(2)
    expect(() => timelinePath(3, new Map([[2, history]]))).toThrow(/timeline 3/)
  })
  it('refuses a malformed line', () => expect(() => parseHistoryFile('1\tnope\n')).toThrow(/bad timeline history/))
})

describe('segment page header (recorded first 40 bytes)', () => {
  const buf = readFileSync(`${FIX}/segment-header/000000020000000000000008.head`)
  const sysid = /Database system identifier:\s+(\d+)/.exec(readFileSync(`${FIX}/controldata/stdout`, 'utf8'))![1]!
  it('reads timeline, address and the 64-bit system id', () => {
    const h = parseSegmentHeader(buf)!
    expect(h.timeline).toBe(2)
    expect(h.pageAddr).toBe(8n * 16n * 1024n * 1024n)
    expect(h.systemId).toBe(sysid)
    expect(segmentRejection('000000020000000000000008', h, sysid)).toBeUndefined()
  })
  it('rejects a recycled file, another cluster, another timeline', () => {
    const h = parseSegmentHeader(buf)!
    expect(segmentRejection('000000020000000000000009', h, sysid)).toMatch(/recycled/)
    expect(segmentRejection('000000020000000000000008', h, '1')).toMatch(/another cluster/)
    expect(segmentRejection('000000010000000000000008', h, sysid)).toMatch(/timeline 2/)
    // a new timeline's first segment starts with its parent's pages
    expect(segmentRejection('000000030000000000000008', h, sysid)).toBeUndefined()
    expect(segmentRejection('000000020000000000000008', parseSegmentHeader(Buffer.alloc(40)), sysid)).toMatch(/no valid WAL page header/)
  })
})
