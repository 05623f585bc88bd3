/**
 * The recoverable window, one pure function for every tool: from each backup's end, walk the
 * archive segment by segment along the timeline path until the first missing segment; the span
 * reaches the last commit in that contiguous stretch. Gaps are reported, never skipped over
 * (PostgreSQL treats the first missing segment as the end of WAL: reliability.md L25).
 */
import { isRestorable, type ArchivedWal, type Backup, type WalSegmentInfo } from './catalog.js'
import { consistentInstant } from './consistent-point.js'
import { mustParseLsn, type Lsn } from './lsn.js'
import { microsFromIso } from './time.js'
import { MissingHistoryError, isOnPath, timelinePath, type TimelineSpan } from './timeline.js'
import type { ToolId } from './tool-id.js'
import { DEFAULT_SEGMENT_BYTES, parseSegmentName, segmentName } from './wal-name.js'

export interface WindowSpan {
  readonly tool: ToolId
  readonly timeline: number
  /**
   * the earliest instant the span's backup can be restored to (UTC ISO, milliseconds): its last
   * commit or abort before the stop LSN where the WAL index says, else its stop time (consistent-point.ts)
   */
  readonly from: string
  /** the last commit in the contiguous WAL (UTC ISO, microseconds where known) */
  readonly to: string
  /** the backup the span starts from */
  readonly backup: string
  readonly fromLsn: string
  /** start of the last record in the contiguous WAL, where known */
  readonly toLsn: string | null
  /** last contiguous segment */
  readonly lastSegment: string
  /** the first missing segment, when segments exist beyond it (a gap), else null */
  readonly gapAt: string | null
}

export interface WalkResult {
  /** segment names walked, in order */
  readonly walked: readonly string[]
  /** the first segment that was missing, if the walk stopped on a hole rather than at the end */
  readonly gapAt: string | null
  /** false when the backup's own WAL (start to stop) is incomplete */
  readonly reachesConsistency: boolean
}

function segmentForLsn(lsn: Lsn): bigint {
  return lsn / BigInt(DEFAULT_SEGMENT_BYTES)
}

/** PostgreSQL reads a segment from the newest timeline on the path whose begin segment is at or before it */
export function timelineForSegment(path: readonly TimelineSpan[], segno: bigint): number {
  for (let i = path.length - 1; i >= 0; i--) if (segno >= segmentForLsn(path[i]!.begin)) return path[i]!.timeline
  return path[0]!.timeline
}

/** walk the archive from `backup`'s start along `path` until the first missing segment */
export function walkArchive(backup: Backup, path: readonly TimelineSpan[], wal: ArchivedWal): WalkResult {
  const start = segmentForLsn(mustParseLsn(backup.startLsn!))
  const stop = segmentForLsn(mustParseLsn(backup.stopLsn!))
  const highest = highestSegno(wal)
  const walked: string[] = []
  let segno = start
  for (;;) {
    const name = segmentName({ timeline: timelineForSegment(path, segno), segno })
    if (!wal.segments.has(name)) {
      const gapAt = segno <= highest ? name : null
      // A missing segment at or below the highest one archived anywhere is a hole in the chain.
      return { walked, gapAt: gapAt !== null && existsBeyond(path, segno, wal) ? gapAt : null, reachesConsistency: segno > stop }
    }
    walked.push(name)
    segno++
  }
}

function highestSegno(wal: ArchivedWal): bigint {
  let max = -1n
  for (const n of wal.segments) {
    const id = parseSegmentName(n)
    if (id && id.segno > max) max = id.segno
  }
  return max
}

function existsBeyond(path: readonly TimelineSpan[], segno: bigint, wal: ArchivedWal): boolean {
  const tlis = new Set(path.map((s) => s.timeline))
  for (const n of wal.segments) {
    const id = parseSegmentName(n)
    if (id && id.segno > segno && tlis.has(id.timeline)) return true
  }
  return false
}

/** the last commit and last record among walked segments */
export function summarizeWalk(walked: readonly string[], index: ReadonlyMap<string, WalSegmentInfo>): { lastCommit: string | null; lastRecordLsn: string | null } {
  let lastCommit: string | null = null
  let lastRecordLsn: string | null = null
  for (const name of walked) {
    const info = index.get(name)
    if (!info) continue
    if (info.lastCommit && (lastCommit === null || microsFromIso(info.lastCommit) > microsFromIso(lastCommit))) lastCommit = info.lastCommit
    if (info.lastRecordLsn) lastRecordLsn = info.lastRecordLsn
  }
  return { lastCommit, lastRecordLsn }
}

/** every timeline that the archive or the catalog mentions */
export function knownTimelines(backups: readonly Backup[], wal: ArchivedWal): number[] {
  const set = new Set<number>()
  for (const b of backups) if (b.timeline !== null) set.add(b.timeline)
  for (const n of wal.segments) {
    const id = parseSegmentName(n)
    if (id) set.add(id.timeline)
  }
  for (const t of wal.histories.keys()) set.add(t)
  return [...set].sort((a, b) => a - b)
}

export function backupsOnPath(backups: readonly Backup[], path: readonly TimelineSpan[]): Backup[] {
  return backups
    .filter(isRestorable)
    .filter((b) => isOnPath(path, b.timeline!, mustParseLsn(b.stopLsn!)))
    .sort((a, b) => a.stop!.localeCompare(b.stop!))
}

/** the window per timeline; several spans on one timeline mean a gap between them */
export function computeWindows(tool: ToolId, backups: readonly Backup[], wal: ArchivedWal): WindowSpan[] {
  const spans: WindowSpan[] = []
  for (const timeline of knownTimelines(backups, wal)) {
    let path: TimelineSpan[]
    try {
      path = timelinePath(timeline, wal.histories)
    } catch (e) {
      if (e instanceof MissingHistoryError) continue
      throw e
    }
    const targetBegin = path[path.length - 1]!.begin
    let coveredUntil = -1n
    for (const b of backupsOnPath(backups, path)) {
      if (segmentForLsn(mustParseLsn(b.stopLsn!)) <= coveredUntil) continue
      const walk = walkArchive(b, path, wal)
      if (!walk.reachesConsistency || walk.walked.length === 0) continue
      const lastSegment = walk.walked[walk.walked.length - 1]!
      const lastSegno = parseSegmentName(lastSegment)!.segno
      // A span that never reaches this timeline belongs to its ancestor's window, not this one.
      if (timeline !== b.timeline && lastSegno < segmentForLsn(targetBegin)) continue
      coveredUntil = lastSegno
      const { lastCommit, lastRecordLsn } = summarizeWalk(walk.walked, wal.index)
      // The span starts where the backup can first be restored to: the same instant a time target is judged by.
      const from = consistentInstant(b, path, wal)
      const to = lastCommit !== null && microsFromIso(lastCommit) > from.at ? lastCommit : from.iso
      spans.push({
        tool,
        timeline,
        from: from.iso,
        to,
        backup: b.id,
        fromLsn: b.stopLsn!,
        toLsn: lastRecordLsn,
        lastSegment,
        gapAt: walk.gapAt,
      })
    }
  }
  return spans
}

/** the end of the span as an LSN: the last record if known, else the end of its last segment */
export function spanEndLsn(span: WindowSpan): Lsn {
  if (span.toLsn !== null) return mustParseLsn(span.toLsn)
  const id = parseSegmentName(span.lastSegment)!
  return (id.segno + 1n) * BigInt(DEFAULT_SEGMENT_BYTES) - 1n
}

export function describeSpan(s: WindowSpan): string {
  const gap = s.gapAt ? `; WAL missing at ${s.gapAt}` : ''
  return `${s.tool} timeline ${s.timeline}: ${s.from} … ${s.to} (from backup ${s.backup}, WAL to ${s.lastSegment}${gap})`
}
