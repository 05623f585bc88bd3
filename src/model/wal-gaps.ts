/**
 * Holes in a tool's WAL archive that a restore would stop at. PostgreSQL ends recovery at the
 * first missing segment and promotes as if nothing were lost (reliability.md L25), so a hole
 * between the oldest restorable backup and the newest archived segment is worth an alert even
 * when the window still reaches past it from a later backup.
 */
import { isRestorable, type ArchivedWal, type Backup } from './catalog.js'
import { mustParseLsn } from './lsn.js'
import { MissingHistoryError, timelinePath, type TimelineSpan } from './timeline.js'
import { DEFAULT_SEGMENT_BYTES, parseSegmentName, segmentName } from './wal-name.js'
import { backupsOnPath, knownTimelines, timelineForSegment } from './window.js'

/**
 * The names of the segments missing from the archive, per timeline path, from the start of the
 * oldest restorable backup on that path up to the newest segment archived on it (holes after
 * the newest segment are WAL not archived yet, not gaps). Each name once, sorted.
 */
export function missingSegments(backups: readonly Backup[], wal: ArchivedWal): string[] {
  const missing = new Set<string>()
  for (const timeline of knownTimelines(backups.filter(isRestorable), wal)) {
    let path: TimelineSpan[]
    try {
      path = timelinePath(timeline, wal.histories)
    } catch (e) {
      if (e instanceof MissingHistoryError) continue // reported by verify as a missing history file
      throw e
    }
    const onPath = backupsOnPath(backups, path)
    if (onPath.length === 0) continue
    const first = onPath.map((b) => mustParseLsn(b.startLsn!) / BigInt(DEFAULT_SEGMENT_BYTES)).reduce((a, b) => (b < a ? b : a))
    const highest = highestOnPath(path, wal)
    for (let segno = first; segno <= highest; segno++) {
      const name = segmentName({ timeline: timelineForSegment(path, segno), segno })
      if (!wal.segments.has(name)) missing.add(name)
    }
  }
  return [...missing].sort()
}

function highestOnPath(path: readonly TimelineSpan[], wal: ArchivedWal): bigint {
  let max = -1n
  for (const n of wal.segments) {
    const id = parseSegmentName(n)
    if (id && id.segno > max && timelineForSegment(path, id.segno) === id.timeline) max = id.segno
  }
  return max
}
