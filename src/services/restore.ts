/**
 * `pitrctl restore --to TARGET`: choose the backup and timeline, refuse what cannot be reached
 * before anything is touched, move an in-place data directory aside and rescue its unarchived
 * WAL, let the tool restore the files, make the recovery settings exactly right, and with
 * --start prove from the server that the target was reached.
 */
import { promises as fs } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { AppError, RefusedError, UnreachableTargetError, UsageError } from '../errors.js'
import type { Backup, Catalog, WalSegmentInfo } from '../model/catalog.js'
import { chooseBaseBackup, type BaseChoice } from '../model/choose-backup.js'
import { parseLsn } from '../model/lsn.js'
import { execStep, plan } from '../model/plan.js'
import { planRecoveryConfig } from '../model/recovery-config.js'
import { parseConfLines, toRecoverySettings } from '../model/recovery-settings.js'
import { describeTarget, targetToJson, type RecoveryAction, type RecoveryTarget, type TimelineChoice } from '../model/recovery-target.js'
import { describePath, timelineAt } from '../model/timeline.js'
import type { ToolId } from '../model/tool-id.js'
import { parseSegmentHeader, segmentRejection } from '../model/wal-page.js'
import { parseSegmentName, walFileKind } from '../model/wal-name.js'
import { summarizeWalk, walkArchive } from '../model/window.js'
import { postmasterState } from '../pg/server.js'
import { isEmptyDir, writeFileDurable } from '../util/durable-fs.js'
import { archiveCommand, ensureArchived, walPush } from './archiving.js'
import type { AppContext } from './context.js'
import { selectTools } from './context.js'
import { readCatalogs } from './list.js'
import { withLock } from './lock.js'
import { startAndWatch, type Reached } from './recovery-watch.js'
import { analyzeSegment } from './wal-index.js'

export interface RestoreOptions {
  readonly target: RecoveryTarget
  readonly backupId: string | undefined
  readonly tool: string | undefined
  readonly into: string | undefined
  readonly port: number | undefined
  readonly action: RecoveryAction
  readonly exclusive: boolean
  readonly timeline: TimelineChoice
  readonly start: boolean
  readonly yes: boolean
  /** asks on a terminal; undefined when there is none */
  readonly confirm: ((question: string) => Promise<boolean>) | undefined
}

export interface RestoreResult {
  readonly cluster: string
  readonly tool: ToolId
  readonly backup: string
  readonly target: string
  readonly pgdata: string
  readonly movedAside: string | null
  readonly started: boolean
  readonly reached: Reached | null
  /** beyond the contract's fields */
  readonly timeline: number
  readonly state: 'paused' | 'promoted' | 'shutdown' | 'not-started'
  readonly stoppedAt: string | null
  readonly port: number | null
  readonly rescuedWal: readonly string[]
  readonly notes: readonly string[]
}

interface Rescued {
  readonly segments: Map<string, WalSegmentInfo>
  readonly histories: string[]
}

export async function restoreCluster(ctx: AppContext, o: RestoreOptions): Promise<RestoreResult> {
  const tools = selectTools(ctx, o.tool)
  const inPlace = o.into === undefined
  const dest = inPlace ? ctx.cluster.pgdata : path.resolve(o.into!)
  if (o.exclusive && !['time', 'lsn', 'xid'].includes(o.target.kind))
    throw new UsageError(`--exclusive does not apply to a ${o.target.kind} target`, { hint: 'it applies to time, lsn and xid targets' })

  return withLock(ctx.stateDir, ctx.cluster.name, `restore to ${targetToJson(o.target)}`, ctx.dryRun, async () => {
    const source = await postmasterState(ctx.cluster.pgdata)
    await refuseUnsafeDestination(ctx, dest, inPlace)
    if (!inPlace && source.state === 'running')
      await ctx.progress.task('switch WAL and wait until everything up to now is archived', () => ensureArchived(ctx))

    const catalogs = await ctx.progress.task('read the catalogs and the archived WAL', () => readCatalogs(ctx, tools, true))
    // A stopped cluster's pg_wal may hold WAL no archive has: in place it is moved aside with the
    // directory, for a copy it is only read; either way recovery gets it (contract: latest loses nothing).
    const rescued = inPlace || source.state !== 'running' ? await findLocalWal(ctx, catalogs) : undefined
    const { catalog, choice, useRescued, archived } = chooseAcrossTools(catalogs, o, rescued)
    const tool = catalog.tool
    const notes = [...choice.notes]
    ctx.progress.info(`target: ${describeTarget(o.target)}`)
    ctx.progress.info(`backup: ${choice.backup.id} (${tool}), ended ${choice.backup.stop}`)
    ctx.progress.info(`timeline: ${choice.timeline} (path ${describePath(choice.path)})`)

    if (inPlace && !o.yes && !ctx.dryRun) {
      const q = `Restore cluster ${ctx.cluster.name} in place from ${choice.backup.id}? ${ctx.cluster.pgdata} will be moved aside (nothing is deleted). [y/N] `
      if (!o.confirm) throw new RefusedError('an in-place restore needs confirmation', { hint: 'pass --yes (there is no terminal to ask on)' })
      if (!(await o.confirm(q))) throw new RefusedError('restore not confirmed', { hint: 'nothing was changed' })
    }

    // PostgreSQL's `latest` probes for history files one by one and stops at the first missing one:
    // write the timeline pitrctl chose (and printed) instead.
    const timeline: TimelineChoice = o.timeline.kind === 'latest' ? { kind: 'id', id: choice.timeline } : o.timeline
    const marker = path.join(ctx.stateDir, 'restore-in-progress.json')
    if (inPlace) await refuseUnfinishedRestore(ctx, marker)
    const movedAside = inPlace ? await moveAside(ctx, dest) : null
    if (movedAside && !ctx.dryRun)
      await writeFileDurable(marker, JSON.stringify({ pgdata: dest, movedAside, backup: choice.backup.id, target: targetToJson(o.target), pid: process.pid, at: new Date().toISOString() }), 0o600)
    const port = inPlace ? ctx.cluster.port : (o.port ?? (await freePort()))
    const prepared = await restoreFilesAndSettings(ctx, {
      tool, backup: choice.backup, dest, target: o.target, inclusive: !o.exclusive, timeline, action: o.action, clone: !inPlace, port,
      archiveCommand: inPlace && movedAside ? await clusterArchiveCommand(ctx, movedAside) : undefined,
      beforeSettings: async (restoreDest) => {
        const from = movedAside ?? ctx.cluster.pgdata
        const injected = useRescued && rescued ? await injectRescuedWal(ctx, rescued, archived, from, restoreDest, choice, inPlace) : []
        if (injected.length) notes.push(`re-injected ${injected.length} WAL file(s) that were never archived: ${injected.join(', ')}`)
        return injected
      },
    }).catch((e: unknown) => {
      if (movedAside && e instanceof AppError) e.details.unshift(`the old data directory is kept, untouched, at ${movedAside}`)
      throw e
    })
    // The files and settings are in place: an interrupted run is no longer half-done.
    if (movedAside && !ctx.dryRun) await fs.rm(marker, { force: true })
    notes.push(...prepared.notes)
    const injected = prepared.injected

    const base: Omit<RestoreResult, 'started' | 'reached' | 'state' | 'stoppedAt'> = {
      cluster: ctx.cluster.name,
      tool,
      backup: choice.backup.id,
      target: targetToJson(o.target),
      pgdata: dest,
      movedAside,
      timeline: choice.timeline,
      port,
      rescuedWal: injected,
      notes,
    }
    if (!o.start || ctx.dryRun) {
      if (ctx.dryRun && o.start) ctx.dryRunLines.push(`# then start the server in ${dest} and watch recovery until it reaches the target`)
      return { ...base, started: false, reached: null, state: 'not-started', stoppedAt: null }
    }
    const expectedEnd = expectedEndLsn(catalog, choice)
    const outcome = await ctx.progress.task('start the server and wait until recovery ends', () =>
      startAndWatch(ctx, {
        pgdata: dest, port, logFile: path.join(dest, 'log', 'pitrctl-recovery.log'), target: o.target, action: o.action, expectedEndLsn: expectedEnd,
        timelineAt: (lsn) => timelineAt(choice.path, parseLsn(lsn) ?? 0n),
      }),
    )
    return { ...base, started: true, reached: outcome.reached, state: outcome.state, stoppedAt: outcome.stoppedAt }
  })
}

export interface RestoreFilesRequest {
  readonly tool: ToolId
  readonly backup: Backup
  readonly dest: string
  readonly target: RecoveryTarget
  readonly inclusive: boolean
  readonly timeline: TimelineChoice
  readonly action: RecoveryAction
  readonly clone: boolean
  readonly port: number
  /** runs after the tool restored the files, before the settings are reconciled */
  readonly beforeSettings?: (dest: string) => Promise<string[]>
  /** in place: the archive_command the cluster must keep */
  readonly archiveCommand?: string | undefined
}

/** the tool restores the files; pitrctl then makes the recovery settings exactly right */
export async function restoreFilesAndSettings(ctx: AppContext, r: RestoreFilesRequest): Promise<{ notes: string[]; injected: string[] }> {
  const notes: string[] = []
  const restorePlan = ctx.adapter(r.tool).planRestore(ctx.env(r.tool), {
    backup: r.backup, dest: r.dest, target: r.target, inclusive: r.inclusive, timeline: r.timeline, action: r.action, clone: r.clone,
  })
  // Every tool gets an empty, private directory (pgBackRest wants it to exist, WAL-G wants it empty).
  await ctx.execute(plan('destination', { kind: 'mkdir', id: 'dest', title: `create ${r.dest}`, path: r.dest, mode: 0o700 }), 'pitrctl')
  await ctx.progress.task(`${r.tool}: restore ${r.backup.id} into ${r.dest}`, () => ctx.execute(restorePlan, r.tool))
  const injected = r.beforeSettings ? await r.beforeSettings(r.dest) : []
  const desired = toRecoverySettings({ target: r.target, inclusive: r.inclusive, timeline: r.timeline, action: r.action })
  const read = (p: string) => fs.readFile(p, 'utf8').catch(() => '')
  const configPlan = planRecoveryConfig({
    dest: r.dest,
    desired,
    autoConf: await read(path.join(r.dest, 'postgresql.auto.conf')),
    extraFiles: await Promise.all(restorePlan.recoveryFiles.map(async (p) => ({ path: p, content: await read(p) }))),
    restoreCommand: restorePlan.restoreCommand,
    clone: r.clone ? { port: r.port } : undefined,
    archiveCommand: r.clone ? undefined : r.archiveCommand,
  })
  await ctx.execute(configPlan, 'pitrctl')
  if (configPlan.keptFromTool.length) notes.push(`${r.tool} wrote ${configPlan.keptFromTool.join(', ')} as asked`)
  if (r.clone) notes.push(`archiving is off in the copy (archive_mode = off); port ${r.port}`)
  return { notes, injected }
}

async function refuseUnsafeDestination(ctx: AppContext, dest: string, inPlace: boolean): Promise<void> {
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
  await refuseTablespaces(ctx)
}

/** tools restore tablespaces to their original paths: on this host those are the live cluster's (L15) */
export async function refuseTablespaces(ctx: AppContext): Promise<void> {
  const tblspc = await fs.readdir(path.join(ctx.cluster.pgdata, 'pg_tblspc')).catch(() => [])
  if (tblspc.length > 0)
    throw new RefusedError(`cluster ${ctx.cluster.name} has tablespaces (${tblspc.join(', ')}): a restore would write into their original directories`, {
      hint: 'restore with the tool directly and map the tablespaces; pitrctl does not restore tablespaces yet',
    })
}

/** an in-place restore that was interrupted after moving the data directory aside must not be silently redone */
async function refuseUnfinishedRestore(ctx: AppContext, marker: string): Promise<void> {
  const text = await fs.readFile(marker, 'utf8').catch(() => undefined)
  if (text === undefined) return
  const m = JSON.parse(text) as { pgdata: string; movedAside: string; backup: string; target: string; pid: number }
  throw new RefusedError(`an earlier in-place restore (backup ${m.backup} to ${m.target}) did not finish: the original data directory is at ${m.movedAside}`, {
    hint: `look at ${m.pgdata}; to start over, move it away yourself and move ${m.movedAside} back to ${m.pgdata}, then remove ${marker}`,
  })
}

interface Attempt {
  /** the tool's catalog, with the local WAL added when useRescued */
  readonly catalog: Catalog
  readonly choice: BaseChoice
  readonly useRescued: boolean
  /** segments the tool's own archive holds (what need not be re-injected) */
  readonly archived: ReadonlySet<string>
}

function chooseAcrossTools(catalogs: readonly Catalog[], o: RestoreOptions, rescued: Rescued | undefined): Attempt {
  // Only what this tool's archive lacks is added: another tool holding a segment does not help this one.
  const withRescue = (c: Catalog): Catalog => {
    if (!rescued) return c
    const extra = [...rescued.segments].filter(([n]) => !c.wal.segments.has(n))
    return { ...c, wal: { ...c.wal, segments: new Set([...c.wal.segments, ...extra.map(([n]) => n)]), index: new Map([...c.wal.index, ...extra]) } }
  }
  const attempts: Attempt[] = []
  const errors: UnreachableTargetError[] = []
  for (const c of catalogs) {
    if (o.backupId !== undefined && !c.backups.some((b) => b.id === o.backupId)) continue
    // latest takes what the old pg_wal adds, with no fallback: if that WAL shows a gap in the archive,
    // the archive alone would end at the gap and silently lose what lies beyond it. Other targets use
    // the local WAL only when the archive alone falls short.
    const haveLocal = rescued !== undefined && rescued.segments.size > 0
    const order = o.target.kind === 'latest' ? (haveLocal ? [true] : [false]) : [false, true]
    for (const useRescued of order) {
      if (useRescued && !haveLocal) continue
      try {
        const cat = useRescued ? withRescue(c) : c
        attempts.push({ catalog: cat, choice: chooseBaseBackup(cat.backups, cat.wal, { target: o.target, timeline: o.timeline, backupId: o.backupId, inclusive: !o.exclusive }), useRescued, archived: c.wal.segments })
        break
      } catch (e) {
        if (e instanceof UnreachableTargetError) errors.push(e)
        else throw e
      }
    }
  }
  if (attempts.length === 0) {
    if (o.backupId !== undefined && errors.length === 0) throw new UnreachableTargetError(`there is no backup ${o.backupId}`, { hint: 'run `pitrctl list` to see the backups that exist' })
    throw errors[0] ?? new UnreachableTargetError('there is no backup to restore from', { hint: 'take one with `pitrctl backup`' })
  }
  const reach = (a: Attempt) => {
    const walked = walkArchive(a.choice.backup, a.choice.path, a.catalog.wal).walked
    return walked.length ? parseSegmentName(walked[walked.length - 1]!)!.segno : -1n
  }
  // For latest, the tool whose WAL reaches furthest; otherwise (and on ties) the backup that ended
  // last before the target, which is the shortest replay.
  return attempts.sort((a, b) => {
    if (o.target.kind === 'latest') {
      const d = reach(b) - reach(a)
      if (d !== 0n) return d > 0n ? 1 : -1
    }
    return (b.choice.backup.stop ?? '').localeCompare(a.choice.backup.stop ?? '')
  })[0]!
}

function expectedEndLsn(catalog: Catalog, choice: BaseChoice): string | null {
  const walk = walkArchive(choice.backup, choice.path, catalog.wal)
  if (!walk.walked.every((n) => catalog.wal.index.has(n))) return null
  return summarizeWalk(walk.walked, catalog.wal.index).lastRecordLsn
}

/** what the cluster archived with before the restore: pitrctl's own in managed mode, else its old setting */
async function clusterArchiveCommand(ctx: AppContext, movedAside: string): Promise<string | undefined> {
  if (ctx.cluster.tools.every((t) => ctx.env(t).mode === 'managed')) return archiveCommand(ctx)
  const read = (f: string) => fs.readFile(path.join(movedAside, f), 'utf8').catch(() => '')
  const conf = new Map([...parseConfLines(await read('postgresql.conf')), ...parseConfLines(await read('postgresql.auto.conf'))])
  return conf.get('archive_command') || undefined
}

/** `<pgdata>.pitrctl-<YYYYMMDDTHHMMSS>`: the old directory is never deleted */
async function moveAside(ctx: AppContext, pgdata: string): Promise<string> {
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

/**
 * Sound WAL in the stopped cluster's pg_wal that some tool's archive lacks (archiving was broken,
 * or the last segment was never complete): same system, the position its name claims, not a
 * recycled file (reliability.md rule 6, T16).
 */
async function findLocalWal(ctx: AppContext, catalogs: readonly Catalog[]): Promise<Rescued> {
  const walDir = path.join(ctx.cluster.pgdata, 'pg_wal')
  const names = (await fs.readdir(walDir).catch(() => [])).sort()
  const inEvery = (n: string) => catalogs.every((c) => c.wal.segments.has(n))
  const systemId = catalogs.flatMap((c) => c.backups).find((b) => b.systemId)?.systemId ?? null
  const segments = new Map<string, WalSegmentInfo>()
  const histories: string[] = []
  for (const name of names) {
    const kind = walFileKind(name)
    if (kind === 'history') {
      if (!catalogs.some((c) => c.wal.histories.has(Number.parseInt(name.slice(0, 8), 16)))) histories.push(name)
      continue
    }
    if (kind !== 'segment' || inEvery(name)) continue
    const file = path.join(walDir, name)
    const h = await fs.open(file, 'r')
    const buf = Buffer.alloc(40)
    await h.read(buf, 0, 40, 0)
    await h.close()
    const why = segmentRejection(name, parseSegmentHeader(buf), systemId)
    if (why) {
      // recycled segments are normal in pg_wal: only say something about the rest
      if (!why.startsWith('it is a recycled')) ctx.progress.info(`not re-injected: ${name}: ${why}`)
      continue
    }
    segments.set(name, { ...(await analyzeSegment(ctx, file, name)), sha256: null })
  }
  return { segments, histories }
}

/**
 * Copy (never move) the WAL the chosen tool's archive lacks from the old pg_wal into the restored
 * one; in place, also archive it (otherwise the archive keeps a hole where this WAL belongs).
 */
async function injectRescuedWal(ctx: AppContext, rescued: Rescued, archived: ReadonlySet<string>, sourceDir: string, dest: string, choice: BaseChoice, inPlace: boolean): Promise<string[]> {
  const onPath = new Set(choice.path.map((s) => s.timeline))
  const names = [...rescued.segments.keys()].filter((n) => !archived.has(n) && onPath.has(Number.parseInt(n.slice(0, 8), 16)))
  const files = [...rescued.histories, ...names]
  if (files.length === 0) return []
  const target = path.join(dest, 'pg_wal')
  const steps = files.map((n, i) =>
    // -n: a file the tool already restored under that name is kept, never overwritten.
    execStep(`rescue-${i}`, `re-inject ${n}`, ['cp', '-n', '--preserve=mode', '--', path.join(sourceDir, 'pg_wal', n), path.join(target, n)]),
  )
  await ctx.execute(plan('make the never-archived WAL available to recovery', { kind: 'mkdir', id: 'pg_wal', title: 'pg_wal', path: target, mode: 0o700 }, steps), 'pitrctl')
  if (inPlace) {
    // Archive it now, so the archive has no hole where it belongs. Not the newest segment of each
    // timeline: it was still being written; PostgreSQL archives it as .partial when it promotes.
    const newest = new Map<string, string>()
    for (const n of names) if ((newest.get(n.slice(0, 8)) ?? '') < n) newest.set(n.slice(0, 8), n)
    for (const n of [...rescued.histories, ...names.filter((x) => newest.get(x.slice(0, 8)) !== x)])
      await walPush(ctx, path.join(sourceDir, 'pg_wal', n), 600_000)
  }
  return files
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer()
      srv.once('error', reject)
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port
        srv.close(() => resolve(p))
      })
    })
    // a PostgreSQL socket lock in /tmp or the default dir means another server owns the port
    const taken = await Promise.all([`/tmp/.s.PGSQL.${port}.lock`, `/var/run/postgresql/.s.PGSQL.${port}.lock`].map((f) => fs.stat(f).then(() => true, () => false)))
    if (port !== 5432 && !taken.some(Boolean)) return port
  }
}

export function scratchDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix))
}

export type { Backup }
