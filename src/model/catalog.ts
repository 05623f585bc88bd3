/**
 * The catalog every adapter reads its tool's output into. `Backup` has exactly the names of the
 * contract's `list --json` object, so what users read and what the code holds match.
 */
import type { ToolId } from './tool-id.js'
import type { HistoryEntry } from './timeline.js'

export type BackupType = 'full' | 'incr' | 'diff' | 'delta'
export type BackupStatus = 'ok' | 'error' | 'running' | 'unverified'

export interface Backup {
  /** the tool's own label */
  readonly id: string
  readonly tool: ToolId
  readonly type: BackupType
  readonly status: BackupStatus
  /** UTC ISO 8601 */
  readonly start: string | null
  readonly stop: string | null
  /** as PostgreSQL prints them (`0/4000028`) */
  readonly startLsn: string | null
  readonly stopLsn: string | null
  readonly timeline: number | null
  readonly walStart: string | null
  readonly walStop: string | null
  readonly size: number | null
  readonly storedSize: number | null
  readonly parent: string | null
  /** major version as a string (`"15"`) */
  readonly pgVersion: string | null
  /** a string: it does not fit a JSON number */
  readonly systemId: string | null
  readonly label: string | null
}

/** what pitrctl learnt from reading one archived segment with pg_waldump */
export interface WalSegmentInfo {
  readonly name: string
  readonly sha256: string | null
  /** start of the last record in the segment, or null when it holds none */
  readonly lastRecordLsn: string | null
  /** ISO with microseconds; null when the segment holds no commit */
  readonly firstCommit: string | null
  readonly lastCommit: string | null
  /** committed xids as sorted, merged [from, to] runs */
  readonly commitXids: readonly (readonly [number, number])[]
  readonly restorePoints: readonly RestorePoint[]
  /**
   * The fields below came with index format 2 (WAL_INDEX_FORMAT); an entry an older pitrctl wrote
   * lacks them, and what depends on them then falls back to what is known without.
   */
  readonly format?: number
  /** the latest commit or abort time in the segment: PostgreSQL's time targets stop at either */
  readonly lastXact?: string | null
  /** every XLOG_BACKUP_END record: where a backup taken on this server becomes consistent */
  readonly backupEnds?: readonly BackupEnd[]
  /** the next 64-bit transaction id of the segment's first checkpoint record (decimal), which gives its xids their epoch */
  readonly nextFullXid?: string | null
}

/** index format that WalSegmentInfo's optional fields belong to */
export const WAL_INDEX_FORMAT = 2

/** one XLOG_BACKUP_END record, as pg_waldump prints it */
export interface BackupEnd {
  /** the backup's start (its redo point), which the record names */
  readonly startLsn: string
  /** where the record starts; the backup's stop LSN is where it ends */
  readonly lsn: string
  readonly endLsn: string
  /** the latest commit or abort time earlier in this segment, null when there is none */
  readonly lastXactBefore: string | null
}

export interface RestorePoint {
  readonly name: string
  readonly lsn: string
  readonly time: string
}

/** the WAL one tool's archive holds */
export interface ArchivedWal {
  /** segment names present (24 hex characters) */
  readonly segments: ReadonlySet<string>
  /** parsed `.history` files present in the archive, by timeline */
  readonly histories: ReadonlyMap<number, readonly HistoryEntry[]>
  /**
   * pg_waldump findings per segment name, where known: the archived segments, and the local
   * index's entries for segments just before a backup that the archive no longer holds
   */
  readonly index: ReadonlyMap<string, WalSegmentInfo>
}

export interface Catalog {
  readonly tool: ToolId
  readonly backups: readonly Backup[]
  readonly wal: ArchivedWal
}

export const EMPTY_WAL: ArchivedWal = { segments: new Set(), histories: new Map(), index: new Map() }

/** oldest first by start time, then by id (ids of every tool sort by time within a tool) */
export function sortBackups(backups: readonly Backup[]): Backup[] {
  return [...backups].sort((a, b) => (a.start ?? '').localeCompare(b.start ?? '') || a.id.localeCompare(b.id))
}

/** the usable-for-restore test every tool shares */
export function isRestorable(b: Backup): boolean {
  return b.status === 'ok' && b.stopLsn !== null && b.startLsn !== null && b.timeline !== null && b.stop !== null
}
