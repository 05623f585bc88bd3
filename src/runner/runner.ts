import type { ExecStep } from '../model/plan.js'

/** what one child process did: a plain record the caller classifies (nothing throws here) */
export interface ProcessResult {
  /** redacted */
  readonly argv: readonly string[]
  readonly exitCode: number | undefined
  readonly signal: string | undefined
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
  readonly timedOut: boolean
  /** exit code in the step's okExitCodes (default 0), no signal, no timeout */
  readonly ok: boolean
  /** set when the program could not be started at all (ENOENT: not installed) */
  readonly spawnError?: string
  /** with RunOptions.digestStdout: stdout's size and sha256 (stdout itself is then '') */
  readonly stdoutDigest?: { readonly sizeBytes: number; readonly sha256: string }
}

export interface RunOptions {
  readonly signal?: AbortSignal
  readonly onLine?: (line: string) => void
  /** bytes for the child's stdin */
  readonly input?: string
  /** hash stdout as it streams instead of keeping it (reading a large object through a tool) */
  readonly digestStdout?: boolean
}

/** the only way anything in pitrctl starts a process */
export interface Runner {
  run(step: ExecStep, opts?: RunOptions): Promise<ProcessResult>
}

/** outputs of a plan's exec steps, by step id */
export type StepOutputs = ReadonlyMap<string, ProcessResult>
