/**
 * The long page header at the start of every WAL segment (PostgreSQL's XLogLongPageHeaderData):
 * magic, timeline, the page's own address and the system identifier. Reading it tells whether a
 * file left in an old pg_wal really is the segment its name says, of the same cluster — recycled
 * segments keep old contents under a new name.
 */
import { DEFAULT_SEGMENT_BYTES, parseSegmentName } from './wal-name.js'

export interface SegmentHeader {
  readonly magic: number
  readonly timeline: number
  readonly pageAddr: bigint
  readonly systemId: string
  readonly segmentBytes: number
}

const XLP_LONG_HEADER = 0x0002

export function parseSegmentHeader(buf: Buffer): SegmentHeader | undefined {
  if (buf.length < 40) return undefined
  const info = buf.readUInt16LE(2)
  if ((info & XLP_LONG_HEADER) === 0) return undefined
  return {
    magic: buf.readUInt16LE(0),
    timeline: buf.readUInt32LE(4),
    pageAddr: buf.readBigUInt64LE(8),
    systemId: buf.readBigUInt64LE(24).toString(),
    segmentBytes: buf.readUInt32LE(32),
  }
}

/** why a file named `name` with this header must not be replayed, or undefined when it is sound */
export function segmentRejection(name: string, header: SegmentHeader | undefined, systemId: string | null): string | undefined {
  const id = parseSegmentName(name)
  if (!id) return 'not a segment name'
  if (!header) return 'no valid WAL page header'
  if (header.segmentBytes !== DEFAULT_SEGMENT_BYTES) return `segment size ${header.segmentBytes} is not supported`
  if (header.pageAddr !== id.segno * BigInt(DEFAULT_SEGMENT_BYTES)) return 'it is a recycled segment (its content belongs to another position)'
  // The first segment of a new timeline begins with pages copied from its parent: an older header
  // timeline is sound, a newer one is not.
  if (header.timeline > id.timeline) return `its header says timeline ${header.timeline}`
  if (systemId !== null && header.systemId !== systemId) return `it belongs to another cluster (system ${header.systemId})`
  return undefined
}
