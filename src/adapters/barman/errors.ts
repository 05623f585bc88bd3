/**
 * Barman failures to ToolFailure kinds. Barman exits 1 for nearly everything (output.py
 * close_and_exit), 2 for a bad command line (argparse) and 3 for a name get-wal does not accept,
 * so the `ERROR:` lines decide: on stderr in console mode, under `_ERROR` in `-f json` mode.
 */
import type { ToolFailure, ToolFailureKind } from '../../errors.js'
import type { ExecStep } from '../../model/plan.js'
import { processFailure } from '../process-failure.js'
import { parseJsonLossless } from '../../util/json.js'
import type { ProcessResult } from '../../runner/runner.js'

const PATTERNS: readonly [RegExp, ToolFailureKind][] = [
  // fixture backup-lock-held
  [/Another (backup|archive-wal|cron|receive-wal|sync-wal|synchronisation) process/i, 'lock-held'],
  // fixtures missing-config, unknown-server
  [/Configuration file .* does not exist|Unknown server '/, 'not-initialized'],
  // fixtures recover-unknown-backup, show-backup-missing-name
  [/Unknown backup '|Multiple backups found matching name/, 'backup-not-found'],
  // fixtures verify-backup-corrupt(-json), backup-name-ambiguous-lookup (a FAILED backup)
  [/checksum mismatch|verify backup failure|The validity of a failed backup cannot be checked/, 'corrupt'],
  // fixture switch-wal-archive-timeout: the segment never reached Barman
  [/has not been received in \d+ seconds/, 'archive-failed'],
  // fixture switch-wal-server-down, and libpq's own words. Not "Impossible to start the backup":
  // Barman says that whenever one of its pre-backup checks fails, PostgreSQL unreachable
  // (backup-server-down) as much as archiving broken (backup-archiving-broken).
  [/Unable to perform pg_switch_wal|connection to server .* failed|could not connect to server|Connection refused/, 'db-unreachable'],
  // `barman check` prints `<check>: FAILED (hint)` lines on stdout (fixtures check-*)
  [/^PostgreSQL: FAILED/m, 'db-unreachable'],
  [/^archiver errors: FAILED/m, 'archive-mismatch'],
  [/^(WAL archive|continuous archiving|archive_command|archive_mode): FAILED/m, 'archive-failed'],
]

function jsonErrors(stdout: string): string[] {
  if (!stdout.trimStart().startsWith('{')) return []
  try {
    const v = (parseJsonLossless(stdout) as Record<string, unknown>)._ERROR
    return Array.isArray(v) ? v.map((m) => String(m).trim()) : []
  } catch {
    return []
  }
}

const TAIL_LINES = 8

export function classifyFailure(step: ExecStep, result: ProcessResult): ToolFailure {
  const { failure } = processFailure('barman', step.argv[0], step, result, TAIL_LINES)
  if (failure) return failure

  const stderrLines = result.stderr.trim().split('\n').filter(Boolean)
  const failedChecks = result.stdout.split('\n').filter((l) => /^\t.+: FAILED/.test(l)).map((l) => l.trim())
  const errors = [...stderrLines.filter((l) => l.startsWith('ERROR: ')).map((l) => l.slice(7).trim()), ...jsonErrors(result.stdout), ...failedChecks]
  const text = [...errors, ...stderrLines].join('\n')
  const match = PATTERNS.find(([re]) => re.test(text))
  const kind: ToolFailureKind = match?.[1] ?? 'unknown'
  // The line that decided the kind says best what happened.
  const what = (match && errors.find((e) => match[0].test(e))) ?? errors[0] ?? stderrLines[stderrLines.length - 1]
  return {
    kind,
    tool: 'barman',
    summary: `${step.title} failed${what ? `: ${what}` : ` (exit code ${result.exitCode})`}`,
    exitCode: result.exitCode,
    argv: result.argv,
    stderrTail: [...stderrLines, ...errors.filter((e) => !stderrLines.some((l) => l.includes(e)))].slice(-TAIL_LINES),
  }
}
