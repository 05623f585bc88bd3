/**
 * The native restore_command's work, kept to light imports: PostgreSQL runs it once per segment
 * during recovery, so bin/run.js calls it without loading the whole CLI (4x faster per segment).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { ToolError, UsageError } from '../errors.js'
import { walFileKind } from '../model/wal-name.js'
import { sha256File } from '../util/durable-fs.js'

export class WalMissing extends Error {}

/**
 * A missing file is normal (PostgreSQL asks for files that do not exist yet, e.g. the next
 * timeline's history): a quiet failure. A file whose checksum differs from the one recorded when
 * it was archived is refused loudly rather than replayed.
 */
export async function fetchNativeWal(walDir: string, indexDir: string, name: string, dest: string): Promise<void> {
  if (!walFileKind(name)) throw new UsageError(`${name} is not a WAL file name`, { hint: 'restore_command passes %f' })
  const src = path.join(walDir, name)
  if (!(await fs.stat(src).then(() => true, () => false))) throw new WalMissing(name)
  const recorded = await fs.readFile(path.join(indexDir, `${name}.json`), 'utf8').then((t) => (JSON.parse(t) as { sha256?: string | null }).sha256 ?? null, () => null)
  if (recorded) {
    const actual = await sha256File(src)
    if (actual !== recorded)
      throw new ToolError({ kind: 'corrupt', tool: 'native', summary: `${name} in the archive does not match the checksum recorded when it was archived`, exitCode: undefined, argv: ['wal-fetch', name], stderrTail: [`recorded ${recorded}`, `now      ${actual}`] })
  }
  await fs.copyFile(src, path.resolve(dest))
}
