/**
 * The `alert-*` judgements `pitrctl check` prints, one line each with the measured value: pure
 * functions of what the service measured and the threshold from pitrctl.ini.
 */
import { trailingFailures, type BackupAttempt } from './backup-attempts.js'
import type { Backup } from './catalog.js'
import { formatDuration } from './duration.js'

/** the same shape as a check line (adapters' VerifyCheck) */
export interface AlertCheck {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

/** the newest backup with status ok, by its end */
export function newestOkBackup(backups: readonly Backup[]): Backup | undefined {
  let best: Backup | undefined
  for (const b of backups) if (b.status === 'ok' && b.stop && (!best || Date.parse(b.stop) > Date.parse(best.stop!))) best = b
  return best
}

export function judgeBackupAge(newest: Pick<Backup, 'id' | 'tool' | 'stop'> | undefined, nowMs: number, thresholdMs: number): AlertCheck {
  const name = `backup age (alert-backup-age ${formatDuration(thresholdMs)})`
  if (!newest?.stop) return { name, ok: false, detail: 'no backup with status ok yet' }
  const age = nowMs - Date.parse(newest.stop)
  return { name, ok: age <= thresholdMs, detail: `newest ok backup ${newest.id} (${newest.tool}) ended ${formatDuration(age)} ago` }
}

export interface PendingWal {
  /** `.ready` files in pg_wal/archive_status */
  readonly count: number
  /** the oldest of them, by mtime */
  readonly oldest: { readonly name: string; readonly mtimeMs: number } | undefined
}

export function judgeArchiveLag(pending: PendingWal, nowMs: number, thresholdMs: number): AlertCheck {
  const name = `archive lag (alert-archive-lag ${formatDuration(thresholdMs)})`
  if (pending.count === 0 || !pending.oldest) return { name, ok: true, detail: 'no segment waiting to be archived' }
  const age = Math.max(0, nowMs - pending.oldest.mtimeMs)
  return {
    name,
    ok: age <= thresholdMs,
    detail: `${pending.count} segment${pending.count === 1 ? '' : 's'} waiting; the oldest, ${pending.oldest.name}, for ${formatDuration(age)}`,
  }
}

/** `attempts`: every recorded backup attempt (backup-attempts.jsonl) */
export function judgeBackupFailures(attempts: readonly BackupAttempt[], threshold: number): AlertCheck {
  const name = `backup failures (alert-backup-failures ${threshold})`
  const trailing = trailingFailures(attempts)
  const n = trailing.length
  if (n === 0) {
    const last = [...attempts].sort((x, y) => Date.parse(x.at) - Date.parse(y.at)).pop()
    return { name, ok: true, detail: last ? `the last attempt, at ${last.at} (${last.tool}), succeeded` : 'no backup attempt recorded yet' }
  }
  const last = trailing[n - 1]!
  return { name, ok: n < threshold, detail: `${n} backup attempt${n === 1 ? '' : 's'} in a row failed; the last at ${last.at} (${last.tool}): ${last.error ?? 'failed'}` }
}

export interface FsUsage {
  readonly path: string
  /** as statfs reports them, in blocks */
  readonly blocks: number
  readonly bfree: number
  readonly bavail: number
}

/** `df`'s Use%: used / (used + available to unprivileged users), rounded up */
export function usedPercent(u: Pick<FsUsage, 'blocks' | 'bfree' | 'bavail'>): number {
  const used = u.blocks - u.bfree
  const total = used + u.bavail
  return total <= 0 ? 0 : Math.ceil((used * 100) / total)
}

/** `usage` undefined: the repository is not a local directory (object storage, adopted setup) */
export function judgeRepoUsage(usage: FsUsage | undefined, thresholdPercent: number, why?: string): AlertCheck {
  const name = `repository usage (alert-repo-usage ${thresholdPercent}%)`
  if (!usage) return { name, ok: true, detail: `not measured: ${why ?? 'the repository is not a local directory'}` }
  const pct = usedPercent(usage)
  return { name, ok: pct <= thresholdPercent, detail: `the file system of ${usage.path} is ${pct}% full` }
}
