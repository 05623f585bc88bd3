/**
 * WAL archives that are plain directories pitrctl writes itself (native's `wal/`, pg_rman's
 * ARCLOG_PATH): what `expire` removes from them, as `rm -f` steps over exact names.
 */
import path from 'node:path'
import type { Backup } from '../model/catalog.js'
import { backupHistoryName } from '../model/backup-history.js'
import { mustParseLsn } from '../model/lsn.js'
import { execStep, type ExecStep } from '../model/plan.js'
import { DEFAULT_SEGMENT_BYTES } from '../model/wal-name.js'

/** names per `rm` call: far below ARG_MAX for any path length pitrctl accepts */
export const RM_BATCH = 200

/** the `.backup` history file PostgreSQL archived for a backup, when its start is known */
export function backupHistoryFileOf(b: Backup): string | undefined {
  if (b.walStart === null || b.startLsn === null) return undefined
  return backupHistoryName(b.walStart, Number(mustParseLsn(b.startLsn) % BigInt(DEFAULT_SEGMENT_BYTES)))
}

/**
 * The segments the decision lets go, and the `.backup` files of deleted backups whose start
 * segment goes too (history files of timelines always stay: they are tiny and every later
 * timeline's path is read from them).
 */
export function walFilesToRemove(segments: readonly string[], deleted: readonly Backup[]): string[] {
  const going = new Set(segments)
  const histories = deleted
    .filter((b) => b.walStart !== null && going.has(b.walStart))
    .map(backupHistoryFileOf)
    .filter((n): n is string => n !== undefined)
  return [...segments, ...histories.sort()]
}

export function planRemoveFiles(idPrefix: string, dir: string, names: readonly string[]): ExecStep[] {
  const steps: ExecStep[] = []
  for (let i = 0; i < names.length; i += RM_BATCH) {
    const batch = names.slice(i, i + RM_BATCH)
    const what = batch.length === 1 ? batch[0]! : `${batch[0]} … ${batch[batch.length - 1]} (${batch.length} files)`
    steps.push(execStep(`${idPrefix}-${i / RM_BATCH}`, `remove ${what} from ${dir}`, ['rm', '-f', '--', ...batch.map((n) => path.join(dir, n))]))
  }
  return steps
}
