/**
 * What every adapter's classifier says first: the program could not start, did not answer in time,
 * or was killed. Only what is left needs the tool's own error codes and messages.
 */
import type { ToolFailure } from '../errors.js'
import type { ExecStep } from '../model/plan.js'
import type { ProcessResult } from '../runner/runner.js'

export function stderrTail(stderr: string, lines: number): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '').slice(-lines)
}

export function processFailure(tool: string, program: string, step: ExecStep, result: ProcessResult, tailLines: number): { base: Omit<ToolFailure, 'kind' | 'summary'>; failure: ToolFailure | undefined } {
  const base = { tool, exitCode: result.exitCode, argv: result.argv, stderrTail: stderrTail(result.stderr, tailLines) }
  if (result.spawnError !== undefined) return { base, failure: { ...base, kind: 'not-installed', summary: `cannot start ${program}: ${result.spawnError}` } }
  if (result.timedOut) return { base, failure: { ...base, kind: 'timeout', summary: `${step.title}: no answer in time` } }
  if (result.signal !== undefined) return { base, failure: { ...base, kind: 'unknown', summary: `${step.title}: ${program} was killed by ${result.signal}` } }
  return { base, failure: undefined }
}
