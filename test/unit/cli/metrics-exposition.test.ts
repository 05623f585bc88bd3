import { describe, expect, it } from 'vitest'
import { renderExposition } from '../../../src/cli/metrics-exposition.js'
import { METRIC_DEFS, type CatalogMetrics, type ClusterMetrics, type MetricsReport, type ToolMetrics } from '../../../src/model/metrics.js'
import type { ToolId } from '../../../src/model/tool-id.js'

const catalog = (over: Partial<CatalogMetrics> = {}): CatalogMetrics => ({
  backups: { ok: 2, error: 1, running: 0, unverified: 0 },
  lastSuccess: [{ type: 'full', id: 'b', endSeconds: 1763717478.5, durationSeconds: 3.25, sizeBytes: 3081958 }],
  windows: [{ timeline: 1, startSeconds: 1763717478.5, endSeconds: 1763719361.123456 }],
  gapSegments: 0,
  missingSegments: [],
  ...over,
})

const tool = (t: ToolId, over: Partial<ToolMetrics> = {}): ToolMetrics => ({ tool: t, catalog: catalog(), repoSizeBytes: 52_000_000, verifyRestoreLastSuccessSeconds: null, ...over })

/** sample lines keyed by `name{labels}` (prom-client writes labels in labelNames order) */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    out.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return out
}

// Each tool's records and the series they must become, side by side.
const TABLE: { tool: ToolId; records: ToolMetrics; expected: Record<string, number> }[] = [
  {
    tool: 'native',
    records: tool('native', { verifyRestoreLastSuccessSeconds: 1763720000 }),
    expected: {
      'pitrctl_backup_last_success_timestamp_seconds{cluster="main",tool="native",type="full"}': 1763717478.5,
      'pitrctl_backup_last_duration_seconds{cluster="main",tool="native",type="full"}': 3.25,
      'pitrctl_backup_last_size_bytes{cluster="main",tool="native",type="full"}': 3081958,
      'pitrctl_verify_restore_last_success_timestamp_seconds{cluster="main",tool="native"}': 1763720000,
      'pitrctl_collect_success{cluster="main",tool="native"}': 1,
    },
  },
  {
    tool: 'pgbackrest',
    records: tool('pgbackrest', {
      catalog: catalog({
        lastSuccess: [
          { type: 'full', id: 'F', endSeconds: 100, durationSeconds: 10, sizeBytes: 5 },
          { type: 'diff', id: 'D', endSeconds: 200, durationSeconds: 2, sizeBytes: 1 },
          { type: 'incr', id: 'I', endSeconds: 300, durationSeconds: 1, sizeBytes: 0 },
        ],
      }),
    }),
    expected: {
      'pitrctl_backup_last_success_timestamp_seconds{cluster="main",tool="pgbackrest",type="diff"}': 200,
      'pitrctl_backup_last_size_bytes{cluster="main",tool="pgbackrest",type="incr"}': 0,
      'pitrctl_backups{cluster="main",tool="pgbackrest",status="error"}': 1,
      'pitrctl_backups{cluster="main",tool="pgbackrest",status="unverified"}': 0,
    },
  },
  {
    tool: 'barman',
    records: tool('barman', { catalog: catalog({ windows: [{ timeline: 1, startSeconds: 10, endSeconds: 20 }, { timeline: 2, startSeconds: 30, endSeconds: 40 }], gapSegments: 2 }) }),
    expected: {
      'pitrctl_recovery_window_start_timestamp_seconds{cluster="main",tool="barman",timeline="1"}': 10,
      'pitrctl_recovery_window_end_timestamp_seconds{cluster="main",tool="barman",timeline="2"}': 40,
      'pitrctl_wal_archive_gaps{cluster="main",tool="barman"}': 2,
      'pitrctl_repo_size_bytes{cluster="main",tool="barman"}': 52_000_000,
    },
  },
  {
    tool: 'walg',
    // WAL-G does not know a delta backup's duration here: no duration series, the rest stays
    records: tool('walg', { catalog: catalog({ lastSuccess: [{ type: 'delta', id: 'base_0000', endSeconds: 50, durationSeconds: null, sizeBytes: null }] }) }),
    expected: { 'pitrctl_backup_last_success_timestamp_seconds{cluster="main",tool="walg",type="delta"}': 50 },
  },
  {
    tool: 'pg_rman',
    records: tool('pg_rman', { repoSizeBytes: null }),
    expected: { 'pitrctl_backups{cluster="main",tool="pg_rman",status="ok"}': 2, 'pitrctl_collect_success{cluster="main",tool="pg_rman"}': 1 },
  },
]

const main: ClusterMetrics = {
  cluster: 'main',
  primaryTool: 'native',
  archiver: { archiveFailures: 3, lastArchivedSeconds: 1763719360.25 },
  pendingSegments: 1,
  tools: TABLE.map((r) => r.records),
  problems: [],
}

// a second cluster whose server is down: catalog metrics and the count on disk stay, collect_success is 0
const down: ClusterMetrics = {
  cluster: 'reports',
  primaryTool: 'pgbackrest',
  archiver: null,
  pendingSegments: 7,
  tools: [tool('pgbackrest'), tool('native', { catalog: null, repoSizeBytes: null })],
  problems: [
    { part: 'archiver', tool: null, message: 'cannot connect', exitCode: 1 },
    { part: 'catalog', tool: 'native', message: 'no repo', exitCode: 1 },
  ],
}

const report: MetricsReport = { clusters: [main, down] }

describe('renderExposition', () => {
  it.each(TABLE)('$tool: its records become the expected series', async ({ expected }) => {
    const got = samples(await renderExposition(report))
    for (const [series, value] of Object.entries(expected)) expect(got.get(series), series).toBe(value)
  })

  it('has every contract name with one HELP and one TYPE, and nothing else (own registry, no process metrics)', async () => {
    const text = await renderExposition(report)
    const help = text.split('\n').filter((l) => l.startsWith('# HELP '))
    const type = text.split('\n').filter((l) => l.startsWith('# TYPE '))
    expect(help.map((l) => l.split(' ')[2])).toEqual(METRIC_DEFS.map((d) => d.name))
    expect(type).toEqual(METRIC_DEFS.map((d) => `# TYPE ${d.name} ${d.type}`))
    const names = new Set([...samples(text).keys()].map((k) => k.slice(0, k.indexOf('{'))))
    expect([...names].sort()).toEqual(METRIC_DEFS.map((d) => d.name).sort())
    expect(text).not.toMatch(/process_|nodejs_/)
  })

  it('labels the cluster-wide archiver series with the primary tool only, the counter with its value', async () => {
    const got = samples(await renderExposition(report))
    expect(got.get('pitrctl_wal_archive_failures_total{cluster="main",tool="native"}')).toBe(3)
    expect(got.get('pitrctl_wal_archive_last_success_timestamp_seconds{cluster="main",tool="native"}')).toBe(1763719360.25)
    expect(got.get('pitrctl_wal_archive_pending_segments{cluster="main",tool="native"}')).toBe(1)
    expect([...got.keys()].filter((k) => k.startsWith('pitrctl_wal_archive_failures_total'))).toEqual(['pitrctl_wal_archive_failures_total{cluster="main",tool="native"}'])
  })

  it('a cluster with a down server keeps its catalog series; collect_success is 0 for each of its tools', async () => {
    const got = samples(await renderExposition(report))
    expect(got.get('pitrctl_collect_success{cluster="reports",tool="pgbackrest"}')).toBe(0)
    expect(got.get('pitrctl_collect_success{cluster="reports",tool="native"}')).toBe(0)
    expect(got.get('pitrctl_backups{cluster="reports",tool="pgbackrest",status="ok"}')).toBe(2)
    expect(got.get('pitrctl_wal_archive_pending_segments{cluster="reports",tool="pgbackrest"}')).toBe(7)
    expect([...got.keys()].some((k) => k.includes('cluster="reports"') && k.startsWith('pitrctl_wal_archive_failures'))).toBe(false)
    expect([...got.keys()].some((k) => k.includes('cluster="reports",tool="native"') && k.startsWith('pitrctl_backups'))).toBe(false)
  })

  it('a problem with one tool leaves the others of the cluster at 1', async () => {
    const one: ClusterMetrics = { ...main, problems: [{ part: 'repo-size', tool: 'barman', message: 'EACCES', exitCode: 1 }] }
    const got = samples(await renderExposition({ clusters: [one] }))
    expect(got.get('pitrctl_collect_success{cluster="main",tool="barman"}')).toBe(0)
    expect(got.get('pitrctl_collect_success{cluster="main",tool="pgbackrest"}')).toBe(1)
  })

  it('without clusters still names every metric (an empty but valid exposition)', async () => {
    const text = await renderExposition({ clusters: [] })
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE ')).length).toBe(METRIC_DEFS.length)
    expect(samples(text).size).toBe(0)
  })
})
