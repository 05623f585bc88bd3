/**
 * pg_basebackup, pg_verifybackup and cp failures to ToolFailure kinds. These programs only
 * exit 0 or 1, so stderr decides.
 */
import type { ToolFailure, ToolFailureKind } from '../../errors.js'
import type { ExecStep } from '../../model/plan.js'
import type { ProcessResult } from '../../runner/runner.js'

const PATTERNS: readonly [RegExp, ToolFailureKind][] = [
  [/could not connect|connection to server .* failed|Connection refused|no such file or directory.*socket/i, 'db-unreachable'],
  [/No space left on device/i, 'unknown'],
  [/cp: cannot stat/i, 'backup-not-found'],
  [/checksum mismatch|could not parse|is present on disk but not in the manifest|is present in the manifest but not on disk/i, 'corrupt'],
]

export function classifyFailure(step: ExecStep, result: ProcessResult): ToolFailure {
  const lines = result.stderr.trim().split('\n').filter(Boolean)
  const kind: ToolFailureKind = result.spawnError === 'program not found'
    ? 'not-installed'
    : result.timedOut
      ? 'timeout'
      : (PATTERNS.find(([re]) => re.test(result.stderr))?.[1] ?? 'unknown')
  const last = lines[lines.length - 1]
  return {
    kind,
    tool: 'native',
    summary: result.spawnError ? `${step.argv[0]}: ${result.spawnError}` : `${step.title} failed${last ? `: ${last}` : ''}`,
    exitCode: result.exitCode,
    argv: result.argv,
    stderrTail: lines.slice(-8),
  }
}
