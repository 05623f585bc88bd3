/**
 * Writes that survive a crash without ever leaving a partial file under its final name:
 * temp file in the same directory, fsync, rename, fsync the directory (reliability.md rule 8).
 */
import { createHash, randomBytes } from 'node:crypto'
import { constants, promises as fs } from 'node:fs'
import path from 'node:path'

async function fsyncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, constants.O_RDONLY)
  try {
    await h.sync()
  } finally {
    await h.close()
  }
}

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.pitrctl-tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
}

/** a hidden temp file beside `file` holding `content`, fsynced; removed again on failure */
async function writeSyncedTemp(file: string, content: string | Buffer, mode: number): Promise<string> {
  const tmp = tempName(file)
  const h = await fs.open(tmp, 'wx', mode)
  try {
    await h.writeFile(content)
    await h.chmod(mode)
    await h.sync()
  } catch (e) {
    await h.close()
    await fs.rm(tmp, { force: true })
    throw e
  }
  await h.close()
  return tmp
}

export async function writeFileDurable(file: string, content: string | Buffer, mode = 0o600): Promise<void> {
  const tmp = await writeSyncedTemp(file, content, mode)
  await fs.rename(tmp, file)
  await fsyncDir(path.dirname(file))
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  const h = await fs.open(file, 'r')
  try {
    for await (const chunk of h.createReadStream()) hash.update(chunk as Buffer)
  } finally {
    await h.close().catch(() => undefined)
  }
  return hash.digest('hex')
}

export class ArchiveMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly existingSha256: string,
    readonly newSha256: string,
  ) {
    super(`${file} already exists in the archive with different content (archived sha256 ${existingSha256.slice(0, 16)}…, this one ${newSha256.slice(0, 16)}…)`)
  }
}

export interface ArchiveCopyResult {
  /** repaired: what the archive held was a torn copy (a strict prefix of this file) and is replaced */
  readonly outcome: 'archived' | 'already-archived' | 'repaired'
  readonly sha256: string
  readonly bytes: number
}

/** a torn copy of `data`: shorter, and every byte it has is `data`'s (what a write killed half way leaves) */
export function isStrictPrefix(existing: Buffer, data: Buffer): boolean {
  return existing.length < data.length && data.subarray(0, existing.length).equals(existing)
}

/**
 * Copy one WAL file into an archive directory. The same content already there is success
 * (PostgreSQL re-archives after a crash, L10); a strict prefix of it (a torn copy, from a writer
 * killed half way or a copy made outside pitrctl) is replaced, atomically; other different
 * content is refused and the stored file is left untouched (a split brain must be loud, never
 * silently overwritten).
 */
export async function archiveCopy(src: string, destDir: string): Promise<ArchiveCopyResult> {
  const name = path.basename(src)
  const dest = path.join(destDir, name)
  const data = await fs.readFile(src)
  const sha256 = createHash('sha256').update(data).digest('hex')
  const existing = await fs.readFile(dest).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined
    throw e
  })
  if (existing !== undefined) {
    const existingSha = createHash('sha256').update(existing).digest('hex')
    if (existingSha === sha256) return { outcome: 'already-archived', sha256, bytes: data.length }
    if (!isStrictPrefix(existing, data)) throw new ArchiveMismatchError(dest, existingSha, sha256)
    const tmp = await writeSyncedTemp(dest, data, 0o600)
    try {
      // rename() replaces the torn file in one step: readers see the torn or the whole file, never less.
      await fs.rename(tmp, dest)
    } catch (e) {
      await fs.rm(tmp, { force: true })
      throw e
    }
    await fsyncDir(destDir)
    return { outcome: 'repaired', sha256, bytes: data.length }
  }
  const tmp = await writeSyncedTemp(dest, data, 0o600)
  // link() instead of rename(): it fails if another writer got there first, so two concurrent
  // pushes of different content cannot overwrite each other.
  try {
    await fs.link(tmp, dest)
  } catch (e) {
    await fs.rm(tmp, { force: true })
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return archiveCopy(src, destDir)
    throw e
  }
  await fs.rm(tmp, { force: true })
  await fsyncDir(destDir)
  return { outcome: 'archived', sha256, bytes: data.length }
}

export class ArchivedFileMissing extends Error {}

export class ArchivedFileChanged extends Error {
  constructor(
    readonly file: string,
    readonly recordedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`${path.basename(file)} in the archive does not match the checksum recorded when it was archived`)
  }
}

/** copy `src` out of an archive to `dest`, checking it against the sha256 in `indexEntry` when one was recorded */
export async function archiveFetch(src: string, dest: string, indexEntry: string | undefined): Promise<void> {
  if (!(await fs.stat(src).then(() => true, () => false))) throw new ArchivedFileMissing(src)
  const recorded = indexEntry === undefined ? null : await fs.readFile(indexEntry, 'utf8').then((t) => (JSON.parse(t) as { sha256?: string | null }).sha256 ?? null, () => null)
  if (recorded) {
    const actual = await sha256File(src)
    if (actual !== recorded) throw new ArchivedFileChanged(src, recorded, actual)
  }
  await fs.copyFile(src, dest)
}

export async function mkdirMode(dir: string, mode = 0o700): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode })
}

export async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  )
}

export async function isEmptyDir(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return []
    throw e
  })
  return entries.length === 0
}
