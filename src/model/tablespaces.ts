/**
 * Where each tablespace of a backup is restored (contract, restore): in place at its old path
 * (the old directory moved aside first); for a copy (`--into DIR`) at `<DIR>.tablespaces/<name>`
 * unless `--tablespace-map OLD=NEW` says otherwise — and never into a directory of a live
 * cluster (reliability.md L15). One pure decision, refusals included, so every path (restore,
 * verify --restore, the drill) and every tool gets the same answer.
 */
import path from 'node:path'
import { RefusedError, UsageError } from '../errors.js'

/** one tablespace as a backup (or the live cluster) knows it: its pg_tblspc/<oid> link and where it points */
export interface Tablespace {
  readonly oid: string
  /** the name in pg_tablespace; null where neither the tool nor the server says */
  readonly name: string | null
  /** absolute; the directory the pg_tblspc link points to (it holds PG_<major>_<catversion>/) */
  readonly location: string
}

/** a tablespace and the directory it is restored to */
export interface TablespaceDest extends Tablespace {
  readonly dest: string
}

/** one `--tablespace-map OLD=NEW` */
export interface TablespaceMapArg {
  /** a tablespace's name or its old path (or its oid) */
  readonly old: string
  readonly new: string
}

export function parseTablespaceMap(arg: string): TablespaceMapArg {
  const i = arg.indexOf('=')
  const old = i < 0 ? '' : arg.slice(0, i).trim()
  const dest = i < 0 ? '' : arg.slice(i + 1).trim()
  if (!old || !dest) throw new UsageError(`--tablespace-map ${arg}: expected OLD=NEW`, { hint: 'OLD is the tablespace name or its old path, NEW an absolute directory' })
  if (!path.isAbsolute(dest)) throw new UsageError(`--tablespace-map ${arg}: ${dest} is not an absolute path`, { hint: 'give the new directory as an absolute path' })
  return { old, new: path.resolve(dest) }
}

/** what a directory holds now, as the service found it */
export type PathState = 'absent' | 'empty' | 'occupied'

export interface TablespacePlanInput {
  /** the backup's tablespaces */
  readonly tablespaces: readonly Tablespace[]
  /** the copy's data directory; undefined in place */
  readonly into: string | undefined
  readonly maps: readonly TablespaceMapArg[]
  /** the tool can restore a tablespace at another path than its old one */
  readonly relocates: boolean
  readonly tool: string
  readonly backupId: string
  readonly cluster: string
  /** the cluster's data directory and its tablespaces now (from pg_tblspc) */
  readonly pgdata: string
  readonly live: readonly Tablespace[]
  /** recovery stops at the backup's end (`immediate`): no later CREATE TABLESPACE is replayed */
  readonly stopsAtBackupEnd: boolean
  /** the state of every directory named by a tablespace or a destination; missing = absent */
  readonly pathState: ReadonlyMap<string, PathState>
}

export interface TablespacePlan {
  readonly tablespaces: readonly TablespaceDest[]
  /** in place: old tablespace directories to move aside (like the data directory) before the tool runs */
  readonly moveAside: readonly string[]
  readonly notes: readonly string[]
}

const label = (t: Tablespace) => (t.name ?? `oid ${t.oid}`)
const norm = (p: string) => path.resolve(p)
/** a equals b, or one lies inside the other */
export function overlaps(a: string, b: string): boolean {
  const x = norm(a)
  const y = norm(b)
  return x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`)
}

/** `<DIR>.tablespaces/<name>` (the oid where no name is known) */
export function defaultTablespaceDest(into: string, t: Tablespace): string {
  return path.join(`${norm(into)}.tablespaces`, t.name ?? t.oid)
}

export function planTablespaces(i: TablespacePlanInput): TablespacePlan {
  const state = (p: string): PathState => i.pathState.get(norm(p)) ?? 'absent'
  const mapped = resolveMaps(i.tablespaces, i.maps, i.backupId)
  const notes: string[] = []
  const out: TablespaceDest[] = []
  const aside: string[] = []
  const inPlace = i.into === undefined

  // A copy that replays a CREATE TABLESPACE recreates it at the live path: PostgreSQL's redo
  // empties and reuses that directory. Only a tablespace the backup already has is mapped.
  if (!inPlace && !i.stopsAtBackupEnd) {
    const known = new Set(i.tablespaces.map((t) => t.oid))
    const later = i.live.find((t) => !known.has(t.oid) && state(t.location) !== 'absent')
    if (later)
      throw new RefusedError(
        `tablespace ${label(later)} (${later.location}) is newer than backup ${i.backupId}: a copy that replays its creation would write into the live directory`,
        { hint: 'take a new backup and restore from it, or restore --to immediate' },
      )
  }

  for (const t of i.tablespaces) {
    const asked = mapped.get(t.oid)
    let dest = asked ?? (inPlace ? norm(t.location) : defaultTablespaceDest(i.into!, t))
    if (!i.relocates && dest !== norm(t.location)) {
      const inUse = state(t.location) === 'occupied' || liveOwner(i, t.location) !== undefined
      if (asked !== undefined || inUse)
        throw new RefusedError(
          `${i.tool} restores tablespace ${label(t)} only at its old path ${t.location}, which ${inUse ? 'is in use' : 'differs from the --tablespace-map you gave'}`,
          { hint: inPlace ? 'restore in place without --tablespace-map' : 'stop the cluster and restore in place, or restore with a tool that maps tablespaces' },
        )
      dest = norm(t.location)
      notes.push(`${i.tool} restores tablespace ${label(t)} only at its old path: ${dest} (free)`)
    }
    if (dest !== norm(t.location) || !inPlace) {
      // a new directory for this tablespace: it must be nobody's
      const owner = liveOwner(i, dest)
      if (owner !== undefined)
        throw new RefusedError(`tablespace ${label(t)} would be restored into ${dest}, which belongs to cluster ${i.cluster} (${owner})`, {
          hint: `map it elsewhere with --tablespace-map ${t.name ?? t.location}=DIR`,
        })
      if (!inPlace && overlaps(dest, i.into!))
        throw new RefusedError(`tablespace ${label(t)} would be restored into ${dest}, inside the copy's data directory ${i.into}`, { hint: 'map it outside with --tablespace-map' })
      if (state(dest) === 'occupied')
        throw new RefusedError(`tablespace ${label(t)} would be restored into ${dest}, which is not empty`, { hint: `pick an empty or new directory with --tablespace-map ${t.name ?? t.location}=DIR` })
    } else if (state(t.location) !== 'absent') {
      aside.push(norm(t.location))
    }
    const clash = out.find((o) => overlaps(o.dest, dest))
    if (clash) throw new UsageError(`tablespaces ${label(clash)} and ${label(t)} would both be restored into ${dest}`, { hint: 'give each its own directory with --tablespace-map' })
    out.push({ ...t, location: norm(t.location), dest })
  }
  return { tablespaces: out, moveAside: aside, notes }
}

/** which of the live cluster's directories `p` overlaps, in words; undefined when none */
function liveOwner(i: TablespacePlanInput, p: string): string | undefined {
  if (overlaps(p, i.pgdata)) return 'its data directory'
  const t = i.live.find((l) => overlaps(p, l.location))
  return t ? `its tablespace ${label(t)}` : undefined
}

/** each map's OLD to the tablespace it names (by name, old path, or oid); unknown names are a usage error */
function resolveMaps(ts: readonly Tablespace[], maps: readonly TablespaceMapArg[], backupId: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of maps) {
    const t = ts.find((x) => x.name === m.old) ?? ts.find((x) => path.isAbsolute(m.old) && norm(x.location) === norm(m.old)) ?? ts.find((x) => x.oid === m.old)
    if (!t) {
      const have = ts.length ? ts.map((x) => `${label(x)} (${x.location})`).join(', ') : 'none'
      throw new UsageError(`--tablespace-map ${m.old}=${m.new}: backup ${backupId} has no tablespace ${m.old}`, { hint: `its tablespaces: ${have}` })
    }
    if (out.has(t.oid)) throw new UsageError(`--tablespace-map names tablespace ${label(t)} twice`, { hint: 'map each tablespace once' })
    out.set(t.oid, norm(m.new))
  }
  return out
}
