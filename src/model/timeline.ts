/**
 * Timeline history: which timeline serves which stretch of WAL. PostgreSQL writes
 * `<TLI>.history` at each promotion; each line is `parentTLI <tab> switchpoint <tab> reason`,
 * listing every ancestor of TLI with the LSN where it was left.
 */
import { formatLsn, parseLsn, type Lsn } from './lsn.js'

export interface HistoryEntry {
  readonly timeline: number
  /** the first LSN that is no longer on `timeline` */
  readonly switchpoint: Lsn
}

export function parseHistoryFile(content: string): HistoryEntry[] {
  const entries: HistoryEntry[] = []
  for (const line of content.split('\n')) {
    const t = line.trim()
    if (t === '' || t.startsWith('#')) continue
    const [tli, lsn] = t.split(/\s+/)
    const switchpoint = lsn === undefined ? undefined : parseLsn(lsn)
    if (!tli || !/^\d+$/.test(tli) || switchpoint === undefined) throw new Error(`bad timeline history line: ${JSON.stringify(line)}`)
    entries.push({ timeline: Number(tli), switchpoint })
  }
  return entries
}

/** one timeline's stretch on the path to a target timeline: [begin, end) */
export interface TimelineSpan {
  readonly timeline: number
  readonly begin: Lsn
  /** undefined: the target timeline itself, open-ended */
  readonly end: Lsn | undefined
}

/**
 * The path of timelines that leads to `target`, oldest first, from its history entries
 * (`histories.get(target)`); timeline 1 has no history file.
 */
export function timelinePath(target: number, histories: ReadonlyMap<number, readonly HistoryEntry[]>): TimelineSpan[] {
  const entries = target === 1 ? [] : histories.get(target)
  if (entries === undefined) throw new MissingHistoryError(target)
  const spans: TimelineSpan[] = []
  let begin = 0n
  for (const e of entries) {
    spans.push({ timeline: e.timeline, begin, end: e.switchpoint })
    begin = e.switchpoint
  }
  spans.push({ timeline: target, begin, end: undefined })
  return spans
}

export class MissingHistoryError extends Error {
  constructor(readonly timeline: number) {
    super(`the history file of timeline ${timeline} is not in the archive`)
  }
}

/** the timeline PostgreSQL reads a position from when recovering towards the path's target */
export function timelineAt(path: readonly TimelineSpan[], lsn: Lsn): number {
  for (let i = path.length - 1; i >= 0; i--) if (lsn >= path[i]!.begin) return path[i]!.timeline
  return path[0]!.timeline
}

/**
 * Whether a position on `timeline` lies on the path: a backup taken on timeline 1 after the
 * switch to timeline 2 cannot recover onto timeline 2.
 */
export function isOnPath(path: readonly TimelineSpan[], timeline: number, lsn: Lsn): boolean {
  const span = path.find((s) => s.timeline === timeline)
  if (!span) return false
  return lsn >= span.begin && (span.end === undefined || lsn <= span.end)
}

export function describePath(path: readonly TimelineSpan[]): string {
  return path.map((s) => `${s.timeline}${s.end === undefined ? '' : ` (until ${formatLsn(s.end)})`}`).join(' → ')
}
