/**
 * The outcome of every `pitrctl backup` attempt, kept in the cluster's state directory
 * (`backup-attempts.jsonl`, one JSON object a line, appended): the catalogs alone do not record
 * failed attempts for every tool, and `alert-backup-failures` counts them. Pure.
 */
import type { ToolId } from './tool-id.js'

export interface BackupAttempt {
  /** when the attempt ended, UTC ISO */
  readonly at: string
  readonly tool: ToolId
  readonly type: string
  readonly outcome: 'ok' | 'failed'
  /** the new backup's id when ok */
  readonly backup?: string
  /** one line: why it failed */
  readonly error?: string
}

export function renderAttemptLine(a: BackupAttempt): string {
  return `${JSON.stringify(a)}\n`
}

/** the attempts in order; a torn last line (a crash while appending) and foreign lines are skipped */
export function parseAttempts(text: string): BackupAttempt[] {
  const out: BackupAttempt[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      const a = JSON.parse(line) as Partial<BackupAttempt>
      if (typeof a.at === 'string' && (a.outcome === 'ok' || a.outcome === 'failed') && typeof a.tool === 'string') out.push(a as BackupAttempt)
    } catch {
      // not a whole line
    }
  }
  return out
}

/** failed attempts since the last one that succeeded (by time; the file is in append order) */
export function trailingFailures(attempts: readonly BackupAttempt[]): BackupAttempt[] {
  const sorted = [...attempts].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  const lastOk = sorted.map((a) => a.outcome).lastIndexOf('ok')
  return sorted.slice(lastOk + 1)
}
