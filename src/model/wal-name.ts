import type { Lsn } from './lsn.js'

/** 16 MiB, PostgreSQL's default and the only size initdb uses unless told otherwise */
export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024

export const SEGMENT_NAME = /^[0-9A-F]{24}$/
export const HISTORY_NAME = /^[0-9A-F]{8}\.history$/
export const BACKUP_HISTORY_NAME = /^[0-9A-F]{24}\.[0-9A-F]{8}\.backup$/
export const PARTIAL_NAME = /^[0-9A-F]{24}\.partial$/

export type WalFileKind = 'segment' | 'history' | 'backup' | 'partial'

/** which kind of WAL-archive file a name is, or undefined for anything else (never archive it) */
export function walFileKind(name: string): WalFileKind | undefined {
  if (SEGMENT_NAME.test(name)) return 'segment'
  if (HISTORY_NAME.test(name)) return 'history'
  if (BACKUP_HISTORY_NAME.test(name)) return 'backup'
  if (PARTIAL_NAME.test(name)) return 'partial'
  return undefined
}

export interface SegmentId {
  readonly timeline: number
  /** segment number across the whole WAL (log * segmentsPerLog + seg) */
  readonly segno: bigint
}

export function segmentsPerXLogId(segmentBytes = DEFAULT_SEGMENT_BYTES): bigint {
  return 0x100000000n / BigInt(segmentBytes)
}

export function parseSegmentName(name: string, segmentBytes = DEFAULT_SEGMENT_BYTES): SegmentId | undefined {
  if (!SEGMENT_NAME.test(name)) return undefined
  const timeline = Number.parseInt(name.slice(0, 8), 16)
  const log = BigInt(`0x${name.slice(8, 16)}`)
  const seg = BigInt(`0x${name.slice(16, 24)}`)
  return { timeline, segno: log * segmentsPerXLogId(segmentBytes) + seg }
}

export function segmentName(id: SegmentId, segmentBytes = DEFAULT_SEGMENT_BYTES): string {
  const per = segmentsPerXLogId(segmentBytes)
  return hex8(BigInt(id.timeline)) + hex8(id.segno / per) + hex8(id.segno % per)
}

/** the segment that holds the byte at `lsn` (as pg_walfile_name does, for a position inside a segment) */
export function segmentOf(lsn: Lsn, timeline: number, segmentBytes = DEFAULT_SEGMENT_BYTES): SegmentId {
  return { timeline, segno: lsn / BigInt(segmentBytes) }
}

/** the timeline of any WAL file name that starts with one (segments, .backup, .partial, .history) */
export function timelineOfWalName(name: string): number | undefined {
  return /^[0-9A-F]{8}/.test(name) ? Number.parseInt(name.slice(0, 8), 16) : undefined
}

export function historyFileName(timeline: number): string {
  return `${hex8(BigInt(timeline))}.history`
}

function hex8(n: bigint): string {
  return n.toString(16).toUpperCase().padStart(8, '0')
}
