/**
 * pg_basebackup, pg_verifybackup and cp failures to ToolFailure kinds. These programs only
 * exit 0 or 1, so stderr decides.
 */
import path from 'node:path'
import type { ToolFailure, ToolFailureKind } from '../../errors.js'
import type { ExecStep } from '../../model/plan.js'
import type { ProcessResult } from '../../runner/runner.js'
import { processFailure } from '../process-failure.js'

const PATTERNS: readonly [RegExp, ToolFailureKind][] = [
  [/could not connect|connection to server .* failed|Connection refused|no such file or directory.*socket/i, 'db-unreachable'],
  [/No space left on device/i, 'unknown'],
  [/cp: cannot stat/i, 'backup-not-found'],
  [/checksum mismatch|could not parse|is present on disk but not in the manifest|is present in the manifest but not on disk/i, 'corrupt'],
]

export function classifyFailure(step: ExecStep, result: ProcessResult): ToolFailure {
  const { base, failure } = processFailure('native', path.basename(step.argv[0]), step, result, 8)
  if (failure) return failure
  const kind: ToolFailureKind = PATTERNS.find(([re]) => re.test(result.stderr))?.[1] ?? 'unknown'
  const last = base.stderrTail[base.stderrTail.length - 1]
  return { ...base, kind, summary: `${step.title} failed${last ? `: ${last}` : ''}` }
}
