/**
 * `pitrctl restore --to TARGET`: choose the backup and timeline, refuse what cannot be reached
 * before anything is touched, move an in-place data directory aside and rescue its unarchived
 * WAL, let the tool restore the files, make the recovery settings exactly right, and with
 * --start prove from the server that the target was reached.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { AppError, RefusedError, UnreachableTargetError, UsageError } from '../errors.js'
import type { Catalog } from '../model/catalog.js'
import { chooseBaseBackup, type BaseChoice } from '../model/choose-backup.js'
import { parseLsn } from '../model/lsn.js'
import { parseConfLines } from '../model/recovery-settings.js'
import { describeTarget, targetToJson, type RecoveryAction, type RecoveryTarget, type TimelineChoice } from '../model/recovery-target.js'
import type { TablespaceMapArg } from '../model/tablespaces.js'
import { describePath, timelineAt } from '../model/timeline.js'
import type { ToolId } from '../model/tool-id.js'
import { parseSegmentName } from '../model/wal-name.js'
import { summarizeWalk, walkArchive } from '../model/window.js'
import { postmasterState } from '../pg/server.js'
import { freePort } from '../util/free-port.js'
import { archiveCommand, ensureArchived } from './archiving.js'
import type { AppContext } from './context.js'
import { selectTools } from './context.js'
import { readCatalogs } from './list.js'
import { withLock } from './lock.js'
import type { Reached } from './recovery-watch.js'
import { moveAside, refuseUnfinishedRestore, refuseUnsafeDestination, removeRestoreMarker, writeRestoreMarker } from './restore-guards.js'
import { restoreInto } from './restore-into.js'
import { decideTablespaces, moveTablespacesAside, refuseUnmovableTablespaces } from './restore-tablespaces.js'
import { findLocalWal, injectRescuedWal, withRescued, type Rescued } from './wal-rescue.js'

export interface RestoreOptions {
  readonly target: RecoveryTarget
  readonly backupId: string | undefined
  readonly tool: string | undefined
  readonly into: string | undefined
  readonly port: number | undefined
  readonly action: RecoveryAction
  readonly exclusive: boolean
  readonly timeline: TimelineChoice
  /** `--tablespace-map OLD=NEW`, in order */
  readonly tablespaceMaps: readonly TablespaceMapArg[]
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
  /** each tablespace: its old path, where it was restored, and (in place) where its old directory went */
  readonly tablespaces: readonly { readonly oid: string; readonly name: string | null; readonly location: string; readonly restoredTo: string; readonly movedAside: string | null }[]
  readonly notes: readonly string[]
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
    // Where each tablespace goes, refusals included, before anything is touched.
    const ts = await decideTablespaces(ctx, tool, choice.backup, { into: inPlace ? undefined : dest, maps: o.tablespaceMaps, target: o.target })
    notes.push(...ts.notes)
    for (const t of ts.tablespaces) ctx.progress.info(`tablespace ${t.name ?? t.oid}: ${t.location} -> ${t.dest}`)
    if (inPlace) await refuseUnmovableTablespaces(ctx, ts.moveAside)

    if (inPlace && !o.yes && !ctx.dryRun) {
      const dirs = [ctx.cluster.pgdata, ...ts.moveAside].join(', ')
      const q = `Restore cluster ${ctx.cluster.name} in place from ${choice.backup.id}? ${dirs} will be moved aside (nothing is deleted). [y/N] `
      if (!o.confirm) throw new RefusedError('an in-place restore needs confirmation', { hint: 'pass --yes (there is no terminal to ask on)' })
      if (!(await o.confirm(q))) throw new RefusedError('restore not confirmed', { hint: 'nothing was changed' })
    }

    // PostgreSQL's `latest` probes for history files one by one and stops at the first missing one:
    // write the timeline pitrctl chose (and printed) instead.
    const timeline: TimelineChoice = o.timeline.kind === 'latest' ? { kind: 'id', id: choice.timeline } : o.timeline
    if (inPlace) await refuseUnfinishedRestore(ctx)
    const movedAside = inPlace ? await moveAside(ctx, dest) : null
    const tablespacesAside = movedAside ? ts.moveAside.map((from) => ({ from, aside: `${from}${movedAside.slice(dest.length)}` })) : []
    if (movedAside) await writeRestoreMarker(ctx, { pgdata: dest, movedAside, backup: choice.backup.id, target: targetToJson(o.target), tablespaces: tablespacesAside })
    const tsAside = movedAside
      ? await moveTablespacesAside(ctx, ts.moveAside, movedAside.slice(dest.length)).catch((e: unknown) => {
          if (e instanceof AppError) e.details.unshift(`the old data directory is kept, untouched, at ${movedAside}`)
          throw e
        })
      : []
    const port = inPlace ? ctx.cluster.port : (o.port ?? (await freePort()))
    const restored = await restoreInto(ctx, {
      tool, backup: choice.backup, dest, target: o.target, inclusive: !o.exclusive, timeline, action: o.action, clone: !inPlace, port, tablespaces: ts.tablespaces,
      archiveCommand: inPlace && movedAside ? await clusterArchiveCommand(ctx, movedAside) : undefined,
      addWal: async (restoreDest) => {
        const from = movedAside ?? ctx.cluster.pgdata
        const injected = useRescued && rescued ? await injectRescuedWal(ctx, rescued, archived, from, restoreDest, choice, inPlace) : []
        if (injected.length) notes.push(`re-injected ${injected.length} WAL file(s) that were never archived: ${injected.join(', ')}`)
        return injected
      },
      onReady: async () => {
        if (movedAside) await removeRestoreMarker(ctx)
      },
      ...(o.start
        ? { watch: { logFile: path.join(dest, 'log', 'pitrctl-recovery.log'), expectedEndLsn: expectedEndLsn(catalog, choice), timelineAt: (lsn: string) => timelineAt(choice.path, parseLsn(lsn) ?? 0n) } }
        : {}),
    }).catch((e: unknown) => {
      if (movedAside && e instanceof AppError) e.details.unshift(`the old data directory is kept, untouched, at ${movedAside}`, ...tsAside.map((a) => `an old tablespace directory is kept, untouched, at ${a}`))
      throw e
    })
    notes.push(...restored.notes)
    const injected = [...restored.injected]

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
      tablespaces: ts.tablespaces.map((t) => {
        const i = ts.moveAside.indexOf(t.location)
        return { oid: t.oid, name: t.name, location: t.location, restoredTo: t.dest, movedAside: i >= 0 ? (tsAside[i] ?? null) : null }
      }),
      notes,
    }
    const outcome = restored.outcome
    if (!outcome) return { ...base, started: false, reached: null, state: 'not-started', stoppedAt: null }
    return { ...base, started: true, reached: outcome.reached, state: outcome.state, stoppedAt: outcome.stoppedAt }
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
        const cat = useRescued ? withRescued(c, rescued) : c
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

