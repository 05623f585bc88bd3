/**
 * `pitrctl list`: the backups of every tool of the cluster, oldest first, and the recoverable
 * window per tool and timeline.
 */
import type { Backup, Catalog } from '../model/catalog.js'
import { sortBackups } from '../model/catalog.js'
import { coverageByTool, describeCoverage, type Coverage } from '../model/coverage.js'
import { computeWindows, type WindowSpan } from '../model/window.js'
import type { ToolId } from '../model/tool-id.js'
import type { AppContext } from './context.js'
import { readCatalog } from './catalog.js'

export interface ListResult {
  readonly cluster: string
  readonly backups: readonly Backup[]
  readonly window: readonly WindowJson[]
  /** beyond the contract: what each tool alone covers on its current timeline, and in words */
  readonly coverage: readonly Coverage[]
  readonly summary: readonly string[]
}

export interface WindowJson {
  readonly tool: ToolId
  readonly timeline: number
  readonly from: string
  readonly to: string
  /** additions beyond the contract's four fields */
  readonly fromBackup: string
  readonly lastSegment: string
  readonly gapAt: string | null
}

export async function readCatalogs(ctx: AppContext, tools: readonly ToolId[], fillIndex: boolean): Promise<Catalog[]> {
  const out: Catalog[] = []
  for (const t of tools) out.push(await readCatalog(ctx, t, { fillIndex }))
  return out
}

export function toWindowJson(s: WindowSpan): WindowJson {
  return { tool: s.tool, timeline: s.timeline, from: trimMicros(s.from), to: trimMicros(s.to), fromBackup: s.backup, lastSegment: s.lastSegment, gapAt: s.gapAt }
}

/** the contract's JSON times are milliseconds (`…T09:31:18.000Z`) */
function trimMicros(iso: string): string {
  return new Date(Date.parse(iso)).toISOString()
}

export async function listBackups(ctx: AppContext, tools: readonly ToolId[]): Promise<ListResult> {
  const catalogs = await readCatalogs(ctx, tools, true)
  const backups = sortBackups(catalogs.flatMap((c) => c.backups))
  const spans = catalogs.flatMap((c) => computeWindows(c.tool, c.backups, c.wal))
  const coverage = coverageByTool(spans.map((s) => ({ ...s, from: trimMicros(s.from), to: trimMicros(s.to) })))
  return { cluster: ctx.cluster.name, backups, window: spans.map(toWindowJson), coverage, summary: describeCoverage(coverage, tools[0]!) }
}
