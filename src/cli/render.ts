/**
 * Human text for each command's result. Pure: result in, string out.
 */
import type { Backup } from '../model/catalog.js'
import type { CheckReport } from '../services/check.js'
import type { ListResult } from '../services/list.js'
import type { RestoreResult } from '../services/restore.js'
import type { MarkResult, PromoteResult } from '../services/server-ops.js'
import type { SetupResult } from '../services/setup.js'
import type { VerifyReport } from '../services/verify.js'

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (r: readonly string[]) => r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

export function bytes(n: number | null): string {
  if (n === null) return '-'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`
}

const shortTime = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-')

export function renderBackup(b: Backup | null): string {
  if (!b) return ''
  return [
    `backup ${b.id} (${b.tool}, ${b.type}) ${b.status}`,
    `  start ${shortTime(b.start)}  lsn ${b.startLsn ?? '-'}  wal ${b.walStart ?? '-'}`,
    `  stop  ${shortTime(b.stop)}  lsn ${b.stopLsn ?? '-'}  wal ${b.walStop ?? '-'}`,
    `  timeline ${b.timeline ?? '-'}  size ${bytes(b.size)}  stored ${bytes(b.storedSize)}${b.label ? `  label ${b.label}` : ''}`,
  ].join('\n')
}

export function renderList(r: ListResult): string {
  const rows = r.backups.map((b) => [b.id, b.tool, b.type, b.status, shortTime(b.stop), b.stopLsn ?? '-', String(b.timeline ?? '-'), bytes(b.size), b.label ?? ''])
  const out = [
    r.backups.length ? table(['ID', 'TOOL', 'TYPE', 'STATUS', 'STOP', 'STOP LSN', 'TLI', 'SIZE', 'LABEL'], rows) : `no backups yet for cluster ${r.cluster}`,
    '',
    'Recoverable window:',
  ]
  if (r.window.length === 0) out.push('  none: no backup with its WAL in the archive')
  for (const w of r.window)
    // Milliseconds, as --json prints them: a target at the printed start must be one pitrctl accepts.
    out.push(`  ${w.tool} timeline ${w.timeline}: ${w.from.replace('T', ' ')} … ${w.to.replace('T', ' ')} (from ${w.fromBackup}${w.gapAt ? `; WAL missing at ${w.gapAt}` : ''})`)
  if (r.coverage.length > 1) out.push('', ...r.summary.map((l) => `${l}.`))
  return out.join('\n')
}

export function renderVerify(r: VerifyReport): string {
  if (r.results.length === 0) return `no backups to verify in cluster ${r.cluster}`
  return r.results
    .map((res) => [`${res.ok ? 'OK  ' : 'FAIL'} ${res.backup} (${res.tool})`, ...res.checks.map((c) => `  ${c.ok ? 'ok  ' : c.unchecked ? 'NOT CHECKED' : 'FAIL'} ${c.name}: ${c.detail}`)].join('\n'))
    .join('\n')
}

export function renderRestore(r: RestoreResult): string {
  const lines = [`restored ${r.backup} (${r.tool}) into ${r.pgdata}`, `  target ${r.target}, timeline ${r.timeline}`]
  if (r.movedAside) lines.push(`  the old data directory is kept at ${r.movedAside}`)
  for (const t of r.tablespaces)
    lines.push(`  tablespace ${t.name ?? t.oid}: restored into ${t.restoredTo}${t.movedAside ? `; the old directory is kept at ${t.movedAside}` : ''}`)
  for (const n of r.notes) lines.push(`  ${n}`)
  if (!r.started) {
    lines.push(`  not started: start it with pg_ctl -D ${r.pgdata} start${r.port ? ` (port ${r.port})` : ''}`)
    return lines.join('\n')
  }
  lines.push(`  recovery stopped ${r.stoppedAt}; reached lsn ${r.reached?.lsn ?? '?'}${r.reached?.time ? `, last transaction ${r.reached.time}` : ''}`)
  if (r.state === 'paused')
    lines.push(`  the server is paused at the target, read-only (port ${r.port}). Look, then run: pitrctl promote${r.movedAside ? '' : ` --into ${r.pgdata}`}`, '  or restore again with another --to.')
  if (r.state === 'promoted') lines.push(`  promoted: timeline ${r.reached?.timeline ?? '?'}, accepting writes on port ${r.port}`)
  if (r.state === 'shutdown') lines.push('  shut down at the target, as asked')
  return lines.join('\n')
}

export function renderSetup(r: SetupResult): string {
  return [
    `cluster ${r.cluster}: ${r.tools.join(', ')} configured`,
    `  archive_command = ${r.archiveCommand}`,
    r.restartRequired.length ? `  restart PostgreSQL to apply ${r.restartRequired.join(', ')}, then run pitrctl setup again` : `  archiving proved with ${r.provedWith ?? '-'}`,
  ].join('\n')
}

export function renderCheck(r: CheckReport): string {
  return r.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`).join('\n')
}

export function renderMark(r: MarkResult): string {
  return `restore point '${r.name}' created${r.lsn ? ` at ${r.lsn}` : ''}; restore to it with --to name:${r.name}`
}

export function renderPromote(r: PromoteResult): string {
  return r.promoted ? `promoted ${r.pgdata}: timeline ${r.timeline}, accepting writes (lsn ${r.lsn})` : ''
}
