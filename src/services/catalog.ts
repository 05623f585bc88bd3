/**
 * A tool's whole catalog as the model needs it: its backups (from the adapter), the WAL files its
 * archive holds, the parsed timeline history files (fetched through the tool), and pitrctl's WAL
 * index for those segments.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { CatalogIO } from '../adapters/adapter.js'
import { ToolError } from '../errors.js'
import type { Catalog, WalSegmentInfo } from '../model/catalog.js'
import type { HistoryEntry } from '../model/timeline.js'
import { parseHistoryFile } from '../model/timeline.js'
import type { ToolId } from '../model/tool-id.js'
import { walFileKind } from '../model/wal-name.js'
import { mkdirMode } from '../util/durable-fs.js'
import type { AppContext } from './context.js'
import { lockHeld } from './lock.js'
import { loadIndex, loadPriorEntries } from './wal-index.js'

export function catalogIO(ctx: AppContext, tool: ToolId): CatalogIO {
  return {
    async run(step) {
      const missing = ctx.programs.missingFor([step])
      if (missing) throw missing
      const r = await ctx.runner.run(step)
      if (!r.ok) throw new ToolError(ctx.adapter(tool).classifyFailure(step, r))
      return r
    },
    lockHeld: () => lockHeld(ctx.stateDir),
    readFile: (p) => fs.readFile(p, 'utf8').catch(() => undefined),
    listDir: (p) => fs.readdir(p).catch(() => []),
  }
}

export interface ReadCatalogOptions {
  /** fetch and read segments the index lacks (slow; needed for restores, not for a quick list) */
  readonly fillIndex: boolean
}

export async function readCatalog(ctx: AppContext, tool: ToolId, opts: ReadCatalogOptions): Promise<Catalog> {
  const adapter = ctx.adapter(tool)
  const env = ctx.env(tool)
  const refresh = adapter.planArchiveRefresh(env)
  if (refresh) {
    const problems = adapter.readArchiveRefresh(await ctx.execute(refresh, tool))
    if (problems.length)
      throw new ToolError({ kind: 'archive-mismatch', tool, summary: problems[0]!, exitCode: 0, argv: [], stderrTail: problems.slice(1, 8) })
  }
  const read = await adapter.readCatalog(env, catalogIO(ctx, tool))
  const segments = read.walFiles.filter((n) => walFileKind(n) === 'segment')
  const historyNames = read.walFiles.filter((n) => walFileKind(n) === 'history')
  const histories = await readHistories(ctx, tool, historyNames)
  const index: Map<string, WalSegmentInfo> = await loadIndex(ctx, tool, segments, opts.fillIndex)
  await loadPriorEntries(ctx, read.backups, histories, new Set(segments), index)
  return { tool, backups: read.backups, wal: { segments: new Set(segments), histories, index } }
}

async function readHistories(ctx: AppContext, tool: ToolId, names: readonly string[]): Promise<Map<number, HistoryEntry[]>> {
  const out = new Map<number, HistoryEntry[]>()
  const cacheDir = path.join(ctx.stateDir, 'history-cache', tool)
  for (const name of names) {
    const tli = Number.parseInt(name.slice(0, 8), 16)
    const cached = path.join(cacheDir, name)
    let text = await fs.readFile(cached, 'utf8').catch(() => undefined)
    if (text === undefined) {
      if (ctx.dryRun) continue
      await mkdirMode(cacheDir)
      // Fetched under a temporary name and renamed only on success: a failed fetch may leave a partial file.
      const tmp = `${cached}.${process.pid}.tmp`
      await fs.rm(tmp, { force: true })
      try {
        await ctx.execute(ctx.adapter(tool).planWalGet(ctx.env(tool), name, tmp), tool)
        await fs.rename(tmp, cached)
      } catch {
        await fs.rm(tmp, { force: true })
        continue // reported as a missing history: the timeline chain then has a gap
      }
      text = await fs.readFile(cached, 'utf8').catch(() => undefined)
    }
    if (text !== undefined) out.set(tli, parseHistoryFile(text))
  }
  return out
}
