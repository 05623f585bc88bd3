/**
 * The absolute path of a program an adapter puts in argv or in a restore_command, from
 * ToolEnv.programs (resolved once per command by services/programs.ts in the contract's order).
 * A program that was not found stays a bare name, which the service refuses with exit 6 before
 * running anything; without a table (unit tests on recorded argv) the adapter's own default.
 */
import type { ToolEnv } from './adapter.js'

export function programPath(env: Pick<ToolEnv, 'programs'>, name: string, fallback: string = name): string {
  if (env.programs === undefined) return fallback
  return env.programs[name] ?? name
}
