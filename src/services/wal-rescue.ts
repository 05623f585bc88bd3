/**
 * WAL that a stopped cluster's pg_wal holds and a tool's archive lacks (archiving was broken, or
 * the last segment was never complete): found, checked, and given to recovery, so `latest` loses
 * nothing (reliability.md rule 6, T16).
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Catalog, WalSegmentInfo } from '../model/catalog.js'
import type { BaseChoice } from '../model/choose-backup.js'
import { execStep, plan } from '../model/plan.js'
import { parseSegmentHeader, segmentRejection } from '../model/wal-page.js'
import { walFileKind } from '../model/wal-name.js'
import { parseHistoryFile, type HistoryEntry } from '../model/timeline.js'
import { walPush } from './archiving.js'
import type { AppContext } from './context.js'
import { analyzeSegment } from './wal-index.js'

export interface Rescued {
  readonly segments: Map<string, WalSegmentInfo>
  readonly histories: string[]
  /**
   * segments the old pg_wal/archive_status still marks `.ready`: PostgreSQL never got a success
   * for them, so whatever an archive holds under that name may be a torn copy (a wal-push killed
   * half way) — they are rescued even when archived
   */
  readonly ready: Set<string>
  /** the rescued history files, read: a timeline the old server began (promoted) and never archived */
  readonly historyEntries: Map<number, HistoryEntry[]>
}

/** the catalog with the rescued segments its own archive lacks: another tool holding a segment does not help this one */
export function withRescued(c: Catalog, rescued: Rescued | undefined): Catalog {
  if (!rescued) return c
  const extra = [...rescued.segments].filter(([n]) => !c.wal.segments.has(n))
  const histories = new Map<number, readonly HistoryEntry[]>(c.wal.histories)
  for (const [t, h] of rescued.historyEntries) if (!histories.has(t)) histories.set(t, h)
  return { ...c, wal: { ...c.wal, histories, segments: new Set([...c.wal.segments, ...extra.map(([n]) => n)]), index: new Map([...c.wal.index, ...extra]) } }
}

/**
 * Sound WAL in the stopped cluster's pg_wal that some tool's archive lacks (archiving was broken,
 * or the last segment was never complete): same system, the position its name claims, not a
 * recycled file (reliability.md rule 6, T16).
 */
export async function findLocalWal(ctx: AppContext, catalogs: readonly Catalog[]): Promise<Rescued> {
  const walDir = path.join(ctx.cluster.pgdata, 'pg_wal')
  const names = (await fs.readdir(walDir).catch(() => [])).sort()
  const ready = new Set((await fs.readdir(path.join(walDir, 'archive_status')).catch(() => [] as string[])).filter((f) => f.endsWith('.ready')).map((f) => f.slice(0, -'.ready'.length)))
  const inEvery = (n: string) => catalogs.every((c) => c.wal.segments.has(n))
  const systemId = catalogs.flatMap((c) => c.backups).find((b) => b.systemId)?.systemId ?? null
  const segments = new Map<string, WalSegmentInfo>()
  const histories: string[] = []
  const historyEntries = new Map<number, HistoryEntry[]>()
  for (const name of names) {
    const kind = walFileKind(name)
    if (kind === 'history') {
      const tli = Number.parseInt(name.slice(0, 8), 16)
      if (!catalogs.some((c) => c.wal.histories.has(tli))) {
        histories.push(name)
        const text = await fs.readFile(path.join(walDir, name), 'utf8').catch(() => undefined)
        if (text !== undefined) historyEntries.set(tli, parseHistoryFile(text))
      }
      continue
    }
    if (kind !== 'segment' || (inEvery(name) && !ready.has(name))) continue
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
  return { segments, histories, historyEntries, ready: new Set([...ready].filter((n) => segments.has(n))) }
}

/**
 * Copy (never move) the WAL the chosen tool's archive lacks from the old pg_wal into the restored
 * one; in place, also archive it (otherwise the archive keeps a hole where this WAL belongs).
 */
export async function injectRescuedWal(ctx: AppContext, rescued: Rescued, archived: ReadonlySet<string>, sourceDir: string, dest: string, choice: BaseChoice, inPlace: boolean): Promise<string[]> {
  const onPath = new Set(choice.path.map((s) => s.timeline))
  const names = [...rescued.segments.keys()].filter((n) => (!archived.has(n) || rescued.ready.has(n)) && onPath.has(Number.parseInt(n.slice(0, 8), 16)))
  const files = [...rescued.histories, ...names]
  if (files.length === 0) return []
  const target = path.join(dest, 'pg_wal')
  const steps = files.map((n, i) =>
    // -n: a file the tool already restored under that name is kept, never overwritten — except a
    // `.ready` segment: the old server was still writing it, so its copy (checked: same system,
    // the position its name says) holds everything a backup's copy of that name holds, and more.
    execStep(`rescue-${i}`, `re-inject ${n}`, ['cp', ...(rescued.ready.has(n) ? [] : ['-n']), '--preserve=mode', '--', path.join(sourceDir, 'pg_wal', n), path.join(target, n)]),
  )
  await ctx.execute(plan('make the never-archived WAL available to recovery', { kind: 'mkdir', id: 'pg_wal', title: 'pg_wal', path: target, mode: 0o700 }, steps), 'pitrctl')
  if (inPlace) {
    // Archive it now, so the archive has no hole where it belongs. Not the newest segment of each
    // timeline: it was still being written; PostgreSQL archives it as .partial when it promotes.
    const newest = new Map<string, string>()
    for (const n of names) if ((newest.get(n.slice(0, 8)) ?? '') < n) newest.set(n.slice(0, 8), n)
    for (const n of [...rescued.histories, ...names.filter((x) => newest.get(x.slice(0, 8)) !== x)]) {
      try {
        await walPush(ctx, path.join(sourceDir, 'pg_wal', n), 600_000)
      } catch (e) {
        // Not fatal: recovery has the file in pg_wal, and the restored server archives it itself
        // (PostgreSQL marks such a segment .ready after promotion).
        ctx.progress.info(`not archived now: ${n}: ${(e as Error).message}`)
      }
    }
  }
  return files
}
