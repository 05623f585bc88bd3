/**
 * pitrctl's WAL index: one small JSON file per archived segment (`<stateDir>/wal-index/`), written
 * by wal-push when pitrctl is the archive_command, or filled later by fetching the segment from a
 * tool's archive. Segments never change once archived, so an entry is written once and trusted.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { walIndexDir, walIndexEntry } from '../config/paths.js'
import { NotInstalledError } from '../errors.js'
import { WAL_INDEX_FORMAT, isRestorable, type Backup, type WalSegmentInfo } from '../model/catalog.js'
import { mustParseLsn } from '../model/lsn.js'
import { timelinePath, type HistoryEntry, type TimelineSpan } from '../model/timeline.js'
import { DEFAULT_SEGMENT_BYTES, segmentName } from '../model/wal-name.js'
import { timelineForSegment } from '../model/window.js'
import { execStep } from '../model/plan.js'
import { parseWaldump } from '../model/waldump.js'
import type { ToolId } from '../model/tool-id.js'
import { sha256File, writeFileDurable, mkdirMode } from '../util/durable-fs.js'
import type { AppContext } from './context.js'

export function indexDir(ctx: AppContext): string {
  return walIndexDir(ctx.stateDir)
}

export async function analyzeSegment(ctx: AppContext, file: string, name = path.basename(file)): Promise<WalSegmentInfo> {
  const [r, sha256] = await Promise.all([
    ctx.runner.run(
      // pg_waldump ends with an error at the end of valid data in a switched segment: exit 1 is normal.
      execStep('waldump', `read ${name}`, [ctx.programs.require('pg_waldump'), file], { mutates: false, okExitCodes: [0, 1], env: { TZ: 'UTC' }, timeoutMs: 120_000 }),
    ),
    sha256File(file),
  ])
  // Not started at all: an empty reading would be indexed as a segment without commits.
  if (r.spawnError !== undefined) throw new NotInstalledError(`pg_waldump could not be started (${r.spawnError})`, { hint: 'install the PostgreSQL programs of the cluster\'s version, or set bin-dir' })
  return parseWaldump(name, r.stdout, sha256)
}

export async function writeIndexEntry(ctx: AppContext, info: WalSegmentInfo): Promise<void> {
  const dir = indexDir(ctx)
  await mkdirMode(dir)
  await writeFileDurable(walIndexEntry(ctx.stateDir, info.name), JSON.stringify(info), 0o600)
}

export async function readIndexEntry(ctx: AppContext, name: string): Promise<WalSegmentInfo | undefined> {
  const text = await fs.readFile(walIndexEntry(ctx.stateDir, name), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as WalSegmentInfo
  } catch {
    return undefined
  }
}

/**
 * Index entries for `names`; a segment that has none is fetched from `tool`'s archive into a
 * scratch file and read (adopted setups, or WAL archived before pitrctl's setup).
 */
export async function loadIndex(ctx: AppContext, tool: ToolId, names: readonly string[], fill: boolean): Promise<Map<string, WalSegmentInfo>> {
  const out = new Map<string, WalSegmentInfo>()
  const missing: string[] = []
  for (const name of names) {
    const e = await readIndexEntry(ctx, name)
    if (e) out.set(name, e)
    // An older pitrctl's entry lacks what time and xid targets are now decided on: read it again when filling.
    if (!e || (e.format ?? 1) < WAL_INDEX_FORMAT) missing.push(name)
  }
  if (!fill || missing.length === 0 || ctx.dryRun) return out
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'pitrctl-wal-'))
  try {
    for (const name of missing) {
      const dest = path.join(scratch, name)
      try {
        await ctx.execute(ctx.adapter(tool).planWalGet(ctx.env(tool), name, dest), tool)
      } catch {
        continue // unreadable here: the window simply does not count on it
      }
      const info = await analyzeSegment(ctx, dest, name)
      // The fetched copy may be decompressed: its hash is not the archive's, so keep none (or the
      // one an older entry recorded at archive time).
      const entry = { ...info, sha256: out.get(name)?.sha256 ?? null }
      await writeIndexEntry(ctx, entry).catch(() => undefined)
      out.set(name, entry)
      await fs.rm(dest, { force: true })
    }
  } finally {
    await fs.rm(scratch, { recursive: true, force: true })
  }
  return out
}

/**
 * The local index's entries for segments before each backup's start that the tool's archive does
 * not hold (Barman keeps no WAL older than its first backup; retention removes more), walking back
 * until one holds a transaction end: the backup's earliest reachable instant is the last commit or
 * abort before its end (model/consistent-point.ts). Read only, nothing fetched; added to `index`.
 */
export async function loadPriorEntries(ctx: AppContext, backups: readonly Backup[], histories: ReadonlyMap<number, readonly HistoryEntry[]>, archived: ReadonlySet<string>, index: Map<string, WalSegmentInfo>, maxSegments = 1024n): Promise<void> {
  for (const b of backups) {
    if (!isRestorable(b)) continue
    let path: TimelineSpan[]
    try {
      path = timelinePath(b.timeline!, histories)
    } catch {
      continue
    }
    const start = mustParseLsn(b.startLsn!) / BigInt(DEFAULT_SEGMENT_BYTES)
    for (let segno = start - 1n; segno >= 0n && segno >= start - maxSegments; segno--) {
      const name = segmentName({ timeline: timelineForSegment(path, segno), segno })
      let e = index.get(name)
      if (!e && !archived.has(name)) {
        e = await readIndexEntry(ctx, name)
        if (e) index.set(name, e)
      }
      if (!e || e.lastXact !== null) break
    }
  }
}
