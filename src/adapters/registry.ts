import type { ToolId } from '../model/tool-id.js'
import type { Adapter } from './adapter.js'
import { barmanAdapter } from './barman/index.js'
import { nativeAdapter } from './native/index.js'
import { pgbackrestAdapter } from './pgbackrest/index.js'
import { pgRmanAdapter } from './pg_rman/index.js'
import { walgAdapter } from './walg/index.js'

const ADAPTERS: Partial<Record<ToolId, Adapter>> = {
  native: nativeAdapter,
  pgbackrest: pgbackrestAdapter,
  barman: barmanAdapter,
  walg: walgAdapter,
  pg_rman: pgRmanAdapter,
}

export function adapterFor(tool: ToolId): Adapter | undefined {
  return ADAPTERS[tool]
}

/** WAL-G's torn-object repair (services/torn-repair.ts): WAL-G alone leaves torn objects under final names */
export * as walgTorn from './walg/torn.js'
