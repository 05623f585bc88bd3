/**
 * pitrctl's restore_command for every tool: the tool's own get into a hidden name beside %p, then
 * the checks of model/fetched-wal.ts, and only a sound file is renamed to %p. A torn or foreign
 * copy fails the command (exit 1), which PostgreSQL reads as "not archived": it then replays the
 * copy in pg_wal (pitrctl re-injects what the old pg_wal still marked `.ready`, wal-rescue.ts) or
 * ends recovery cleanly where the good WAL ends. Light imports: bin/run.js's fast path uses it.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Adapter, ToolEnv } from '../adapters/adapter.js'
import { walIndexEntry } from '../config/paths.js'
import { AppError, EXIT } from '../errors.js'
import { fetchedWalProblem } from '../model/fetched-wal.js'
import type { Plan } from '../model/plan.js'
import { buildWalCommand } from '../model/recovery-settings.js'
import { walFileKind } from '../model/wal-name.js'
import { sha256File } from '../util/durable-fs.js'
import { planWalFetch } from './wal-fetch-plan.js'

/** the archive holds a copy of the file, but not one PostgreSQL may replay */
export class UnusableArchivedWalError extends AppError {
  readonly exitCode = EXIT.toolFailed
  constructor(
    readonly walName: string,
    readonly problem: string,
    tool: string,
  ) {
    super(`${tool}'s archived copy of ${walName} is not used: ${problem}`, { hint: "recovery takes pg_wal's copy if there is one; `pitrctl wal-push` of the complete file repairs the archive" })
  }
}

/** the restore_command pitrctl writes for every tool: `pitrctl wal-fetch --tool X %f %p` */
export function checkedRestoreCommand(env: ToolEnv): string {
  return buildWalCommand([...env.pitrctl, 'wal-fetch', '--config', env.configPath, '--cluster', env.cluster, '--tool', env.tool, { placeholder: '%f' }, { placeholder: '%p' }])
}

async function recordedSha256(env: ToolEnv, name: string): Promise<string | null> {
  const text = await fs.readFile(walIndexEntry(env.stateDir, name), 'utf8').catch(() => undefined)
  if (text === undefined) return null
  try {
    return (JSON.parse(text) as { sha256?: string | null }).sha256 ?? null
  } catch {
    return null
  }
}

/** why the file at `file`, fetched as `name`, must not be replayed; undefined when sound */
export async function checkFetchedWal(env: ToolEnv, name: string, file: string): Promise<string | undefined> {
  if (walFileKind(name) !== 'segment') return undefined
  const st = await fs.stat(file)
  const h = await fs.open(file, 'r')
  const head = Buffer.alloc(Math.min(40, st.size))
  try {
    await h.read(head, 0, head.length, 0)
  } finally {
    await h.close()
  }
  const recorded = await recordedSha256(env, name)
  const sha256 = recorded ? await sha256File(file) : null
  return fetchedWalProblem({ name, bytes: st.size, head, recordedSha256: recorded, sha256 })
}

/** fetch `name` from `adapter`'s archive to `dest` through a hidden temp file, checked before it gets its name */
export async function checkedWalFetch(execute: (p: Plan) => Promise<unknown>, adapter: Adapter, env: ToolEnv, name: string, dest: string): Promise<void> {
  const abs = path.resolve(dest)
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.pitrctl-fetch-${process.pid}`)
  // WAL-G opens its destination O_EXCL: a leftover of a killed run must go first.
  await fs.rm(tmp, { force: true })
  try {
    await execute(planWalFetch(adapter, env, name, tmp))
    const problem = await checkFetchedWal(env, name, tmp)
    if (problem) throw new UnusableArchivedWalError(name, problem, adapter.id)
    await fs.rename(tmp, abs)
  } finally {
    await fs.rm(tmp, { force: true })
  }
}
