/**
 * wal-push repairs a torn archived copy of the same segment — the one case where replacing an
 * archived file is right: what is there is a strict, incomplete prefix of the file, or fails to
 * decompress. A complete copy with different content is still refused (split brain is loud).
 * pitrctl's own archive copies (native, Barman incoming, pg_rman arclog) do this in archiveCopy
 * (util/durable-fs.ts). pgBackRest never leaves a torn final object: archive-push writes
 * `<file>.pgbackrest.tmp` and renames it (storage/posix/write.c: the temp name until close, then
 * rename), so a kill leaves only a temp file it ignores. WAL-G's FS storage does leave one
 * (adapters/walg/torn.ts): that is handled here.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { walgTorn } from '../adapters/registry.js'
import { ToolError } from '../errors.js'
import { walFileKind } from '../model/wal-name.js'
import type { ToolId } from '../model/tool-id.js'
import type { AppContext } from './context.js'

/** why the archived copy in `fetched` is torn relative to `local`, or undefined when it is not provably torn */
export function tornBecause(local: Buffer, fetched: Buffer | undefined): string | undefined {
  if (fetched === undefined) return 'it cannot be fetched (does not decompress)'
  if (fetched.length < local.length && local.subarray(0, fetched.length).equals(fetched)) return `it is a ${fetched.length}-byte prefix of the ${local.length}-byte file`
  return undefined
}

/**
 * After `tool`'s wal-push of `abs` failed with `err`: when the archive holds a torn copy of it,
 * remove that copy (said on stderr) and return true, so the caller pushes again.
 */
export async function repairTornCopy(ctx: AppContext, tool: ToolId, abs: string, err: unknown): Promise<boolean> {
  const name = path.basename(abs)
  if (tool !== 'walg' || walFileKind(name) !== 'segment' || !(err instanceof ToolError) || ctx.dryRun) return false
  if (!walgTorn.mayBeTornPush(err.failure.stderrTail.join('\n') + '\n' + err.failure.summary)) return false
  const env = ctx.env(tool)
  const adapter = ctx.adapter(tool)
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'pitrctl-torn-'))
  try {
    const dest = path.join(scratch, name)
    const fetched = await ctx.execute(adapter.planWalGet(env, name, dest), tool).then(
      () => fs.readFile(dest),
      () => undefined,
    )
    const why = tornBecause(await fs.readFile(abs), fetched)
    if (!why) return false
    const listing = await ctx.execute(walgTorn.planListWalObjects(env), tool)
    const obj = walgTorn.walObjectOf(listing.get('wal-list')?.stdout ?? '', name)
    if (!obj) return false
    await ctx.execute(walgTorn.planRemoveWalObject(env, obj.object), tool)
    process.stderr.write(`pitrctl: ${tool}'s archived ${obj.object} was a torn copy of ${name} (${why}); removed, archiving again\n`)
    return true
  } finally {
    await fs.rm(scratch, { recursive: true, force: true })
  }
}
