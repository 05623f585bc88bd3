/**
 * The only importer of execa, and so the only place pitrctl starts a process. Argument arrays,
 * never a shell; a minimal explicit environment; `reject: false` so the caller classifies the
 * result; argv and output redacted before they leave (Node puts argv in error messages, L22).
 */
import { createHash } from 'node:crypto'
import { execa } from 'execa'
import type { ExecStep } from '../model/plan.js'
import type { RunAs } from '../util/identity.js'
import { redactor } from '../util/redact.js'
import type { ProcessResult, RunOptions, Runner } from './runner.js'

export interface ExecaRunnerOptions {
  /** spawn children as this user (only when the current process is root) */
  readonly runAs?: RunAs | undefined
  /** debug: print each command to stderr */
  readonly trace?: boolean
}

/** what every child gets; nothing else from pitrctl's own environment leaks into it */
export function baseEnv(runAs?: RunAs): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: runAs?.home ?? process.env.HOME ?? '/',
    LANG: 'C.UTF-8',
    // English messages: adapters parse tool and server output.
    LC_MESSAGES: 'C',
  }
  if (runAs) {
    env.USER = runAs.user
    env.LOGNAME = runAs.user
  } else {
    for (const k of ['USER', 'LOGNAME'] as const) if (process.env[k]) env[k] = process.env[k]!
  }
  for (const k of ['TZ', 'PGPASSFILE', 'PGSSLMODE', 'PGSSLROOTCERT', 'TMPDIR'] as const) if (process.env[k]) env[k] = process.env[k]!
  return env
}

export class ExecaRunner implements Runner {
  constructor(private readonly opts: ExecaRunnerOptions = {}) {}

  async run(step: ExecStep, opts: RunOptions = {}): Promise<ProcessResult> {
    for (const v of Object.values(step.secretEnv ?? {})) redactor.register(v)
    const argv = step.argv.map((a) => redactor.redact(a))
    const runAs = process.getuid?.() === 0 ? this.opts.runAs : undefined
    if (this.opts.trace) process.stderr.write(`+ ${argv.join(' ')}\n`)
    const started = performance.now()
    const child = execa(step.argv[0], step.argv.slice(1), {
      reject: false,
      extendEnv: false,
      env: { ...baseEnv(runAs), ...(step.env ?? {}), ...(step.secretEnv ?? {}) },
      cwd: step.cwd,
      timeout: step.timeoutMs,
      cancelSignal: opts.signal,
      uid: runAs?.uid,
      gid: runAs?.gid,
      input: opts.input,
      stdin: opts.input === undefined ? 'ignore' : 'pipe',
      stdout: step.stdoutFile ? { file: step.stdoutFile } : 'pipe',
      buffer: { stdout: !opts.digestStdout, stderr: true },
      stripFinalNewline: false,
      maxBuffer: 256 * 1024 * 1024,
      lines: false,
      encoding: 'utf8',
    })
    const sha = opts.digestStdout ? createHash('sha256') : undefined
    let stdoutBytes = 0
    if (sha && child.stdout)
      child.stdout.on('data', (chunk: Buffer) => {
        sha.update(chunk)
        stdoutBytes += chunk.length
      })
    if (opts.onLine && child.stderr) {
      let buf = ''
      child.stderr.on('data', (chunk: Buffer) => {
        buf += chunk.toString()
        let i: number
        while ((i = buf.indexOf('\n')) >= 0) {
          opts.onLine?.(redactor.redact(buf.slice(0, i)))
          buf = buf.slice(i + 1)
        }
      })
    }
    const r = await child
    const exitCode = typeof r.exitCode === 'number' ? r.exitCode : undefined
    const okCodes = step.okExitCodes ?? [0]
    const spawnError = r.failed && exitCode === undefined && !r.signal && !r.timedOut ? spawnMessage(r) : undefined
    return {
      argv,
      exitCode,
      signal: r.signal ?? undefined,
      stdout: redactor.redact(typeof r.stdout === 'string' ? r.stdout : ''),
      stderr: redactor.redact(typeof r.stderr === 'string' ? r.stderr : ''),
      durationMs: Math.round(performance.now() - started),
      timedOut: Boolean(r.timedOut),
      ok: exitCode !== undefined && okCodes.includes(exitCode) && !r.signal && !r.timedOut,
      ...(spawnError ? { spawnError } : {}),
      ...(sha ? { stdoutDigest: { sizeBytes: stdoutBytes, sha256: sha.digest('hex') } } : {}),
    }
  }
}

function spawnMessage(r: { code?: string; originalMessage?: string }): string {
  // Not the execa message: it repeats the whole command line, secrets included.
  return r.code === 'ENOENT' ? 'program not found' : redactor.redact(r.code ?? r.originalMessage ?? 'could not start')
}
