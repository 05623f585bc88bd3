/**
 * Bytes in the files of a directory tree (what a local repository holds on disk, as the tools'
 * own sizes do not count their WAL archives or catalogs). Symbolic links are not followed;
 * unreadable entries count as nothing. `signal` stops a long walk (a metrics scrape is bounded).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'

export async function dirBytes(dir: string, signal?: AbortSignal): Promise<number> {
  signal?.throwIfAborted()
  let total = 0
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) total += await dirBytes(p, signal)
    else if (e.isFile()) total += await fs.stat(p).then((s) => s.size, () => 0)
  }
  return total
}
