/**
 * A failed WAL-G step to a ToolFailure. WAL-G logs `ERROR: <date> <time> <message>` lines on
 * stderr and exits 1 for every fatal error, except wal-fetch of a file that is not archived,
 * which exits 74 (constants.ExIoError). The messages matched here are the recorded ones
 * (test/fixtures/walg/3.0.9/*).
 */
import type { ToolFailure, ToolFailureKind } from '../../errors.js'
import { processFailure } from '../process-failure.js'
import type { ExecStep } from '../../model/plan.js'
import type { ProcessResult } from '../../runner/runner.js'

/** wal-fetch: "Archive '<name>' does not exist." */
export const EXIT_NOT_ARCHIVED = 74

const ERROR_LINE = /^ERROR: \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d+ (.*)$/
const WARNING_LINE = /^WARNING: \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d+ (.*)$/

const RULES: readonly (readonly [RegExp, ToolFailureKind])[] = [
  // wal-push with WALG_PREVENT_WAL_OVERWRITE, and any .history (fixtures wal-push-overwrite-refused, wal-push-history-differs)
  [/already archived, contents differ, unable to overwrite/, 'archive-mismatch'],
  // the FS storage root is missing (fixtures *-no-storage); no storage configured at all (config-*)
  [/FS storage root directory doesn't exist or is inaccessible|Failed to find any configured storage/, 'not-initialized'],
  // backup-fetch, wal-verify --backup-name (fixtures backup-fetch-missing, wal-verify-backup-missing)
  [/Backup '.*' does not exist|Backup with specified name ".*" was not found/, 'backup-not-found'],
  // backup-push, wal-verify against a stopped server (fixtures *-server-down)
  [/postgres connection failed|Failed to establish a connection to Postgres/, 'db-unreachable'],
  // connected to a server whose data directory is not PGDATA (fixture backup-push-wrong-datadir)
  [/Data directory from command line '.*' is not the same as Postgres' one/, 'db-unreachable'],
  // a truncated archived object (fixture wal-fetch-corrupt)
  [/^unexpected EOF$/, 'corrupt'],
]

const TAIL_LINES = 12

export function classifyFailure(step: ExecStep, result: ProcessResult): ToolFailure {
  const { base, failure } = processFailure('walg', 'wal-g', step, result, TAIL_LINES)
  if (failure) return failure

  const errors = linesOf(result.stderr, ERROR_LINE)
  // The connection error comes last; the line before says which server it could not reach.
  const message = errors.find((e) => RULES.some(([re]) => re.test(e))) ?? errors[errors.length - 1]
  if (result.exitCode === EXIT_NOT_ARCHIVED && isCommand(step, 'wal-fetch'))
    // No kind means "this WAL file is not archived" (a normal answer when probing for .history
    // files); 'unknown' as the other adapters do, with the exit code telling it apart.
    return { ...base, kind: 'unknown', summary: `${walNameOf(step)} is not in the WAL-G archive` }
  if (message === undefined) return { ...base, kind: 'unknown', summary: `${step.title} failed with exit code ${result.exitCode ?? '?'}` }

  // A configuration file that cannot be read is only a WARNING; WAL-G carries on without it and
  // then finds no storage (fixtures config-missing, config-unparsable).
  const configWarning = linesOf(result.stderr, WARNING_LINE).find((w) => w.startsWith('Failed to parse config file'))
  const kind = RULES.find(([re]) => re.test(message))?.[1] ?? 'unknown'
  return { ...base, kind, summary: configWarning ? `${configWarning.replace(/\.$/, '')}; ${message}` : summaryOf(message, errors) }
}

function summaryOf(message: string, errors: readonly string[]): string {
  if (/postgres connection failed|Failed to establish a connection/.test(message)) {
    // WAL-G retries localhost:5432 when PGHOST/PGPORT fail (connect.go): report the first refusal.
    const first = errors.find((e) => e.startsWith('failed to connect to'))
    return first ? `cannot connect to PostgreSQL: ${first}` : message
  }
  return message
}

function linesOf(stderr: string, re: RegExp): string[] {
  return stderr
    .split('\n')
    .map((l) => re.exec(l)?.[1])
    .filter((m): m is string => m !== undefined)
}

function isCommand(step: ExecStep, command: string): boolean {
  return step.argv.includes(command)
}

function walNameOf(step: ExecStep): string {
  const i = step.argv.indexOf('wal-fetch')
  return step.argv[i + 1] ?? 'the WAL file'
}
