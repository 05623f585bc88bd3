/**
 * Tablespaces in a restore: what the backup holds (the tool's own record), what the cluster has
 * now (its pg_tblspc links, names from pg_tablespace when it runs), what each directory holds —
 * then model/tablespaces.ts decides where each goes. In place, the old tablespace directories
 * are moved aside with the data directory's stamp, never deleted.
 */
import { constants, promises as fs } from 'node:fs'
import path from 'node:path'
import { RefusedError } from '../errors.js'
import type { Backup } from '../model/catalog.js'
import type { RecoveryTarget } from '../model/recovery-target.js'
import { defaultTablespaceDest, planTablespaces, type PathState, type Tablespace, type TablespaceMapArg, type TablespacePlan } from '../model/tablespaces.js'
import { TOOL_LABEL, type ToolId } from '../model/tool-id.js'
import { withPg } from '../pg/client.js'
import { postmasterState } from '../pg/server.js'
import { writeFileDurable } from '../util/durable-fs.js'
import { catalogIO } from './catalog.js'
import type { AppContext } from './context.js'

export interface TablespaceRequest {
  /** the copy's data directory; undefined in place */
  readonly into: string | undefined
  readonly maps: readonly TablespaceMapArg[]
  readonly target: RecoveryTarget
}

/** the cluster's tablespaces now: its pg_tblspc symlinks (an in-place tablespace, a plain directory, is part of pgdata) */
export async function liveTablespaces(ctx: AppContext, pgdata: string = ctx.cluster.pgdata): Promise<Tablespace[]> {
  const dir = path.join(pgdata, 'pg_tblspc')
  const out: Tablespace[] = []
  for (const oid of (await fs.readdir(dir).catch(() => [])).sort()) {
    const link = path.join(dir, oid)
    const st = await fs.lstat(link).catch(() => undefined)
    if (!st?.isSymbolicLink()) continue
    out.push({ oid, name: null, location: path.resolve(dir, await fs.readlink(link)) })
  }
  if (out.length === 0 || (await postmasterState(pgdata)).state !== 'running') return out
  const names = await withPg(ctx.pg, (s) => s.query<{ oid: string; spcname: string }>('select oid::text as oid, spcname from pg_tablespace')).catch(() => [])
  return out.map((t) => ({ ...t, name: names.find((n) => n.oid === t.oid)?.spcname ?? null }))
}

/** oid → name of the cluster's tablespaces as last seen running: names for a stopped cluster and tools that keep none */
function namesFile(ctx: AppContext): string {
  return path.join(ctx.stateDir, 'tablespace-names.json')
}

async function rememberedNames(ctx: AppContext): Promise<Record<string, string>> {
  try {
    return JSON.parse(await fs.readFile(namesFile(ctx), 'utf8')) as Record<string, string>
  } catch {
    return {}
  }
}

/** kept at each backup (the server runs then); a tablespace's oid names it for the cluster's life */
export async function rememberTablespaceNames(ctx: AppContext, live: readonly Tablespace[]): Promise<void> {
  const named = live.filter((t) => t.name !== null)
  if (ctx.dryRun || named.length === 0) return
  const names = { ...(await rememberedNames(ctx)), ...Object.fromEntries(named.map((t) => [t.oid, t.name!])) }
  await writeFileDurable(namesFile(ctx), `${JSON.stringify(names, null, 2)}\n`, 0o600)
}

async function pathState(p: string): Promise<PathState> {
  const entries = await fs.readdir(p).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : ['?']))
  if (entries === undefined) return 'absent'
  return entries.length === 0 ? 'empty' : 'occupied'
}

/** where each of `backup`'s tablespaces is restored; refuses (exit 5) or rejects a map (exit 2) before anything is touched */
export async function decideTablespaces(ctx: AppContext, tool: ToolId, backup: Backup, r: TablespaceRequest): Promise<TablespacePlan> {
  const live = await liveTablespaces(ctx)
  const recorded = await ctx.adapter(tool).readTablespaces(ctx.env(tool), backup, catalogIO(ctx, tool))
  // names the tool does not keep (WAL-G, pg_rman) come from the cluster by oid, or from what
  // pitrctl saw at its last backup when the cluster is stopped
  const remembered = recorded.some((t) => t.name === null) ? await rememberedNames(ctx) : {}
  const tablespaces = recorded.map((t) => ({ ...t, location: path.resolve(t.location), name: t.name ?? live.find((l) => l.oid === t.oid)?.name ?? remembered[t.oid] ?? null }))
  const candidates = new Set<string>([
    ...tablespaces.map((t) => t.location),
    ...live.map((t) => t.location),
    ...(r.into ? tablespaces.map((t) => defaultTablespaceDest(r.into!, t)) : []),
    ...r.maps.map((m) => m.new),
  ])
  const states = new Map<string, PathState>()
  for (const p of candidates) states.set(path.resolve(p), await pathState(p))
  return planTablespaces({
    tablespaces, into: r.into, maps: r.maps, relocates: ctx.adapter(tool).capabilities.relocatesTablespaces, tool: TOOL_LABEL[tool], backupId: backup.id,
    cluster: ctx.cluster.name, pgdata: ctx.cluster.pgdata, live, stopsAtBackupEnd: r.target.kind === 'immediate', pathState: states,
  })
}

/** the parents of the directories to move aside must be writable: checked before the data directory moves */
export async function refuseUnmovableTablespaces(ctx: AppContext, dirs: readonly string[]): Promise<void> {
  if (ctx.dryRun) return
  for (const d of dirs) {
    const ok = await fs.access(path.dirname(d), constants.W_OK).then(() => true, () => false)
    if (!ok) throw new RefusedError(`cannot move tablespace directory ${d} aside: its parent is not writable by ${ctx.osUser}`, { hint: 'make the parent writable by the run-as user, or restore with --into DIR' })
  }
}

/** each old tablespace directory to `<dir><suffix>` (the data directory's `.pitrctl-<stamp>`), never deleted */
export async function moveTablespacesAside(ctx: AppContext, dirs: readonly string[], suffix: string): Promise<string[]> {
  const moved: string[] = []
  for (const d of dirs) {
    const aside = `${d}${suffix}`
    if (ctx.dryRun) {
      ctx.dryRunLines.push('# move the old tablespace directory aside (never deleted)', `rename ${d} -> ${aside}`)
      moved.push(aside)
      continue
    }
    if (await fs.stat(aside).then(() => true, () => false)) throw new RefusedError(`${aside} already exists`, { hint: 'wait a second and retry' })
    try {
      await fs.rename(d, aside)
    } catch (e) {
      throw new RefusedError(`cannot move tablespace directory ${d} aside (${(e as NodeJS.ErrnoException).code})`, {
        hint: `move it aside yourself${moved.length ? ` (already moved: ${moved.join(', ')})` : ''}, then restore again`,
      })
    }
    ctx.progress.info(`moved tablespace directory ${d} aside to ${aside}`)
    moved.push(aside)
  }
  return moved
}
