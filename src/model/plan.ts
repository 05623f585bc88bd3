/**
 * A plan is data: the exact commands, files and settings a run would execute, in order. The one
 * executor (runner/execute-plan.ts) runs it; `--dry-run` prints it instead. Adapters only build
 * plans and parse outputs; they never run anything themselves.
 */
export interface ExecStep {
  readonly kind: 'exec'
  readonly id: string
  readonly title: string
  readonly argv: readonly [string, ...string[]]
  readonly env?: Readonly<Record<string, string>>
  /** passed to the child but redacted in logs, dry-run output, errors and fixtures */
  readonly secretEnv?: Readonly<Record<string, string>>
  readonly cwd?: string
  /** exit codes that still count as success (default: 0) */
  readonly okExitCodes?: readonly number[]
  /** false for read-only steps, which `--dry-run` still runs to plan the rest */
  readonly mutates: boolean
  readonly timeoutMs?: number
  /** write the child's stdout to this file instead of capturing it (`barman get-wal … > %p`) */
  readonly stdoutFile?: string
}

export interface WriteFileStep {
  readonly kind: 'write-file'
  readonly id: string
  readonly title: string
  readonly path: string
  readonly content: string
  /** e.g. 0o600 */
  readonly mode: number
  /** content holds a secret: dry-run shows the path only */
  readonly secret?: boolean
}

export interface MkdirStep {
  readonly kind: 'mkdir'
  readonly id: string
  readonly title: string
  readonly path: string
  readonly mode: number
  /** the directory must not exist yet (a backup's own directory) */
  readonly exclusive?: boolean
}

/**
 * Set PostgreSQL settings in a configuration file: earlier lines for the same names are
 * commented out (never deleted), then one block is appended. A null value only comments out.
 */
export interface SetGucsStep {
  readonly kind: 'set-gucs'
  readonly id: string
  readonly title: string
  readonly path: string
  readonly settings: Readonly<Record<string, string | null>>
}

/** SQL on the cluster itself (ALTER SYSTEM, pg_switch_wal, …) */
export interface SqlStep {
  readonly kind: 'sql'
  readonly id: string
  readonly title: string
  readonly sql: string
  readonly mutates: boolean
}

/**
 * pitrctl's own WAL archiving into a plain directory (native, Barman's incoming, pg_rman's
 * ARCLOG_PATH): temp file, fsync, rename, fsync the directory; identical content already there
 * is success, different content a loud failure (reliability.md rule 8).
 */
export interface ArchiveCopyStep {
  readonly kind: 'archive-copy'
  readonly id: string
  readonly title: string
  readonly src: string
  readonly destDir: string
}

/**
 * Copy one file out of pitrctl's own WAL archive (native's restore_command). A missing file is a
 * quiet "not archived" (PostgreSQL asks for files that do not exist yet); a file whose sha256
 * differs from the one pitrctl's WAL index recorded when it was archived is refused, never replayed.
 */
export interface ArchiveFetchStep {
  readonly kind: 'archive-fetch'
  readonly id: string
  readonly title: string
  readonly src: string
  readonly dest: string
  /** the WAL index entry (JSON with `sha256`) to check the file against; absent or without sha256: no check */
  readonly indexEntry?: string
}

export type Step = ExecStep | WriteFileStep | MkdirStep | SetGucsStep | SqlStep | ArchiveCopyStep | ArchiveFetchStep

export interface Plan {
  readonly title: string
  readonly steps: readonly Step[]
}

export function plan(title: string, ...steps: (Step | readonly Step[])[]): Plan {
  return { title, steps: steps.flat() as Step[] }
}

export function execStep(id: string, title: string, argv: readonly [string, ...string[]], extra: Partial<Omit<ExecStep, 'kind' | 'id' | 'title' | 'argv'>> = {}): ExecStep {
  return { kind: 'exec', id, title, argv, mutates: true, ...extra }
}
