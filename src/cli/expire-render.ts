/**
 * Human text for `expire` and `keep`. Pure: result in, string out.
 */
import type { ExpireResult } from '../services/expire.js'
import { detailsOf } from '../services/expire.js'
import type { KeepResult } from '../services/pins.js'
import { table } from './render.js'

const shortTime = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')

export function renderExpire(r: ExpireResult): string {
  const d = detailsOf(r)
  const out: string[] = []
  if (d) out.push(`cluster ${r.cluster}: ${d.settings}${d.promisedFrom ? ` (every point since ${shortTime(d.promisedFrom)} stays restorable)` : ''}`, '')
  const rows = [...r.deleted.map((v) => ({ ...v, verdict: d?.dryRun ? 'would delete' : 'deleted' })), ...r.kept.map((v) => ({ ...v, verdict: 'keep' }))]
  out.push(rows.length ? table(['', 'ID', 'TOOL', 'WHY'], rows.map((v) => [v.verdict, v.id, v.tool, v.reason])) : 'no backups')
  if (r.deleted.length === 0) out.push('', 'nothing to delete')
  if (d && d.wal.length) {
    out.push('', 'WAL no remaining backup needs:')
    for (const w of d.wal) out.push(`  ${w.tool} timeline ${w.timeline}: ${w.segments} segment(s) ${w.before === null ? '(all of it: every remaining backup is on a later timeline)' : `before ${w.before}`}`)
    for (const h of d.walHow) out.push(`  (${h})`)
  }
  out.push('', d?.dryRun ? 'Recoverable window afterwards:' : 'Recoverable window:')
  if (r.window.length === 0) out.push('  none')
  for (const w of r.window) out.push(`  ${w.tool} timeline ${w.timeline}: ${shortTime(w.from)} … ${shortTime(w.to)} (from ${w.fromBackup})`)
  return out.join('\n')
}

export function renderKeep(r: KeepResult): string {
  const what = `${r.tool} backup ${r.backup}`
  if (!r.changed) return r.pinned ? `${what} was already pinned` : `${what} was not pinned`
  return r.pinned ? `${what} pinned: no retention will expire it (pitrctl keep ${r.backup} --off to unpin)` : `${what} unpinned: retention applies to it again`
}
