/**
 * When `verify --restore` last proved a tool's backup restorable: one small file per tool in the
 * cluster's state directory (`<state>/verify-restore/<tool>.json`), written durably after each
 * passing test restore and read by `pitrctl metrics`.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { ToolId } from '../model/tool-id.js'
import { mkdirMode, writeFileDurable } from '../util/durable-fs.js'

export interface RestorePass {
  readonly tool: ToolId
  readonly backup: string
  /** UTC ISO 8601 */
  readonly at: string
}

function fileFor(stateDir: string, tool: ToolId): string {
  return path.join(stateDir, 'verify-restore', `${tool}.json`)
}

export async function recordRestorePass(stateDir: string, pass: RestorePass): Promise<void> {
  const file = fileFor(stateDir, pass.tool)
  await mkdirMode(path.dirname(file))
  await writeFileDurable(file, `${JSON.stringify(pass)}\n`, 0o600)
}

/** the last recorded pass, or null when there is none; an unreadable record throws */
export async function readRestorePass(stateDir: string, tool: ToolId): Promise<RestorePass | null> {
  const file = fileFor(stateDir, tool)
  const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null
    throw e
  })
  if (text === null) return null
  const p = JSON.parse(text) as Partial<RestorePass>
  if (typeof p.at !== 'string' || Number.isNaN(Date.parse(p.at))) throw new Error(`${file} holds no valid time`)
  return { tool, backup: String(p.backup ?? ''), at: p.at }
}
