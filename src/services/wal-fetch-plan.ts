/**
 * restore_command's request checked and turned into the tool's plan. Kept to light imports:
 * bin/run.js's fast path (cli/wal-fetch-fast.ts) uses it without loading the whole CLI.
 */
import path from 'node:path'
import type { Adapter, ToolEnv } from '../adapters/adapter.js'
import { UsageError } from '../errors.js'
import type { Plan } from '../model/plan.js'
import { walFileKind } from '../model/wal-name.js'

export function planWalFetch(adapter: Adapter, env: ToolEnv, name: string, dest: string): Plan {
  if (!walFileKind(name)) throw new UsageError(`${name} is not a WAL file name`, { hint: 'restore_command passes %f' })
  return adapter.planWalGet(env, name, path.resolve(dest))
}
