/**
 * A failed pgBackRest step to a ToolFailure. pgBackRest exits with its error code and prints
 * `ERROR: [NNN]: message` on stderr (log-level-stderr=warn, set by pitrctl). The codes are those
 * of src/build/error/error.yaml at release/2.45; a few depend on what the message says.
 */
import type { ToolFailure, ToolFailureKind } from '../../errors.js'
import { processFailure } from '../process-failure.js'
import type { ExecStep } from '../../model/plan.js'
import type { ProcessResult } from '../../runner/runner.js'

/** error.yaml names of the codes pitrctl treats specially */
export const PGBACKREST_ERROR = {
  checksum: 26,
  config: 27,
  fileInvalid: 28,
  format: 29,
  pgRunning: 38,
  pathNotEmpty: 40,
  archiveMismatch: 44,
  archiveDuplicate: 45,
  versionNotSupported: 46,
  lockAcquire: 50,
  fileMissing: 55,
  dbConnect: 56,
  dbQuery: 57,
  dbMismatch: 58,
  stop: 62,
  archiveCommandInvalid: 68,
  backupSetInvalid: 75,
  archiveTimeout: 82,
  archiveDisabled: 87,
  repoInvalid: 103,
} as const

const BY_CODE: Readonly<Record<number, ToolFailureKind>> = {
  [PGBACKREST_ERROR.checksum]: 'corrupt',
  [PGBACKREST_ERROR.format]: 'corrupt',
  [PGBACKREST_ERROR.pgRunning]: 'server-running',
  [PGBACKREST_ERROR.archiveMismatch]: 'archive-mismatch',
  [PGBACKREST_ERROR.archiveDuplicate]: 'archive-mismatch',
  [PGBACKREST_ERROR.lockAcquire]: 'lock-held',
  [PGBACKREST_ERROR.dbConnect]: 'db-unreachable',
  [PGBACKREST_ERROR.dbQuery]: 'db-unreachable',
  [PGBACKREST_ERROR.archiveCommandInvalid]: 'archive-failed',
  [PGBACKREST_ERROR.backupSetInvalid]: 'backup-not-found',
  [PGBACKREST_ERROR.archiveTimeout]: 'archive-failed',
  [PGBACKREST_ERROR.archiveDisabled]: 'archive-failed',
}

export interface PgbackrestError {
  readonly code: number
  /** the first line of the message */
  readonly message: string
  /** the message with its continuation lines (HINTs, nested causes) */
  readonly text: string
}

const ERROR_LINE = /^ERROR: \[(\d{3})\]: (.*)$/

/** the first `ERROR: [NNN]: …` of stderr, with its indented continuation lines */
export function parseErrorOutput(stderr: string): PgbackrestError | undefined {
  const lines = stderr.split('\n')
  const at = lines.findIndex((l) => ERROR_LINE.test(l))
  if (at < 0) return undefined
  const m = ERROR_LINE.exec(lines[at]!)!
  const more: string[] = []
  for (const l of lines.slice(at + 1)) {
    if (!/^\s/.test(l)) break
    more.push(l.trim())
  }
  return { code: Number(m[1]), message: m[2]!, text: [m[2]!, ...more].join('\n') }
}

const TAIL_LINES = 12

export function classifyFailure(step: ExecStep, result: ProcessResult): ToolFailure {
  const { base, failure } = processFailure('pgbackrest', 'pgbackrest', step, result, TAIL_LINES)
  if (failure) return failure

  const err = parseErrorOutput(result.stderr)
  if (err === undefined) {
    // archive-get prints nothing above log level info for a file it cannot find and exits 1
    // (fixture archive-get-missing).
    if (isCommand(step, 'archive-get') && result.exitCode === 1)
      return { ...base, kind: 'unknown', summary: `${walNameOf(step)} is not in the pgBackRest archive` }
    return { ...base, kind: 'unknown', summary: `${step.title} failed with exit code ${result.exitCode ?? '?'}` }
  }
  const stopped = err.code === PGBACKREST_ERROR.stop ? ': `pgbackrest stop` was run for it; `pgbackrest start` allows commands again' : ''
  const summary = `[${String(err.code).padStart(3, '0')}] ${err.message}${causeOf(result.stderr)}${stopped}`
  return { ...base, kind: kindOf(step, err, result.stderr), summary }
}

function kindOf(step: ExecStep, err: PgbackrestError, stderr: string): ToolFailureKind {
  // `check` reports an unreachable server as [027] "no database found" (fixture check-db-down).
  if (stderr.includes('[DbConnectError]')) return 'db-unreachable'
  const byCode = BY_CODE[err.code]
  if (byCode !== undefined) return byCode
  switch (err.code) {
    case PGBACKREST_ERROR.fileMissing:
    case PGBACKREST_ERROR.repoInvalid:
      // A stanza that was never created has no archive.info/backup.info (fixtures *-no-stanza).
      if (/(archive|backup)\.info/.test(err.text) && /stanza-create/.test(err.text)) return 'not-initialized'
      return isCommand(step, 'restore') || isCommand(step, 'verify') ? 'corrupt' : 'unknown'
    case PGBACKREST_ERROR.fileInvalid:
      // The stanza's info files belong to another cluster (fixture stanza-create-mismatch).
      return /do not match the database/.test(err.text) ? 'archive-mismatch' : 'corrupt'
    default:
      return 'unknown'
  }
}

// A lost primary ([056]) is explained by the WARN before it: why the server could not be checked.
function causeOf(stderr: string): string {
  const m = /^WARN: unable to check pg\d+: \[(\w+)\] (.*)$/m.exec(stderr)
  return m ? ` (${m[1]}: ${m[2]})` : ''
}

function isCommand(step: ExecStep, command: string): boolean {
  return step.argv.includes(command)
}

function walNameOf(step: ExecStep): string {
  const i = step.argv.indexOf('archive-get')
  return step.argv[i + 1] ?? 'the WAL file'
}
