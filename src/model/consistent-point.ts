/**
 * The earliest instant a time target can name for one backup: the same instant starts the
 * recoverable window (`list`, the refusal's "recoverable window") and decides whether a time
 * target is refused, for every tool. Pure.
 *
 * What PostgreSQL 15 does (xlogrecovery.c): a time target stops replay before the first commit or
 * abort whose time is past the target (inclusive) or at or past it (exclusive), whether or not the
 * backup is consistent yet. Stopping before the consistent point (the end of the backup's
 * BACKUP_END record, its stop LSN) is FATAL "requested recovery stop point is before consistent
 * recovery point"; a commit later than the target that is already in the backup's files is
 * silently kept (L1). Either way the target is out of reach exactly when some commit or abort
 * before the stop LSN is later than it. So the backup's instant is the latest commit or abort time
 * before its stop LSN, read from the WAL index (BACKUP_END records and per-segment transaction
 * times), not the tool's clock time, which pg_rman, pgBackRest and the backup history file round
 * to whole seconds. When the WAL does not tell (a segment not read, an older index entry, a backup
 * without BACKUP_END), the stop time is used, a whole-second stop counting as the end of its second.
 *
 * The instant is rounded up to the millisecond, the precision `list --json` prints, so that every
 * target inside the printed window is honoured and every target before it is refused.
 */
import type { ArchivedWal, Backup, WalSegmentInfo } from './catalog.js'
import { mustParseLsn } from './lsn.js'
import { isoFromMicros, microsFromIso, type Micros } from './time.js'
import type { TimelineSpan } from './timeline.js'
import { DEFAULT_SEGMENT_BYTES, segmentName } from './wal-name.js'

export interface ConsistentInstant {
  /** microseconds, a whole millisecond */
  readonly at: Micros
  /** the same instant as the window prints it (UTC ISO, milliseconds) */
  readonly iso: string
  /** wal: the last commit or abort before the stop LSN; stop-time: the tool's recorded end */
  readonly source: 'wal' | 'stop-time'
}

/**
 * Several tools record the stop time in whole seconds (pgBackRest, pg_rman, PostgreSQL's own
 * backup history file): the real end may be up to a second later, and a target inside that second
 * could lie before the backup is consistent (L1). Such a stop counts as the end of its second.
 */
export function stopUpperBound(b: Backup): bigint {
  const us = microsFromIso(b.stop!)
  return us % 1_000_000n === 0n ? us + 999_999n : us
}

function ceilMs(us: Micros): Micros {
  return ((us + 999n) / 1000n) * 1000n
}

function instant(us: Micros, source: ConsistentInstant['source']): ConsistentInstant {
  const at = ceilMs(us)
  return { at, iso: isoFromMicros(at), source }
}

/** the PostgreSQL timeline a segment is read from: the newest on the path that began at or before it */
function timelineOf(path: readonly TimelineSpan[], segno: bigint): number {
  for (let i = path.length - 1; i >= 0; i--) if (segno >= path[i]!.begin / BigInt(DEFAULT_SEGMENT_BYTES)) return path[i]!.timeline
  return path[0]!.timeline
}

/** the backup's earliest reachable instant on `path` (see the module comment) */
export function consistentInstant(b: Backup, path: readonly TimelineSpan[], wal: ArchivedWal): ConsistentInstant {
  const fromWal = lastXactBeforeStop(b, path, wal)
  return fromWal === undefined ? instant(stopUpperBound(b), 'stop-time') : instant(fromWal, 'wal')
}

/**
 * The latest commit or abort time before the backup's stop LSN, or undefined when the index does
 * not say. Commit times follow WAL order closely, so walking back stops at the first segment that
 * holds any transaction end.
 */
function lastXactBeforeStop(b: Backup, path: readonly TimelineSpan[], wal: ArchivedWal): Micros | undefined {
  if (!b.stopLsn || !b.startLsn) return undefined
  const stop = mustParseLsn(b.stopLsn)
  const start = mustParseLsn(b.startLsn)
  const seg = BigInt(DEFAULT_SEGMENT_BYTES)
  let segno = stop / seg
  // The backup's own BACKUP_END names its start; it lies before the stop LSN, which is where it ends.
  const stopInfo = entryAt(path, wal, segno)
  const end = stopInfo?.backupEnds?.find((e) => mustParseLsn(e.startLsn) === start && mustParseLsn(e.lsn) < stop)
  if (!end) {
    // The end record can sit at the very end of the previous segment when the stop LSN is a segment start.
    if (stop % seg !== 0n) return undefined
    const prev = entryAt(path, wal, segno - 1n)
    const atEnd = prev?.backupEnds?.find((e) => mustParseLsn(e.startLsn) === start && mustParseLsn(e.endLsn) === stop)
    if (!atEnd) return undefined
    segno -= 1n
    if (atEnd.lastXactBefore !== null) return microsFromIso(atEnd.lastXactBefore)
  } else if (end.lastXactBefore !== null) return microsFromIso(end.lastXactBefore)
  // Segments before the backup need not be archived any more (Barman keeps none before its first
  // backup): the index still says what they held, and nothing of them is replayed.
  for (let n = segno - 1n; n >= 0n; n--) {
    const info = entryAt(path, wal, n, false)
    if (!info || info.lastXact === undefined) return undefined
    if (info.lastXact !== null) return microsFromIso(info.lastXact)
  }
  return undefined
}

function entryAt(path: readonly TimelineSpan[], wal: ArchivedWal, segno: bigint, archived = true): WalSegmentInfo | undefined {
  if (segno < 0n) return undefined
  const name = segmentName({ timeline: timelineOf(path, segno), segno })
  return !archived || wal.segments.has(name) ? wal.index.get(name) : undefined
}
