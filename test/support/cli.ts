/**
 * Runs the built CLI (`bin/run.js`) as a user would, capturing exit code, stdout and stderr.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'run.js')

export interface CliResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  json<T = any>(): T
}

export function runCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 900_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const exitCode = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0
      resolve({
        exitCode,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout)
          } catch {
            throw new Error(`not JSON (exit ${exitCode}):\n${stdout}\n--- stderr:\n${stderr}`)
          }
        },
      })
    })
  })
}
