/**
 * Retention, decided once for every tool: from each tool's catalog, the settings, the pins and
 * the time, which backups go, which stay (each with its reason) and which WAL no remaining
 * backup needs. Pure: the services run each tool's own delete commands for what this returns.
 *
 * The rules (contract, `expire`):
 * - Each tool is judged alone (a cluster in migration): one tool's backups never count for, or
 *   against, another's.
 * - Only `ok` backups count. `running` and `unverified` backups are never expired. A failed
 *   (`error`) backup goes once it is older than the newest good full backup; a newer one is
 *   kept for inspection.
 * - `retention-full = N`: the newest N good fulls stay, with everything they depend on (nothing,
 *   for a full) and everything that depends on them, except diffs beyond `retention-diff`.
 *   Without retention-full, fulls are limited only by `retention-window` (at least one stays);
 *   with neither, every full stays.
 * - `retention-diff = M`: the newest M good diffs stay; older ones go with their incrs, even when
 *   their full stays (pgBackRest's meaning, except that fulls are not counted as diffs).
 *   Without it, diffs and incrs go exactly when their full goes.
 * - `retention-window = D`: a backup goes only if every point of [now - D, now] that could be
 *   restored before still can be afterwards (computed with the one window function); the
 *   window's start may move forward, never past now - D. Fulls are weighed oldest first, and
 *   once the window needs one, every newer full stays too (never a 40-day replay from an old
 *   full because the fulls between were thinned out).
 * - A pinned backup stays, and so does every backup it depends on.
 * - Whatever stays keeps its whole parent chain; whatever goes takes its dependents with it.
 * - A tool that deletes only "everything older than a date" (pg_rman) deletes the longest run of
 *   oldest backups that all go; the rest of what would go stays, with that reason.
 * - WAL: a segment goes when its number is below the start of the oldest backup that stays (on
 *   any timeline), or when its timeline is below every remaining backup's (recovery from a
 *   backup reads only its own timeline and the later ones that branch from it): nothing a
 *   remaining backup or the window can read goes.
 */
import { sortBackups, type Backup, type Catalog } from './catalog.js'
import { mustParseLsn } from './lsn.js'
import { isoFromMicros, microsFromDate, microsFromIso } from './time.js'
import type { ToolId } from './tool-id.js'
import { DEFAULT_SEGMENT_BYTES, parseSegmentName, segmentName } from './wal-name.js'
import { computeWindows, type WindowSpan } from './window.js'

/** the retention-* keys and expire-auto of one cluster (parsed in config/retention.ts) */
export interface RetentionSettings {
  /** keep at least this many `ok` full backups (and what depends on them); undefined: no count */
  readonly full: number | undefined
  /** keep the newest this many `ok` diff backups (their incrs with them); undefined: diffs go with their full */
  readonly diff: number | undefined
  /** always keep enough to restore to any point of the last windowMs; undefined: no window */
  readonly windowMs: number | undefined
  /** as written, for messages (`7d`) */
  readonly windowText: string | undefined
  /** run `pitrctl expire` after every successful backup */
  readonly expireAuto: boolean
}

/** how a tool's delete command can remove backups (adapter capability) */
export type DeleteScope = 'any' | 'oldest-first'

export interface RetentionInput {
  readonly catalogs: readonly Catalog[]
  readonly settings: Pick<RetentionSettings, 'full' | 'diff' | 'windowMs' | 'windowText'>
  /** pinned backups, as pinKey(tool, id) */
  readonly pins: ReadonlySet<string>
  readonly now: Date
  readonly deleteScope: Readonly<Partial<Record<ToolId, DeleteScope>>>
}

export interface Verdict {
  readonly id: string
  readonly tool: ToolId
  readonly reason: string
}

/** one tool's WAL on one timeline that no remaining backup needs */
export interface WalCut {
  readonly tool: ToolId
  readonly timeline: number
  /** segments of this timeline below this one go; null: the whole timeline goes (below every remaining backup's timeline) */
  readonly before: string | null
  /** the archived segments that go, oldest first */
  readonly segments: readonly string[]
}

export interface ToolDecision {
  readonly tool: ToolId
  /** oldest first */
  readonly delete: readonly Backup[]
  readonly keep: readonly Backup[]
  /** the backups that remain, oldest first */
  readonly remaining: readonly Backup[]
  readonly wal: readonly WalCut[]
  /** why no WAL goes, when none does although the archive has some below the cut */
  readonly walNote: string | undefined
  readonly windowBefore: readonly WindowSpan[]
  readonly windowAfter: readonly WindowSpan[]
  /** why each backup goes or stays, by id */
  readonly reasons: ReadonlyMap<string, string>
}

export interface RetentionDecision {
  readonly delete: readonly Verdict[]
  readonly keep: readonly Verdict[]
  readonly tools: readonly ToolDecision[]
  /** now - retention-window (UTC ISO), when a window is set */
  readonly promisedFrom: string | null
}

export function pinKey(tool: ToolId, id: string): string {
  return `${tool}/${id}`
}

const SEGMENT = BigInt(DEFAULT_SEGMENT_BYTES)

export function decideRetention(input: RetentionInput): RetentionDecision {
  const promised = input.settings.windowMs === undefined ? null : microsFromDate(input.now) - BigInt(input.settings.windowMs) * 1000n
  const tools = input.catalogs.map((c) => decideTool(c, input, promised))
  const verdicts = (pick: (t: ToolDecision) => readonly Backup[]) =>
    tools.flatMap((t) => pick(t).map((b) => ({ b, reason: t.reasons.get(b.id)! })))
  const sorted = (vs: { b: Backup; reason: string }[]) => {
    const order = sortBackups(vs.map((v) => v.b))
    return order.map((b) => ({ id: b.id, tool: b.tool, reason: vs.find((v) => v.b === b)!.reason }))
  }
  return {
    delete: sorted(verdicts((t) => t.delete)),
    keep: sorted(verdicts((t) => t.keep)),
    tools,
    promisedFrom: promised === null ? null : isoFromMicros(promised),
  }
}

function decideTool(cat: Catalog, input: RetentionInput, promised: bigint | null): ToolDecision {
  const s = input.settings
  const backups = sortBackups(cat.backups)
  const byId = new Map(backups.map((b) => [b.id, b]))
  const children = new Map<string, Backup[]>()
  for (const b of backups) if (b.parent !== null && byId.has(b.parent)) children.set(b.parent, [...(children.get(b.parent) ?? []), b])
  const descendants = (id: string): Backup[] => (children.get(id) ?? []).flatMap((c) => [c, ...descendants(c.id)])
  const kept = new Map<string, string>()
  const deleted = new Map<string, string>()
  const keepWith = (b: Backup, reason: string): void => {
    if (!kept.has(b.id)) kept.set(b.id, reason)
    deleted.delete(b.id)
    const p = b.parent === null ? undefined : byId.get(b.parent)
    if (p && !kept.has(p.id)) keepWith(p, `${b.id} depends on it`)
  }
  const windowBefore = computeWindows(cat.tool, backups, cat.wal)
  const remainingNow = () => backups.filter((b) => !deleted.has(b.id))
  const windowHolds = (without: ReadonlySet<string>): boolean =>
    promised === null || coversPromise(windowBefore, computeWindows(cat.tool, remainingNow().filter((b) => !without.has(b.id)), cat.wal), promised)

  const okFulls = backups.filter((b) => b.status === 'ok' && b.type === 'full').reverse() // newest first
  const finish = (walNote?: string): ToolDecision => {
    const keep = backups.filter((b) => !deleted.has(b.id))
    for (const b of keep) if (!kept.has(b.id)) kept.set(b.id, 'kept')
    const remaining = keep
    const { wal, note } = walNote === undefined ? walCuts(cat, remaining) : { wal: [], note: undefined }
    return {
      tool: cat.tool,
      delete: backups.filter((b) => deleted.has(b.id)),
      keep,
      remaining,
      wal,
      walNote: walNote ?? note,
      windowBefore,
      windowAfter: computeWindows(cat.tool, remaining, cat.wal),
      reasons: new Map([...kept, ...deleted]),
    }
  }
  if (okFulls.length === 0) {
    for (const b of backups) kept.set(b.id, 'no good full backup yet: nothing of this tool expires')
    return finish('no good full backup yet: no WAL expires')
  }

  // 1. What never goes: running and unverified backups, pins, the newest N fulls.
  for (const b of backups) {
    if (b.status === 'running') keepWith(b, 'still running: never expired')
    else if (b.status === 'unverified') keepWith(b, 'not verified yet (its WAL is not all archived): never expired')
  }
  for (const b of backups) if (input.pins.has(pinKey(b.tool, b.id))) keepWith(b, 'pinned with pitrctl keep')
  const fullCount = s.full ?? (s.windowMs !== undefined ? 1 : okFulls.length)
  const fullWhy = s.full !== undefined ? `one of the newest ${s.full} full backups (retention-full)` : s.windowMs !== undefined ? 'the newest full backup (at least one always stays)' : 'retention-full and retention-window are not set: full backups stay'
  for (const f of okFulls.slice(0, Math.max(1, fullCount))) keepWith(f, fullWhy)

  // 2. Older fulls, oldest first: each goes with what depends on it, unless the window needs it.
  const windowWhy = `needed to restore to points of the last ${s.windowText ?? 'retention-window'} (retention-window)`
  const olderWhy = s.full !== undefined ? `older than the newest ${s.full} full backups` : 'older than what the retention-window needs'
  // Once the window needs a full, every newer one stays too: restoring a point of the window
  // never has to replay more WAL than it does today from the nearest full.
  let neededByWindow: Backup | undefined
  for (const f of [...okFulls].reverse()) {
    if (kept.has(f.id)) continue
    if (neededByWindow) {
      keepWith(f, `newer than ${neededByWindow.id}, which the retention-window needs`)
      continue
    }
    const going = [f, ...descendants(f.id)]
    if (going.some((b) => kept.has(b.id))) {
      keepWith(f, 'a backup that stays depends on it')
      continue
    }
    if (!windowHolds(new Set(going.map((b) => b.id)))) {
      keepWith(f, windowWhy)
      neededByWindow = f
      continue
    }
    deleted.set(f.id, olderWhy)
    for (const d of going.slice(1)) deleted.set(d.id, `depends on ${f.id}, which expires`)
  }

  // 3. Diffs beyond retention-diff go with their incrs, even when their full stays.
  if (s.diff !== undefined) {
    const okDiffs = backups.filter((b) => b.status === 'ok' && b.type === 'diff' && !deleted.has(b.id)).reverse()
    for (const d of okDiffs.slice(0, s.diff)) keepWith(d, `one of the newest ${s.diff} diff backups (retention-diff)`)
    for (const d of [...okDiffs.slice(s.diff)].reverse()) {
      if (kept.has(d.id)) continue
      const going = [d, ...descendants(d.id)].filter((b) => !deleted.has(b.id))
      if (going.some((b) => kept.has(b.id))) {
        keepWith(d, 'a backup that stays depends on it')
        continue
      }
      if (!windowHolds(new Set(going.map((b) => b.id)))) {
        keepWith(d, windowWhy)
        continue
      }
      deleted.set(d.id, `older than the newest ${s.diff} diff backups (retention-diff)`)
      for (const x of going.slice(1)) deleted.set(x.id, `depends on ${d.id}, which expires`)
    }
  }

  // 4. Failed backups older than the newest good full go; the rest goes or stays with its parent.
  const newestFull = okFulls[0]!
  for (const b of backups) {
    if (kept.has(b.id) || deleted.has(b.id)) continue
    if (b.status === 'error') {
      if (descendants(b.id).some((x) => kept.has(x.id))) keepWith(b, 'a backup that stays depends on it')
      else if ((b.start ?? '') < (newestFull.start ?? '')) deleted.set(b.id, `failed, and older than the newest good full backup ${newestFull.id}`)
      else kept.set(b.id, `failed, but newer than the newest good full backup ${newestFull.id}: kept for inspection`)
      continue
    }
    const p = b.parent === null ? undefined : byId.get(b.parent)
    if (p && deleted.has(p.id)) deleted.set(b.id, `depends on ${p.id}, which expires`)
    else if (p) keepWith(b, `goes with ${p.id}, which stays`)
    else kept.set(b.id, 'kept')
  }

  // 5. A tool that deletes only by date: the oldest run that all goes, nothing after it.
  if (input.deleteScope[cat.tool] === 'oldest-first') restrictToOldestRun(backups, deleted, keepWith)
  return finish()
}

function restrictToOldestRun(backups: readonly Backup[], deleted: Map<string, string>, keepWith: (b: Backup, reason: string) => void): void {
  for (;;) {
    const firstStaying = backups.find((b) => !deleted.has(b.id))
    if (!firstStaying) return
    const after = backups.slice(backups.indexOf(firstStaying) + 1).filter((b) => deleted.has(b.id))
    if (after.length === 0) return
    // keepWith keeps each one's parents too, which may cut the run shorter: repeat until stable.
    for (const b of after) keepWith(b, `this tool deletes only every backup older than a date, and the older ${firstStaying.id} stays`)
  }
}

/** whether every point of `before` at or after `promised` lies in some span of `after` on the same timeline */
export function coversPromise(before: readonly WindowSpan[], after: readonly WindowSpan[], promised: bigint): boolean {
  for (const s of before) {
    const to = microsFromIso(s.to)
    let from = microsFromIso(s.from)
    if (from < promised) from = promised
    if (to < from) continue
    const spans = after
      .filter((a) => a.timeline === s.timeline)
      .map((a) => [microsFromIso(a.from), microsFromIso(a.to)] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    let reached = from // everything before `reached` is covered
    for (const [f, t] of spans) {
      if (f > reached) break
      if (t >= reached) reached = t
      if (reached >= to) break
    }
    const fromCovered = spans.some(([f, t]) => f <= from && t >= from)
    if (!fromCovered || reached < to) return false
  }
  return true
}

function walCuts(cat: Catalog, remaining: readonly Backup[]): { wal: WalCut[]; note: string | undefined } {
  const known = remaining.filter((b) => b.startLsn !== null && b.timeline !== null)
  if (known.length === 0 || known.length < remaining.filter((b) => b.status !== 'error').length)
    return { wal: [], note: 'a remaining backup has no known start or timeline: no WAL expires' }
  const cut = known.map((b) => mustParseLsn(b.startLsn!) / SEGMENT).reduce((a, b) => (b < a ? b : a))
  // Recovery from a backup reads its own timeline and the ones that branch from it later, which
  // have higher numbers: a timeline below every remaining backup's is read by nothing.
  const lowest = Math.min(...known.map((b) => b.timeline!))
  const byTimeline = new Map<number, string[]>()
  for (const name of [...cat.wal.segments].sort()) {
    const id = parseSegmentName(name)
    if (!id || (id.timeline >= lowest && id.segno >= cut)) continue
    byTimeline.set(id.timeline, [...(byTimeline.get(id.timeline) ?? []), name])
  }
  const wal = [...byTimeline.entries()]
    .sort(([a], [b]) => a - b)
    .map(([timeline, segments]) => ({ tool: cat.tool, timeline, before: timeline < lowest ? null : segmentName({ timeline, segno: cut }), segments }))
  return { wal, note: undefined }
}

/** the oldest backup that remains with a known start: WAL before its start segment is no longer needed */
export function oldestRemaining(d: ToolDecision): Backup | undefined {
  return d.remaining.filter((b) => b.startLsn !== null).sort((a, b) => (mustParseLsn(a.startLsn!) < mustParseLsn(b.startLsn!) ? -1 : 1))[0]
}


/**
 * What differs between the decision and the tool's catalog read back after its delete: a backup
 * that should be gone and is not, one that should stay and is gone, or a window the remaining
 * backups should still have and do not (the tool removed WAL they need). Empty when exact.
 */
export function checkExpired(d: ToolDecision, after: Catalog): string[] {
  const problems: string[] = []
  const present = new Set(after.backups.map((b) => b.id))
  for (const b of d.delete) if (present.has(b.id)) problems.push(`backup ${b.id} is still in the catalog`)
  for (const b of d.keep) if (!present.has(b.id)) problems.push(`backup ${b.id} was to stay, and is gone`)
  const actual = computeWindows(after.tool, after.backups, after.wal)
  for (const s of d.windowAfter)
    if (!coversPromise([s], actual, 0n)) problems.push(`timeline ${s.timeline} was to stay restorable from ${s.from} (backup ${s.backup}) to ${s.to}, and no longer is`)
  return problems
}
