/**
 * PostgreSQL's backup history file, `<start segment>.<offset>.backup`, archived when a backup
 * ends: backup_label's fields plus STOP WAL LOCATION, STOP TIME and STOP TIMELINE. It is the only
 * place PostgreSQL writes the true stop position and time, whichever tool took the backup.
 */
import { normalizeLsn } from './lsn.js'

export interface BackupHistory {
  readonly startLsn: string
  readonly stopLsn: string
  readonly stopWal: string
  /** `%Y-%m-%d %H:%M:%S %Z` in the server's log_timezone, as written */
  readonly stopTime: string | null
  readonly stopTimeline: number | null
}

export function parseBackupHistory(text: string): BackupHistory | undefined {
  const start = /^START WAL LOCATION: ([0-9A-Fa-f]+\/[0-9A-Fa-f]+) /m.exec(text)
  const stop = /^STOP WAL LOCATION: ([0-9A-Fa-f]+\/[0-9A-Fa-f]+) \(file ([0-9A-F]{24})\)$/m.exec(text)
  const startLsn = start ? normalizeLsn(start[1]!) : undefined
  const stopLsn = stop ? normalizeLsn(stop[1]!) : undefined
  if (!startLsn || !stopLsn) return undefined
  const time = /^STOP TIME: (.*)$/m.exec(text)?.[1]?.trim()
  const tli = /^STOP TIMELINE: (\d+)$/m.exec(text)?.[1]
  return { startLsn, stopLsn, stopWal: stop![2]!, stopTime: time ?? null, stopTimeline: tli === undefined ? null : Number(tli) }
}

/** the file's name: the backup's first segment and its start offset in that segment, in hex */
export function backupHistoryName(startWal: string, startOffset: number): string {
  return `${startWal}.${startOffset.toString(16).toUpperCase().padStart(8, '0')}.backup`
}
