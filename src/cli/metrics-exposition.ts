/**
 * The Prometheus text exposition (format 0.0.4) of a metrics report, rendered by prom-client from
 * a registry of its own (never the global one, and no process metrics): every contract name has
 * its one `# HELP` and `# TYPE` however many clusters and tools the report holds. Pure: records
 * in, text out.
 */
import { Counter, Gauge, Registry } from 'prom-client'
import { BACKUP_STATUSES, METRIC_DEFS, collectedAll, type MetricName, type MetricsReport } from '../model/metrics.js'

export const EXPOSITION_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE

type Labels = Record<string, string | number>

export function toRegistry(report: MetricsReport): Registry {
  const registry = new Registry()
  const metric = new Map<MetricName, Gauge | Counter>()
  for (const d of METRIC_DEFS) {
    const opts = { name: d.name, help: d.help, labelNames: ['cluster', 'tool', ...d.labels], registers: [registry] }
    metric.set(d.name, d.type === 'counter' ? new Counter(opts) : new Gauge(opts))
  }
  const set = (name: MetricName, labels: Labels, value: number) => {
    const m = metric.get(name)!
    // A counter is rendered from a value read elsewhere (failed_count): a fresh registry starts at 0.
    if (m instanceof Counter) m.inc(labels, value)
    else m.set(labels, value)
  }
  for (const c of report.clusters) {
    const server = { cluster: c.cluster, tool: c.primaryTool }
    if (c.pendingSegments !== null) set('pitrctl_wal_archive_pending_segments', server, c.pendingSegments)
    if (c.archiver) {
      set('pitrctl_wal_archive_failures_total', server, c.archiver.archiveFailures)
      if (c.archiver.lastArchivedSeconds !== null) set('pitrctl_wal_archive_last_success_timestamp_seconds', server, c.archiver.lastArchivedSeconds)
    }
    for (const t of c.tools) {
      const l = { cluster: c.cluster, tool: t.tool }
      if (t.catalog) {
        for (const b of t.catalog.lastSuccess) {
          set('pitrctl_backup_last_success_timestamp_seconds', { ...l, type: b.type }, b.endSeconds)
          if (b.durationSeconds !== null) set('pitrctl_backup_last_duration_seconds', { ...l, type: b.type }, b.durationSeconds)
          if (b.sizeBytes !== null) set('pitrctl_backup_last_size_bytes', { ...l, type: b.type }, b.sizeBytes)
        }
        for (const s of BACKUP_STATUSES) set('pitrctl_backups', { ...l, status: s }, t.catalog.backups[s])
        for (const w of t.catalog.windows) {
          set('pitrctl_recovery_window_start_timestamp_seconds', { ...l, timeline: w.timeline }, w.startSeconds)
          set('pitrctl_recovery_window_end_timestamp_seconds', { ...l, timeline: w.timeline }, w.endSeconds)
        }
        set('pitrctl_wal_archive_gaps', l, t.catalog.gapSegments)
      }
      if (t.repoSizeBytes !== null) set('pitrctl_repo_size_bytes', l, t.repoSizeBytes)
      if (t.verifyRestoreLastSuccessSeconds !== null) set('pitrctl_verify_restore_last_success_timestamp_seconds', l, t.verifyRestoreLastSuccessSeconds)
      set('pitrctl_collect_success', l, collectedAll(c, t.tool) ? 1 : 0)
    }
  }
  return registry
}

export async function renderExposition(report: MetricsReport): Promise<string> {
  return toRegistry(report).metrics()
}
