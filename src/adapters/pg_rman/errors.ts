/**
 * pg_rman's exit codes (pg_rman.h, pgut/pgut.h) to ToolFailure kinds: 1 help/--version, 2 error,
 * 3 fatal, 10 system or I/O, 12 bad arguments, 13 interrupted, 14 SQL failed, 15 connection failed,
 * 20 WAL not archived in time, 21 no backup, 22 catalog corrupted, 23 catalog locked, 24 block
 * size incompatible, 25 server running, 26 postmaster.pid broken. A few codes cover unlike causes
 * (10 and 22 include a catalog that was never initialised), so the message decides first.
 */
import type { ToolFailure, ToolFailureKind } from '../../errors.js'
import type { ExecStep } from '../../model/plan.js'
import { processFailure } from '../process-failure.js'
import type { ProcessResult } from '../../runner/runner.js'

const BY_MESSAGE: readonly [RegExp, ToolFailureKind][] = [
  // fixtures backup-not-initialized (10), restore-/validate-not-initialized (22), show-missing-path (10)
  [/could not open system identifier file|could not open file "[^"]*\/pg_rman\.ini": No such file|could not open directory "[^"]*": No such file/, 'not-initialized'],
  // fixture backup-incr-no-full (10)
  [/cannot take an incremental backup/, 'backup-not-found'],
  // fixture wal-get-missing: the segment is not in the archive
  [/^cp: cannot stat .*No such file or directory/m, 'backup-not-found'],
  [/No space left on device/, 'unknown'],
]

const BY_EXIT: Readonly<Record<number, ToolFailureKind>> = {
  15: 'db-unreachable',
  20: 'archive-failed',
  21: 'backup-not-found',
  22: 'corrupt',
  23: 'lock-held',
  25: 'server-running',
  // is_pg_running() could not read postmaster.pid: treat as running, never as stopped
  26: 'server-running',
}

/** `ERROR: what` (+ `DETAIL: why`) as one line, else the last line */
function summarize(step: ExecStep, result: ProcessResult, lines: readonly string[]): string {
  const error = lines.find((l) => l.startsWith('ERROR: '))
  const detail = lines.find((l) => l.startsWith('DETAIL: '))
  if (error) return `${error.slice(7)}${detail ? ` (${detail.slice(8)})` : ''}`
  const last = lines[lines.length - 1]
  return `${step.title} failed${last ? `: ${last}` : result.exitCode !== undefined ? ` (exit ${result.exitCode})` : ''}`
}

const TAIL_LINES = 8

export function classifyFailure(step: ExecStep, result: ProcessResult): ToolFailure {
  const { failure } = processFailure('pg_rman', step.argv[0], step, result, TAIL_LINES)
  if (failure) return failure

  const lines = result.stderr.split('\n').map((l) => l.trimEnd()).filter(Boolean)
  let kind: ToolFailureKind
  if (step.id === 'catalog') kind = 'not-initialized' // planCheck's `test -f system_identifier`
  else kind = BY_MESSAGE.find(([re]) => re.test(result.stderr))?.[1] ?? (result.exitCode !== undefined ? BY_EXIT[result.exitCode] : undefined) ?? 'unknown'
  return {
    kind,
    tool: 'pg_rman',
    summary: summarize(step, result, lines),
    exitCode: result.exitCode,
    argv: result.argv,
    stderrTail: lines.slice(-TAIL_LINES),
  }
}
