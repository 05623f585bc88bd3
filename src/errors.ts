/**
 * The contract's exit codes (../shared/spec/cli.md) and the error classes that carry them.
 * BaseCommand.catch is the one place that turns these into stderr text, JSON and an exit code;
 * anything that is not an AppError is a bug and exits 1.
 */
export const EXIT = {
  ok: 0,
  toolFailed: 1,
  usage: 2,
  verifyFailed: 3,
  unreachable: 4,
  refused: 5,
  notInstalled: 6,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

export abstract class AppError extends Error {
  abstract readonly exitCode: ExitCode
  /** what to do about it: the part after the dash in `pitrctl: <what> — <what to do>` */
  readonly hint: string | undefined
  /** extra lines printed under the one-line message (services may add context on the way up) */
  readonly details: string[]

  constructor(message: string, opts: { hint?: string; details?: readonly string[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.hint = opts.hint
    this.details = [...(opts.details ?? [])]
  }
}

/** bad flag, bad TARGET, unknown cluster or tool */
export class UsageError extends AppError {
  readonly exitCode = EXIT.usage
}

/** invalid config: always names the file, section and key */
export class ConfigError extends AppError {
  readonly exitCode = EXIT.usage
  constructor(file: string, section: string | undefined, key: string | undefined, problem: string, hint?: string) {
    const where = [file, section ? `[${section}]` : undefined, key].filter(Boolean).join(' ')
    super(`${where}: ${problem}`, { hint: hint ?? `fix ${file}` })
  }
}

/** a tool or PostgreSQL failed; the message shows the (redacted) command and its stderr */
export class ToolError extends AppError {
  readonly exitCode = EXIT.toolFailed
  readonly failure: ToolFailure
  constructor(failure: ToolFailure, hint?: string) {
    super(`${failure.tool}: ${failure.summary}`, {
      hint: hint ?? hintFor(failure.kind),
      details: [`command: ${failure.argv.join(' ')}`, ...(failure.exitCode !== undefined ? [`exit code: ${failure.exitCode}`] : []), ...failure.stderrTail.map((l) => `  ${l}`)],
    })
    this.failure = failure
  }
}

/**
 * The WAL file asked for is not in the archive. Normal during recovery (PostgreSQL asks for the
 * next timeline's history, the end of WAL): restore_command then exits 1 quietly.
 */
export class WalNotArchivedError extends AppError {
  readonly exitCode = EXIT.toolFailed
  constructor(readonly walName: string) {
    super(`${walName} is not in the archive`, { hint: 'nothing to fetch' })
  }
}

/** a tool's output could not be read: the tool (or its version) printed something pitrctl does not know */
export class ToolOutputError extends AppError {
  readonly exitCode = EXIT.toolFailed
  constructor(tool: string, what: string, hint = 'check the tool version (pitrctl check); pitrctl may not support it') {
    super(`${tool}: ${what}`, { hint })
  }
}

/** PostgreSQL itself misbehaved (query failed, server did not start) */
export class PostgresError extends AppError {
  readonly exitCode = EXIT.toolFailed
}

export class VerifyError extends AppError {
  readonly exitCode = EXIT.verifyFailed
}

export class UnreachableTargetError extends AppError {
  readonly exitCode = EXIT.unreachable
}

export class RefusedError extends AppError {
  readonly exitCode = EXIT.refused
}

export class NotInstalledError extends AppError {
  readonly exitCode = EXIT.notInstalled
}

export type ToolFailureKind =
  | 'lock-held'
  | 'db-unreachable'
  | 'not-initialized'
  | 'backup-not-found'
  | 'archive-failed'
  | 'archive-mismatch'
  | 'corrupt'
  | 'server-running'
  | 'not-installed'
  | 'timeout'
  | 'unknown'

export interface ToolFailure {
  readonly kind: ToolFailureKind
  readonly tool: string
  /** one line: what went wrong, in the tool's words where they are clear */
  readonly summary: string
  readonly exitCode: number | undefined
  /** already redacted */
  readonly argv: readonly string[]
  /** last lines of stderr, already redacted */
  readonly stderrTail: readonly string[]
}

function hintFor(kind: ToolFailureKind): string {
  switch (kind) {
    case 'lock-held':
      return 'another backup or restore is running on this cluster; wait for it, then retry'
    case 'db-unreachable':
      return 'check that the server runs and host/port/user in pitrctl.ini reach it'
    case 'not-initialized':
      return 'run `pitrctl setup` first'
    case 'backup-not-found':
      return 'run `pitrctl list` to see the backups that exist'
    case 'archive-failed':
    case 'archive-mismatch':
      return 'the WAL archive refused this file; run `pitrctl check` and look at the repository before retrying'
    case 'corrupt':
      return 'run `pitrctl verify` and restore from another backup'
    case 'server-running':
      return 'stop the server first, or restore with --into DIR'
    case 'not-installed':
      return 'install the tool (see README) or pick another with --tool'
    case 'timeout':
      return 'the command did not finish in time; check the server and the repository'
    case 'unknown':
      return 'read the tool output above'
  }
}

/** exit codes above 125 are not counted by PostgreSQL's archiver (reliability.md L6): clamp */
export function archiveSafeExitCode(code: number): number {
  return code > 0 && code <= 125 ? code : 1
}
