/**
 * Which backup and timeline a restore to a target starts from, or why none can reach it.
 * Pure. The rule (contract): the newest backup whose end is at or before the target, on the
 * target's timeline history, from which the archived WAL reaches the target without a gap.
 * Refusing here, before anything is touched, is what stops PostgreSQL from silently restoring a
 * later state (L1), stopping short at a gap (L25) or running past the end of the WAL (L2).
 */
import { UnreachableTargetError } from '../errors.js'
import type { ArchivedWal, Backup, RestorePoint } from './catalog.js'
import { formatLsn, mustParseLsn, parseLsn } from './lsn.js'
import type { RecoveryTarget, TimelineChoice } from './recovery-target.js'
import { describeTarget } from './recovery-target.js'
import { microsFromIso, pgUtcFromMicros } from './time.js'
import { MissingHistoryError, timelinePath, type TimelineSpan } from './timeline.js'
import { DEFAULT_SEGMENT_BYTES, parseSegmentName } from './wal-name.js'
import { backupsOnPath, computeWindows, describeSpan, knownTimelines, spanEndLsn, summarizeWalk, timelineForSegment, walkArchive } from './window.js'

export interface BaseChoice {
  readonly backup: Backup
  /** the timeline recovery will end on, as the plan prints it */
  readonly timeline: number
  readonly path: readonly TimelineSpan[]
  /** why this backup, and anything pitrctl could not confirm */
  readonly notes: readonly string[]
}

export interface ChooseRequest {
  readonly target: RecoveryTarget
  readonly timeline: TimelineChoice
  readonly backupId?: string | undefined
}

export function chooseBaseBackup(backups: readonly Backup[], wal: ArchivedWal, req: ChooseRequest): BaseChoice {
  const explicit = req.backupId === undefined ? undefined : backups.find((b) => b.id === req.backupId)
  if (req.backupId !== undefined && !explicit)
    throw new UnreachableTargetError(`there is no backup ${req.backupId}`, { hint: 'run `pitrctl list` to see the backups that exist' })
  const timelines = resolveTimelines(req.timeline, backups, wal, explicit)
  const failures: string[] = []
  for (const timeline of timelines) {
    let path: TimelineSpan[]
    try {
      path = timelinePath(timeline, wal.histories)
    } catch (e) {
      if (e instanceof MissingHistoryError) {
        failures.push(`${e.message}: the timeline chain has a gap`)
        continue
      }
      throw e
    }
    const candidates = backupsOnPath(explicit ? [explicit] : backups, path)
    if (candidates.length === 0) {
      failures.push(explicit ? `backup ${explicit.id} is not usable on timeline ${timeline}` : `no usable backup lies on the history of timeline ${timeline}`)
      continue
    }
    const r = chooseOnPath(candidates, path, wal, req.target)
    if ('backup' in r) return { backup: r.backup, timeline: timeline, path, notes: r.notes }
    failures.push(r.why)
  }
  const windows = computeWindows(backups[0]?.tool ?? 'native', backups, wal)
  throw new UnreachableTargetError(`${describeTarget(req.target)} cannot be reached: ${failures[0] ?? 'there is no usable backup'}`, {
    hint: windows.length ? 'pick a target inside the recoverable window' : 'take a backup first (`pitrctl backup`)',
    details: [...failures.slice(1), ...(windows.length ? ['recoverable window:', ...windows.map((w) => `  ${describeSpan(w)}`)] : [])],
  })
}

function resolveTimelines(choice: TimelineChoice, backups: readonly Backup[], wal: ArchivedWal, explicit: Backup | undefined): number[] {
  switch (choice.kind) {
    case 'id':
      return [choice.id]
    case 'latest': {
      const all = knownTimelines(backups, wal)
      return all.length ? [Math.max(...all)] : []
    }
    case 'current': {
      // `current` is the backup's own timeline: try each, newest first.
      const own = (explicit ? [explicit] : backups).map((b) => b.timeline).filter((t): t is number => t !== null)
      return [...new Set(own)].sort((a, b) => b - a)
    }
  }
}

type OnPath = { backup: Backup; notes: string[] } | { why: string }

function chooseOnPath(candidates: readonly Backup[], path: readonly TimelineSpan[], wal: ArchivedWal, target: RecoveryTarget): OnPath {
  const newestFirst = [...candidates].reverse()
  const consistent = newestFirst.filter((b) => walkArchive(b, path, wal).reachesConsistency)
  if (consistent.length === 0) return { why: `the WAL that makes ${candidates.map((b) => b.id).join(', ')} consistent is missing from the archive` }
  const walkOf = (b: Backup) => walkArchive(b, path, wal)
  const indexed = (names: readonly string[]) => names.every((n) => wal.index.has(n))

  switch (target.kind) {
    case 'latest':
    case 'immediate': {
      const b = consistent[0]!
      const walk = walkOf(b)
      if (target.kind === 'latest' && walk.gapAt)
        return { why: `the archive has a gap at ${walk.gapAt}: recovery to latest would stop there silently; restore to a point before it (lsn: or time) or repair the archive` }
      return { backup: b, notes: [`newest backup on the timeline path: ${b.id}`] }
    }
    case 'time': {
      const earlier = consistent.filter((b) => stopUpperBound(b) <= target.at)
      if (earlier.length === 0) {
        const first = consistent[consistent.length - 1]!
        return { why: `it is before the end of the earliest backup (${first.id} ended ${first.stop}); PostgreSQL would silently restore a later state` }
      }
      // The newest such backup replays the least; an older one reaches no further along the same WAL.
      const b = earlier[0]!
      const walk = walkOf(b)
      if (!indexed(walk.walked)) return { backup: b, notes: [`newest backup that ended before the target: ${b.id}`, 'the archive has not been read for commit times, so the end of the window is not confirmed; --start will confirm the target was reached'] }
      const { lastCommit } = summarizeWalk(walk.walked, wal.index)
      if (lastCommit !== null && microsFromIso(lastCommit) > target.at) return { backup: b, notes: [`newest backup that ended before the target: ${b.id}`] }
      const gap = walk.gapAt ? ` (WAL is missing at ${walk.gapAt})` : ''
      return { why: `it is after the last commit the archive holds${gap}${lastCommit ? ` (${pgUtcFromMicros(microsFromIso(lastCommit))})` : ''}: recovery would run out of WAL before reaching it; use --to latest for everything archived` }
    }
    case 'lsn': {
      const earlier = consistent.filter((b) => mustParseLsn(b.stopLsn!) <= target.lsn)
      if (earlier.length === 0) return { why: `it is before the end of the earliest backup (${consistent[consistent.length - 1]!.stopLsn})` }
      const b = earlier[0]!
      const walk = walkOf(b)
      const end = walkEndLsn(walk.walked, wal)
      if (end !== undefined && target.lsn > end)
        return { why: `it is past the end of the contiguous archived WAL (${formatLsn(end)})${walk.gapAt ? `; WAL is missing at ${walk.gapAt}` : ''}` }
      return { backup: b, notes: [`newest backup that ended at or before the target: ${b.id}`] }
    }
    case 'xid':
    case 'name': {
      const found = target.kind === 'xid' ? findXidSegments(Number(target.xid), path, wal) : findRestorePoints(target.name, path, wal)
      if (target.kind === 'name' && found.points.length > 1)
        return { why: `restore point '${target.name}' exists ${found.points.length} times (${found.points.map((p) => p.lsn).join(', ')}): PostgreSQL would stop at the first one; restore to lsn:<one of them> instead` }
      if (found.segnos.length === 0) {
        const oldest = consistent[consistent.length - 1]!
        const walk = walkOf(oldest)
        if (indexed(walk.walked)) return { why: target.kind === 'xid' ? `transaction ${target.xid} has no commit in the archived WAL on this timeline` : `there is no restore point '${target.name}' in the archived WAL on this timeline` }
        // Without commit records read, only the oldest backup is sure to lie before the target.
        return { backup: oldest, notes: [`the archive has not been read for ${target.kind === 'xid' ? 'commits' : 'restore points'}: starting from the oldest backup ${oldest.id}; --start will confirm the target was reached`] }
      }
      const where = found.segnos[0]!
      const targetLsn = found.points[0] ? mustParseLsn(found.points[0].lsn) : undefined
      const before = consistent.filter((b) =>
        targetLsn !== undefined ? mustParseLsn(b.stopLsn!) <= targetLsn : mustParseLsn(b.stopLsn!) / BigInt(DEFAULT_SEGMENT_BYTES) < where,
      )
      if (before.length === 0) return { why: `it lies before the end of the earliest backup (${consistent[consistent.length - 1]!.stop})` }
      const b = before[0]!
      const walk = walkOf(b)
      const reach = walk.walked.map((n) => parseSegmentName(n)!.segno)
      if (!reach.includes(where)) return { why: `the WAL between backup ${b.id} and the target is not all archived${walk.gapAt ? ` (missing ${walk.gapAt})` : ''}` }
      return { backup: b, notes: [`newest backup that ended before the target: ${b.id}`] }
    }
  }
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

function walkEndLsn(walked: readonly string[], wal: ArchivedWal) {
  if (walked.length === 0) return undefined
  const { lastRecordLsn } = summarizeWalk(walked, wal.index)
  const last = walked[walked.length - 1]!
  if (wal.index.has(last) && lastRecordLsn) return parseLsn(lastRecordLsn)
  // Not read: the end of the last segment is an upper bound, enough to refuse what lies beyond.
  return spanEndLsn({ toLsn: null, lastSegment: last } as Parameters<typeof spanEndLsn>[0])
}

function findXidSegments(xid: number, path: readonly TimelineSpan[], wal: ArchivedWal) {
  const segnos: bigint[] = []
  for (const info of wal.index.values()) {
    if (!info.commitXids.some(([a, b]) => xid >= a && xid <= b)) continue
    const id = parseSegmentName(info.name)
    if (id && timelineForSegment(path, id.segno) === id.timeline && wal.segments.has(info.name)) segnos.push(id.segno)
  }
  return { segnos: segnos.sort((a, b) => (a < b ? -1 : 1)), points: [] as RestorePoint[] }
}

function findRestorePoints(name: string, path: readonly TimelineSpan[], wal: ArchivedWal) {
  const points: RestorePoint[] = []
  const segnos: bigint[] = []
  for (const info of wal.index.values()) {
    const id = parseSegmentName(info.name)
    if (!id || timelineForSegment(path, id.segno) !== id.timeline || !wal.segments.has(info.name)) continue
    for (const p of info.restorePoints)
      if (p.name === name) {
        points.push(p)
        segnos.push(id.segno)
      }
  }
  return { segnos, points }
}
