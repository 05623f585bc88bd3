/**
 * Every `pitrctl backup` attempt's outcome, appended durably to `<state dir>/backup-attempts.jsonl`
 * (one line each, fsynced; trimmed to the newest 1000 lines once it passes 1 MiB), so `check`
 * can count the failures in a row whatever the tool's catalog remembers.
 */
import { constants, promises as fs } from 'node:fs'
import path from 'node:path'
import { AppError, EXIT } from '../errors.js'
import { parseAttempts, renderAttemptLine, type BackupAttempt } from '../model/backup-attempts.js'
import type { ToolId } from '../model/tool-id.js'
import { mkdirMode, writeFileDurable } from '../util/durable-fs.js'
import { redactor } from '../util/redact.js'

const FILE = 'backup-attempts.jsonl'
const TRIM_BYTES = 1024 * 1024
const KEEP_LINES = 1000

export function attemptsFile(stateDir: string): string {
  return path.join(stateDir, FILE)
}

export async function readAttempts(stateDir: string): Promise<BackupAttempt[]> {
  const text = await fs.readFile(attemptsFile(stateDir), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return ''
    throw e
  })
  return parseAttempts(text)
}

export async function appendAttempt(stateDir: string, a: BackupAttempt): Promise<void> {
  await mkdirMode(stateDir)
  const file = attemptsFile(stateDir)
  const created = await fs.stat(file).then(() => false, () => true)
  const h = await fs.open(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, 0o600)
  let size: number
  try {
    // a crash mid-append leaves a line without its newline: end it, so only that line is lost
    const before = (await h.stat()).size
    const last = Buffer.alloc(1)
    const torn = before > 0 && (await h.read(last, 0, 1, before - 1)).bytesRead === 1 && last[0] !== 0x0a
    await h.write(`${torn ? '\n' : ''}${renderAttemptLine(a)}`)
    await h.sync()
    size = (await h.stat()).size
  } finally {
    await h.close()
  }
  if (created) {
    const d = await fs.open(stateDir, constants.O_RDONLY)
    await d.sync().finally(() => d.close())
  }
  if (size > TRIM_BYTES) {
    const lines = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean)
    await writeFileDurable(file, `${lines.slice(-KEEP_LINES).join('\n')}\n`)
  }
}

/** the error's first line, whitespace collapsed, redacted, at most 500 characters */
function oneLine(message: string): string {
  return redactor.redact(message.split('\n')[0]!.replace(/\s+/g, ' ').trim()).slice(0, 500)
}

/**
 * Runs one backup attempt and records its outcome. Not recorded: dry runs, usage and config
 * errors (nothing was attempted) and refusals (another pitrctl holds the cluster's lock: a
 * backup is running, so backups are not failing).
 */
export async function recordAttempt<T extends { id: string } | null>(
  o: { stateDir: string; tool: ToolId; type: string; dryRun: boolean },
  attempt: () => Promise<T>,
): Promise<T> {
  if (o.dryRun) return attempt()
  const base = { tool: o.tool, type: o.type }
  let result: T
  try {
    result = await attempt()
  } catch (e) {
    const code = e instanceof AppError ? e.exitCode : EXIT.toolFailed
    if (code !== EXIT.usage && code !== EXIT.refused)
      await appendAttempt(o.stateDir, { at: new Date().toISOString(), ...base, outcome: 'failed', error: oneLine((e as Error).message) }).catch(() => undefined)
    throw e
  }
  await appendAttempt(o.stateDir, { at: new Date().toISOString(), ...base, outcome: 'ok', ...(result ? { backup: result.id } : {}) })
  return result
}
