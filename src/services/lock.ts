/**
 * One pitrctl at a time changes a cluster (backup, restore, setup): a pid lock file in the state
 * directory. Node has no flock, so a lock whose process is gone is stale and taken over; a lock
 * whose process lives is refused with its pid.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { RefusedError } from '../errors.js'
import { mkdirMode } from '../util/durable-fs.js'

export interface HeldLock {
  release(): Promise<void>
}

function lockPath(stateDir: string): string {
  return path.join(stateDir, 'lock')
}

async function holder(file: string): Promise<{ pid: number; what: string } | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const [pidText, what = 'unknown'] = text.split('\n')
  const pid = Number(pidText)
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  try {
    process.kill(pid, 0)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return undefined
  }
  return { pid, what }
}

/** another process holds the lock (this one's own lock does not count: it is not taking a backup while it reads) */
export async function lockHeld(stateDir: string): Promise<boolean> {
  const h = await holder(lockPath(stateDir))
  return h !== undefined && h.pid !== process.pid
}

export async function acquireLock(stateDir: string, cluster: string, what: string): Promise<HeldLock> {
  await mkdirMode(stateDir)
  const file = lockPath(stateDir)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const h = await fs.open(file, 'wx', 0o600)
      await h.writeFile(`${process.pid}\n${what}\n`)
      await h.close()
      return { release: () => fs.rm(file, { force: true }) }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const h = await holder(file)
      if (h && h.pid !== process.pid)
        throw new RefusedError(`another pitrctl (pid ${h.pid}, ${h.what}) is working on cluster ${cluster}`, { hint: 'wait for it to finish, then retry' })
      await fs.rm(file, { force: true }) // stale: its process is gone
    }
  }
  throw new RefusedError(`could not take the lock ${file}`, { hint: 'retry' })
}

export async function withLock<T>(stateDir: string, cluster: string, what: string, dryRun: boolean, fn: () => Promise<T>): Promise<T> {
  if (dryRun) return fn()
  const lock = await acquireLock(stateDir, cluster, what)
  try {
    return await fn()
  } finally {
    await lock.release()
  }
}
