import type { ToolId } from '../model/tool-id.js'
import type { Adapter } from './adapter.js'
import { nativeAdapter } from './native/index.js'

const ADAPTERS: Partial<Record<ToolId, Adapter>> = {
  native: nativeAdapter,
}

export function adapterFor(tool: ToolId): Adapter | undefined {
  return ADAPTERS[tool]
}
