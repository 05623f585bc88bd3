/**
 * Torn archived copies, found where it is cheap: archives pitrctl writes as plain files (native,
 * pg_rman's arclog; their planWalGet reads the file straight from the archive) are checked by
 * size — a segment file that is not exactly the segment size is torn (a copy killed half way, or
 * made outside pitrctl). Compressed archives (pgBackRest, Barman, WAL-G) cannot be checked
 * without fetching every file; their torn copies are refused when fetched (checked-wal-fetch.ts).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Adapter, ToolEnv, VerifyCheck } from '../adapters/adapter.js'
import { DEFAULT_SEGMENT_BYTES, walFileKind } from '../model/wal-name.js'
import type { ToolId } from '../model/tool-id.js'
import type { AppContext } from './context.js'

const PROBE = '000000010000000000000001'

/** the directory holding `tool`'s archived WAL as plain files, or undefined when it is not kept that way */
export function plainArchiveDir(adapter: Adapter, env: ToolEnv): string | undefined {
  const step = adapter.planWalGet(env, PROBE, '/dev/null').steps[0]
  if (step?.kind === 'archive-fetch') return path.dirname(step.src)
  if (step?.kind === 'exec' && step.argv[0] === 'cp' && step.argv[1] === '--' && step.argv[2]?.endsWith(`/${PROBE}`)) return path.dirname(step.argv[2])
  return undefined
}

/** segment files among `names` (all segments in the archive when undefined) whose size is not the segment size */
export async function tornCopies(dir: string, names?: readonly string[]): Promise<string[]> {
  const all = names ?? (await fs.readdir(dir).catch(() => [] as string[]))
  const torn: string[] = []
  for (const n of all) {
    if (walFileKind(n) !== 'segment') continue
    const st = await fs.stat(path.join(dir, n)).catch(() => undefined)
    if (st && st.size !== DEFAULT_SEGMENT_BYTES) torn.push(`${n} (${st.size} bytes)`)
  }
  return torn
}

/** one check line for a plain-file archive, or undefined for tools that store WAL compressed */
export async function tornCheck(ctx: AppContext, tool: ToolId, names?: readonly string[]): Promise<VerifyCheck | undefined> {
  const dir = plainArchiveDir(ctx.adapter(tool), ctx.env(tool))
  if (!dir) return undefined
  const torn = await tornCopies(dir, names)
  return {
    name: `${tool} archived WAL sizes`,
    ok: torn.length === 0,
    detail: torn.length ? `torn (incomplete) copies: ${torn.join(', ')} — the next wal-push of each file repairs it, or restore takes pg_wal's copy` : 'every archived segment is whole',
  }
}
