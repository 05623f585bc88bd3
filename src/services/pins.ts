/**
 * `pitrctl keep`: pins live in the cluster's state directory as one small JSON file, written
 * durably (temp file, fsync, rename). A pin names the tool and the backup id; expire never
 * deletes a pinned backup nor anything it depends on.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { UsageError } from '../errors.js'
import type { Backup } from '../model/catalog.js'
import { pinKey } from '../model/retention.js'
import type { ToolId } from '../model/tool-id.js'
import { mkdirMode, writeFileDurable } from '../util/durable-fs.js'
import type { AppContext } from './context.js'
import { readCatalog } from './catalog.js'
import { withLock } from './lock.js'

export interface Pin {
  readonly tool: ToolId
  readonly id: string
  /** UTC ISO, when it was pinned */
  readonly at: string
}

export interface PinsFile {
  readonly pins: readonly Pin[]
}

export function pinsPath(stateDir: string): string {
  return path.join(stateDir, 'pins.json')
}

export async function loadPins(stateDir: string): Promise<Pin[]> {
  const file = pinsPath(stateDir)
  const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined
    throw e
  })
  if (text === undefined) return []
  let parsed: PinsFile
  try {
    parsed = JSON.parse(text) as PinsFile
  } catch {
    // A file pitrctl cannot read must stop expire, never be taken as "nothing pinned".
    throw new UsageError(`${file} is not valid JSON`, { hint: 'fix or restore it by hand; pitrctl will not expire anything while the pins are unknown' })
  }
  if (!Array.isArray(parsed.pins)) throw new UsageError(`${file} has no "pins" list`, { hint: 'fix or restore it by hand' })
  return parsed.pins.filter((p) => typeof p?.id === 'string' && typeof p?.tool === 'string')
}

export function pinKeys(pins: readonly Pin[]): Set<string> {
  return new Set(pins.map((p) => pinKey(p.tool, p.id)))
}

export interface KeepResult {
  readonly cluster: string
  readonly tool: ToolId
  readonly backup: string
  readonly pinned: boolean
  /** whether the command changed anything */
  readonly changed: boolean
}

/** the one backup of the cluster's tools with this id (or with this label) */
export function findBackup(catalogs: readonly { tool: ToolId; backups: readonly Backup[] }[], id: string, cluster: string): Backup {
  const all = catalogs.flatMap((c) => c.backups)
  const byId = all.filter((b) => b.id === id)
  const found = byId.length ? byId : all.filter((b) => b.label === id)
  if (found.length === 0) throw new UsageError(`no backup ${JSON.stringify(id)} in cluster ${cluster}`, { hint: 'run `pitrctl list` to see the backups that exist' })
  if (found.length > 1) throw new UsageError(`${JSON.stringify(id)} names backups of ${found.map((b) => b.tool).join(' and ')}`, { hint: 'pick one with --tool' })
  return found[0]!
}

export async function keepBackup(ctx: AppContext, tools: readonly ToolId[], id: string, pin: boolean): Promise<KeepResult> {
  return withLock(ctx.stateDir, ctx.cluster.name, `keep ${id}`, ctx.dryRun, async () => {
    const catalogs = []
    for (const t of tools) catalogs.push(await readCatalog(ctx, t, { fillIndex: false }))
    const pins = await loadPins(ctx.stateDir)
    // Unpinning a backup that no longer exists is allowed: its pin is only a leftover.
    const stale = !pin ? pins.find((p) => p.id === id && tools.includes(p.tool)) : undefined
    const backup = stale && !catalogs.some((c) => c.backups.some((b) => b.id === id && b.tool === stale.tool)) ? undefined : findBackup(catalogs, id, ctx.cluster.name)
    const tool = backup?.tool ?? stale!.tool
    const bid = backup?.id ?? id
    const has = pins.some((p) => p.tool === tool && p.id === bid)
    const next = pin ? (has ? pins : [...pins, { tool, id: bid, at: new Date().toISOString() }]) : pins.filter((p) => !(p.tool === tool && p.id === bid))
    const changed = next.length !== pins.length
    if (changed) {
      const file = pinsPath(ctx.stateDir)
      if (ctx.dryRun) ctx.dryRunLines.push(`write ${file} (mode 600): ${pin ? 'pin' : 'unpin'} ${tool} backup ${bid}`)
      else {
        await mkdirMode(ctx.stateDir)
        await writeFileDurable(file, `${JSON.stringify({ pins: next }, null, 2)}\n`, 0o600)
      }
    }
    return { cluster: ctx.cluster.name, tool, backup: bid, pinned: pin, changed }
  })
}
