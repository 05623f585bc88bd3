/**
 * Which backup and timeline a restore to a target starts from, or why none can reach it.
 * Pure. The rule (contract): the newest backup whose end is at or before the target, on the
 * target's timeline history, from which the archived WAL reaches the target without a gap.
 * Refusing here, before anything is touched, is what stops PostgreSQL from silently restoring a
 * later state (L1), stopping short at a gap (L25) or running past the end of the WAL (L2).
 */
import { UnreachableTargetError } from '../errors.js'
import type { ArchivedWal, Backup, RestorePoint } from './catalog.js'
import { consistentInstant } from './consistent-point.js'
import { epochOf, findXidCommits, type XidCommit } from './xid.js'
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
  /** false with --exclusive (default true) */
  readonly inclusive?: boolean
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
    const r = chooseOnPath(candidates, path, wal, req.target, req.inclusive ?? true)
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

function chooseOnPath(candidates: readonly Backup[], path: readonly TimelineSpan[], wal: ArchivedWal, target: RecoveryTarget, inclusive: boolean): OnPath {
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
      // Judged by the instant the window starts at (consistent-point.ts). Exclusive stops before a
      // transaction at exactly the target, so that instant itself is out of reach then.
      const reaches = (b: Backup) => {
        const at = consistentInstant(b, path, wal).at
        return inclusive ? at <= target.at : at < target.at
      }
      const earlier = consistent.filter(reaches)
      if (earlier.length === 0) {
        const first = consistent[consistent.length - 1]!
        const c = consistentInstant(first, path, wal)
        const basis =
          c.source === 'wal'
            ? 'its last commit or abort before it became consistent'
            : `its recorded end, ${first.stop}${microsFromIso(first.stop!) % 1_000_000n === 0n ? ', which may be up to a second later' : ''}`
        return {
          why: `it is ${inclusive ? 'before' : 'not after'} the start of the recoverable window: the earliest backup, ${first.id}, reaches ${c.iso} at the earliest (${basis}); PostgreSQL would stop before the backup is consistent or silently restore a later state`,
        }
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
      const found = target.kind === 'xid' ? findXidSegments(target, path, wal) : { ...findRestorePoints(target.name, path, wal), why: undefined, notes: [], clashes: [] }
      if (found.why !== undefined) return { why: found.why }
      if (target.kind === 'name' && found.points.length > 1)
        return { why: `restore point '${target.name}' exists ${found.points.length} times (${found.points.map((p) => p.lsn).join(', ')}): PostgreSQL would stop at the first one; restore to lsn:<one of them> instead` }
      if (found.segnos.length === 0) {
        const oldest = consistent[consistent.length - 1]!
        const walk = walkOf(oldest)
        if (indexed(walk.walked)) return { why: target.kind === 'xid' ? `transaction ${target.full ?? target.xid} has no commit in the archived WAL on this timeline` : `there is no restore point '${target.name}' in the archived WAL on this timeline` }
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
      // PostgreSQL stops at the first commit of the 32-bit xid it replays: one of another epoch on the way would be it.
      const clash = found.clashes.find((c) => c.segno >= mustParseLsn(b.startLsn!) / BigInt(DEFAULT_SEGMENT_BYTES) && c.segno < where)
      if (clash)
        return { why: `xid ${target.kind === 'xid' ? target.xid : ''} also committed in ${clash.name}${clash.full !== null ? ` as ${clash.full} (epoch ${epochOf(clash.full)})` : ''}, before the target, after backup ${b.id} starts: PostgreSQL compares 32 bits and would stop there; restore to lsn: instead` }
      return { backup: b, notes: [`newest backup that ended before the target: ${b.id}`, ...found.notes] }
    }
  }
}

export { stopUpperBound } from './consistent-point.js'

function walkEndLsn(walked: readonly string[], wal: ArchivedWal) {
  if (walked.length === 0) return undefined
  const { lastRecordLsn } = summarizeWalk(walked, wal.index)
  const last = walked[walked.length - 1]!
  if (wal.index.has(last) && lastRecordLsn) return parseLsn(lastRecordLsn)
  // Not read: the end of the last segment is an upper bound, enough to refuse what lies beyond.
  return spanEndLsn({ toLsn: null, lastSegment: last } as Parameters<typeof spanEndLsn>[0])
}

/**
 * The segments holding the target's commit. A 64-bit target must name that commit's epoch too:
 * only the 32 bits reach PostgreSQL, so the same xid of another epoch is refused rather than
 * replayed to (xid.ts). A 32-bit target is any epoch's, as PostgreSQL reads it.
 */
function findXidSegments(target: Extract<RecoveryTarget, { kind: 'xid' }>, path: readonly TimelineSpan[], wal: ArchivedWal) {
  const commits = findXidCommits(Number(target.xid), path, wal)
  const points = [] as RestorePoint[]
  const ok = (list: readonly XidCommit[], notes: string[] = [], clashes: XidCommit[] = []) => ({ segnos: list.map((c) => c.segno), points, notes, clashes, why: undefined as string | undefined })
  if (target.full === undefined) return ok(commits)
  const want = BigInt(target.full)
  const exact = commits.filter((c) => c.full === want)
  const unknown = commits.filter((c) => c.full === null)
  const other = commits.filter((c) => c.full !== null && c.full !== want)
  const unconfirmed = (c: XidCommit) => `the epoch of xid ${target.xid} in ${c.name} could not be confirmed (no checkpoint record near it in the index); PostgreSQL stops at the first commit of xid ${target.xid}`
  if (exact.length) return ok(exact, [], [...other, ...unknown])
  if (unknown.length) return ok(unknown, [unconfirmed(unknown[0]!)], other)
  if (other.length) {
    const o = other[0]!
    return {
      ...ok([]),
      why: `transaction ${want} (epoch ${epochOf(want)}, xid ${target.xid}) has no commit in the archived WAL on this timeline: the xid ${target.xid} committed there is ${o.full} (epoch ${epochOf(o.full!)}, in ${o.name}), another transaction that PostgreSQL, comparing 32 bits, would stop at`,
    }
  }
  return ok([])
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
