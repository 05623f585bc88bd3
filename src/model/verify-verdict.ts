/**
 * The verdict of one backup's verification. A backup is ok only when every check passed: a check
 * that could not be made (`unchecked`) is not a pass, and only a passing test restore — which
 * reads every file of the backup — makes up for it.
 */
/** the part of a verify check (adapters' VerifyCheck) the verdict reads */
export interface CheckOutcome {
  readonly name: string
  readonly ok: boolean
  readonly unchecked?: boolean
}

export const TEST_RESTORE_CHECK = 'test restore'

export function verdictOf(checks: readonly CheckOutcome[]): boolean {
  if (checks.length === 0) return false
  const restored = checks.some((k) => k.name === TEST_RESTORE_CHECK && k.ok)
  return checks.every((k) => k.ok || (k.unchecked === true && restored))
}

/** a test restore is worth running when the only failures are checks that could not be made */
export function worthTestRestore(checks: readonly CheckOutcome[]): boolean {
  return checks.every((k) => k.ok || k.unchecked === true)
}
