/**
 * Reading a backup's content for verification (ContentIO), and recording its stored objects right
 * after a backup, for the tools whose own checks do not read content (adapter.readStoredObjects).
 */
import path from 'node:path'
import type { ContentIO } from '../adapters/adapter.js'
import { contentRecordPath } from '../config/paths.js'
import type { Backup } from '../model/catalog.js'
import { renderContentRecord } from '../model/content-record.js'
import type { ToolId } from '../model/tool-id.js'
import { loadFileDigest } from '../util/digest.js'
import { mkdirMode, writeFileDurable } from '../util/durable-fs.js'
import { catalogIO } from './catalog.js'
import type { AppContext } from './context.js'

export function contentIO(ctx: AppContext, tool: ToolId): ContentIO {
  return {
    ...catalogIO(ctx, tool),
    digestFile: (p) => loadFileDigest(p),
    runDigest: (step) => ctx.runner.run(step, { digestStdout: true }),
  }
}

/** true when a record was written; the tools that check their own content write none */
export async function recordStoredObjects(ctx: AppContext, tool: ToolId, backup: Backup): Promise<boolean> {
  const objects = await ctx.adapter(tool).readStoredObjects(ctx.env(tool), backup, contentIO(ctx, tool))
  if (objects === null) return false
  const file = contentRecordPath(ctx.stateDir, tool, backup.id)
  await mkdirMode(path.dirname(file))
  await writeFileDurable(file, renderContentRecord({ tool, backup: backup.id, recordedAt: new Date().toISOString(), objects }), 0o600)
  return true
}
