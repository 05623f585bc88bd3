/**
 * What must hold before a restore touches anything, and the one destructive-looking step it
 * takes: refusing a running or unknown postmaster, an occupied or overlapping destination, an
 * unfinished earlier in-place restore; moving the old data directory aside (never deleting it)
 * and marking the in-place restore as in progress until its files and settings are in place.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { RefusedError } from '../errors.js'
import { postmasterState } from '../pg/server.js'
import { isEmptyDir, writeFileDurable } from '../util/durable-fs.js'
import type { AppContext } from './context.js'

/** present while an in-place restore has moved the data directory aside but not finished */
export function restoreMarkerPath(ctx: AppContext): string {
  return path.join(ctx.stateDir, 'restore-in-progress.json')
}

export interface RestoreMarker {
  readonly pgdata: string
  readonly movedAside: string
  readonly backup: string
  readonly target: string
  /** old tablespace directories moved aside (or about to be) with the same stamp */
  readonly tablespaces?: readonly { readonly from: string; readonly aside: string }[]
}

export async function writeRestoreMarker(ctx: AppContext, m: RestoreMarker): Promise<void> {
  if (ctx.dryRun) return
  await writeFileDurable(restoreMarkerPath(ctx), JSON.stringify({ ...m, pid: process.pid, at: new Date().toISOString() }), 0o600)
}

/** the files and settings are in place: an interrupted run is no longer half-done */
export async function removeRestoreMarker(ctx: AppContext): Promise<void> {
  if (ctx.dryRun) return
  await fs.rm(restoreMarkerPath(ctx), { force: true })
}

export async function refuseUnsafeDestination(ctx: AppContext, dest: string, inPlace: boolean): Promise<void> {
  if (inPlace) {
    const pm = await postmasterState(dest)
    if (pm.state === 'running') throw new RefusedError(`the server of cluster ${ctx.cluster.name} is running (pid ${pm.pid})`, { hint: 'stop it first, or restore a copy with --into DIR' })
    if (pm.state === 'unknown') throw new RefusedError(`cannot tell whether a server owns ${dest}: ${pm.why}`, { hint: 'check postmaster.pid and the process by hand; pitrctl will not guess' })
    if (pm.state === 'stale') ctx.progress.info(`postmaster.pid is stale (${pm.why}); the directory is moved aside, not deleted`)
    const exists = await fs.stat(dest).then((s) => s.isDirectory(), () => false)
    if (!exists) throw new RefusedError(`${dest} does not exist`, { hint: 'nothing to restore in place: restore with --into DIR' })
  } else {
    const real = (p: string) => fs.realpath(p).catch(() => path.resolve(p))
    const [d, src] = await Promise.all([real(dest), real(ctx.cluster.pgdata)])
    if (d === src || d.startsWith(`${src}/`) || src.startsWith(`${d}/`))
      throw new RefusedError(`${dest} is, or overlaps, the cluster's own data directory`, { hint: 'pick a directory outside it' })
    const st = await fs.stat(dest).catch(() => undefined)
    if (st && !st.isDirectory()) throw new RefusedError(`${dest} exists and is not a directory`, { hint: 'pick an empty or new directory' })
    if (st && !(await isEmptyDir(dest))) throw new RefusedError(`${dest} is not empty`, { hint: 'pick an empty or new directory; pitrctl never writes over files' })
  }
  // Tablespaces: services/restore-tablespaces.ts decides where each goes, once the backup is chosen.
}

/** an in-place restore that was interrupted after moving the data directory aside must not be silently redone */
export async function refuseUnfinishedRestore(ctx: AppContext, marker: string = restoreMarkerPath(ctx)): Promise<void> {
  const text = await fs.readFile(marker, 'utf8').catch(() => undefined)
  if (text === undefined) return
  const m = JSON.parse(text) as RestoreMarker & { pid: number }
  const ts = (m.tablespaces ?? []).map((t) => ` and ${t.aside} back to ${t.from}`).join('')
  throw new RefusedError(`an earlier in-place restore (backup ${m.backup} to ${m.target}) did not finish: the original data directory is at ${m.movedAside}`, {
    hint: `look at ${m.pgdata}; to start over, move it away yourself and move ${m.movedAside} back to ${m.pgdata}${ts}, then remove ${marker}`,
  })
}

/** `<pgdata>.pitrctl-<YYYYMMDDTHHMMSS>`: the old directory is never deleted */
export async function moveAside(ctx: AppContext, pgdata: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)
  const aside = `${pgdata}.pitrctl-${stamp}`
  if (ctx.dryRun) {
    ctx.dryRunLines.push('# move the old data directory aside (never deleted)', `rename ${pgdata} -> ${aside}`)
    return aside
  }
  if (await fs.stat(aside).then(() => true, () => false)) throw new RefusedError(`${aside} already exists`, { hint: 'wait a second and retry' })
  // Checked again at the last moment: the server may have been started while catalogs were read.
  const pm = await postmasterState(pgdata)
  if (pm.state === 'running' || pm.state === 'unknown') throw new RefusedError(`a server started in ${pgdata} meanwhile`, { hint: 'stop it, then restore again' })
  try {
    await fs.rename(pgdata, aside)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new RefusedError(`cannot move ${pgdata} aside (${code}): ${code === 'EBUSY' ? 'it is a mount point' : 'its parent directory is not writable'}`, {
      hint: 'restore with --into DIR instead, or make the parent writable by the run-as user',
    })
  }
  ctx.progress.info(`moved ${pgdata} aside to ${aside}`)
  return aside
}
