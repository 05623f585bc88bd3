/**
 * What `pitrctl metrics` reports, as plain records (what `--json` prints and what the exposition
 * is rendered from), the contract's table of metric names, and the pure steps from a catalog to
 * those records. Times are Unix seconds (fractions kept), sizes bytes.
 */
import type { ExitCode } from '../errors.js'
import { type BackupStatus, type BackupType, type Catalog } from './catalog.js'
import { microsFromIso } from './time.js'
import type { ToolId } from './tool-id.js'
import { missingSegments } from './wal-gaps.js'
import { computeWindows } from './window.js'

export const BACKUP_STATUSES: readonly BackupStatus[] = ['ok', 'error', 'running', 'unverified']

/** the newest `ok` backup of one type */
export interface LastBackupMetrics {
  readonly type: BackupType
  readonly id: string
  readonly endSeconds: number
  readonly durationSeconds: number | null
  /** in the repository: storedSize, else size; null when the tool does not know */
  readonly sizeBytes: number | null
}

/** one timeline's recoverable window (several spans on a timeline are merged: earliest start, latest end) */
export interface WindowMetrics {
  readonly timeline: number
  readonly startSeconds: number
  readonly endSeconds: number
}

export interface CatalogMetrics {
  readonly backups: Readonly<Record<BackupStatus, number>>
  readonly lastSuccess: readonly LastBackupMetrics[]
  readonly windows: readonly WindowMetrics[]
  readonly gapSegments: number
  /** the first few missing segment names, for the human reading --json */
  readonly missingSegments: readonly string[]
}

/** the cluster's archiver as the server reports it (pg_stat_archiver) */
export interface ArchiverMetrics {
  /** pg_stat_archiver.failed_count */
  readonly archiveFailures: number
  /** pg_stat_archiver.last_archived_time; null when nothing was archived since the stats reset */
  readonly lastArchivedSeconds: number | null
}

export interface ToolMetrics {
  readonly tool: ToolId
  /** null: the catalog could not be read (see problems) */
  readonly catalog: CatalogMetrics | null
  /** null: unknown (a problem), or not a local directory pitrctl knows (adopted setups) */
  readonly repoSizeBytes: number | null
  /** the last `verify --restore` that passed; null when none is recorded */
  readonly verifyRestoreLastSuccessSeconds: number | null
}

export type MetricsPart = 'context' | 'archiver' | 'pending-segments' | 'catalog' | 'repo-size' | 'verify-record'

export interface CollectProblem {
  readonly part: MetricsPart
  /** null: the whole cluster (context, archiver, pending segments) */
  readonly tool: ToolId | null
  readonly message: string
  readonly exitCode: ExitCode
}

export interface ClusterMetrics {
  readonly cluster: string
  /** the `tool` label of the cluster-wide server metrics: the primary tool */
  readonly primaryTool: ToolId
  /** null: the server could not be read (see problems) */
  readonly archiver: ArchiverMetrics | null
  /** `.ready` files in pg_wal/archive_status (read on disk, so known while the server is down too); null: unreadable */
  readonly pendingSegments: number | null
  readonly tools: readonly ToolMetrics[]
  readonly problems: readonly CollectProblem[]
}

export interface MetricsReport {
  readonly clusters: readonly ClusterMetrics[]
}

export type MetricType = 'gauge' | 'counter'

export interface MetricDef {
  readonly name: string
  readonly type: MetricType
  readonly help: string
  /** beyond cluster and tool */
  readonly labels: readonly ('type' | 'status' | 'timeline')[]
}

/** the contract's table (spec/cli.md `metrics`), in its order */
export const METRIC_DEFS = [
  { name: 'pitrctl_backup_last_success_timestamp_seconds', type: 'gauge', help: 'End of the newest ok backup of this type, Unix time.', labels: ['type'] },
  { name: 'pitrctl_backup_last_duration_seconds', type: 'gauge', help: 'Duration of the newest ok backup of this type (stop - start).', labels: ['type'] },
  { name: 'pitrctl_backup_last_size_bytes', type: 'gauge', help: 'Size in the repository of the newest ok backup of this type.', labels: ['type'] },
  { name: 'pitrctl_backups', type: 'gauge', help: 'Backups in the catalog by status.', labels: ['status'] },
  { name: 'pitrctl_recovery_window_start_timestamp_seconds', type: 'gauge', help: 'Start of the recoverable window on this timeline (the earliest backup end), Unix time.', labels: ['timeline'] },
  { name: 'pitrctl_recovery_window_end_timestamp_seconds', type: 'gauge', help: 'End of the recoverable window on this timeline (the last archived commit), Unix time.', labels: ['timeline'] },
  { name: 'pitrctl_wal_archive_pending_segments', type: 'gauge', help: 'WAL files PostgreSQL has not archived yet (.ready in pg_wal/archive_status).', labels: [] },
  { name: 'pitrctl_wal_archive_failures_total', type: 'counter', help: 'Failed archive attempts (pg_stat_archiver.failed_count).', labels: [] },
  { name: 'pitrctl_wal_archive_last_success_timestamp_seconds', type: 'gauge', help: 'Last successful archive (pg_stat_archiver.last_archived_time), Unix time.', labels: [] },
  { name: 'pitrctl_wal_archive_gaps', type: 'gauge', help: 'WAL segments missing from the archive between the oldest restorable backup and the newest archived segment.', labels: [] },
  { name: 'pitrctl_repo_size_bytes', type: 'gauge', help: "Bytes in the tool's repository.", labels: [] },
  { name: 'pitrctl_verify_restore_last_success_timestamp_seconds', type: 'gauge', help: 'The last verify --restore that passed, Unix time.', labels: [] },
  { name: 'pitrctl_collect_success', type: 'gauge', help: '1 when every metric above could be read for this cluster and tool, else 0 (and some may be missing).', labels: [] },
] as const satisfies readonly MetricDef[]

export type MetricName = (typeof METRIC_DEFS)[number]['name']

export const secondsFromIso = (iso: string): number => Number(microsFromIso(iso)) / 1e6

/** the catalog part of one tool's metrics, from its catalog (the window as `list` computes it) */
export function toCatalogMetrics(c: Catalog): CatalogMetrics {
  const backups = Object.fromEntries(BACKUP_STATUSES.map((s) => [s, c.backups.filter((b) => b.status === s).length])) as Record<BackupStatus, number>
  const newest = new Map<BackupType, (typeof c.backups)[number]>()
  for (const b of c.backups) {
    if (b.status !== 'ok' || b.stop === null) continue
    const seen = newest.get(b.type)
    if (!seen || secondsFromIso(b.stop) > secondsFromIso(seen.stop!)) newest.set(b.type, b)
  }
  const lastSuccess = [...newest.values()].map((b) => ({
    type: b.type,
    id: b.id,
    endSeconds: secondsFromIso(b.stop!),
    // from the microsecond difference: two large float timestamps subtracted show noise (12.990999937)
    durationSeconds: b.start === null ? null : Number(microsFromIso(b.stop!) - microsFromIso(b.start)) / 1e6,
    sizeBytes: b.storedSize ?? b.size,
  }))
  const byTimeline = new Map<number, { startSeconds: number; endSeconds: number }>()
  for (const s of computeWindows(c.tool, c.backups, c.wal)) {
    const from = secondsFromIso(s.from)
    const to = secondsFromIso(s.to)
    const w = byTimeline.get(s.timeline)
    byTimeline.set(s.timeline, w ? { startSeconds: Math.min(w.startSeconds, from), endSeconds: Math.max(w.endSeconds, to) } : { startSeconds: from, endSeconds: to })
  }
  const windows = [...byTimeline].sort(([a], [b]) => a - b).map(([timeline, w]) => ({ timeline, ...w }))
  const missing = missingSegments(c.backups, c.wal)
  return { backups, lastSuccess, windows, gapSegments: missing.length, missingSegments: missing.slice(0, 10) }
}

/** `pitrctl_collect_success` of one cluster and tool: nothing of the cluster or that tool failed */
export function collectedAll(c: ClusterMetrics, tool: ToolId): boolean {
  return !c.problems.some((p) => p.tool === null || p.tool === tool)
}

/** 0 when everything was read, else the worst (highest) exit code of the problems, over every cluster */
export function metricsExitCode(r: MetricsReport): ExitCode {
  let code: ExitCode = 0
  for (const c of r.clusters) for (const p of c.problems) if (p.exitCode > code) code = p.exitCode
  return code
}
