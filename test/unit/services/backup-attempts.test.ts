import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RefusedError, ToolError, UsageError } from '../../../src/errors.js'
import { appendAttempt, attemptsFile, readAttempts, recordAttempt } from '../../../src/services/backup-attempts.js'

describe('backup attempts file', () => {
  let dir: string
  beforeEach(async () => {
    dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'pitrctl-unit-attempts-')), 'state')
  })
  afterEach(async () => {
    await fs.rm(path.dirname(dir), { recursive: true, force: true })
  })
  const o = () => ({ stateDir: dir, tool: 'native' as const, type: 'full', dryRun: false })
  const fail = (e: Error) => () => Promise.reject(e)

  it('records ok and failed attempts, 0600 in a state dir it creates; the error passes through', async () => {
    await expect(recordAttempt(o(), async () => ({ id: 'b1' }))).resolves.toEqual({ id: 'b1' })
    const tool = new ToolError({ kind: 'db-unreachable', tool: 'native', summary: 'pg_basebackup failed:\n\tIs the server running?', exitCode: 1, argv: [], stderrTail: [] })
    await expect(recordAttempt(o(), fail(tool))).rejects.toBe(tool)
    await expect(recordAttempt(o(), fail(new Error('a bug')))).rejects.toThrow('a bug')
    const a = await readAttempts(dir)
    expect(a.map((x) => [x.outcome, x.backup ?? x.error])).toEqual([
      ['ok', 'b1'],
      ['failed', 'native: pg_basebackup failed:'],
      ['failed', 'a bug'],
    ])
    expect((await fs.stat(attemptsFile(dir))).mode & 0o777).toBe(0o600)
  })

  it('usage errors, refusals (the lock is held) and dry runs are not attempts', async () => {
    await expect(recordAttempt(o(), fail(new UsageError('no such type')))).rejects.toThrow(UsageError)
    await expect(recordAttempt(o(), fail(new RefusedError('another pitrctl is working')))).rejects.toThrow(RefusedError)
    await expect(recordAttempt({ ...o(), dryRun: true }, async () => null)).resolves.toBeNull()
    expect(await readAttempts(dir)).toEqual([])
  })

  it('a torn last line does not hide the others; a big file is trimmed to the newest lines', async () => {
    await appendAttempt(dir, { at: '2026-11-21T00:00:00.000Z', tool: 'native', type: 'full', outcome: 'ok' })
    await fs.appendFile(attemptsFile(dir), '{"at":"2026-11-21T01:00:00.000Z","tool":"nat')
    await appendAttempt(dir, { at: '2026-11-21T02:00:00.000Z', tool: 'native', type: 'full', outcome: 'failed', error: 'x' })
    expect((await readAttempts(dir)).map((a) => a.at)).toEqual(['2026-11-21T00:00:00.000Z', '2026-11-21T02:00:00.000Z'])

    const line = `${JSON.stringify({ at: '2026-11-21T03:00:00.000Z', tool: 'native', type: 'full', outcome: 'failed', error: 'e'.repeat(400) })}\n`
    await fs.writeFile(attemptsFile(dir), line.repeat(2700))
    await appendAttempt(dir, { at: '2026-11-22T00:00:00.000Z', tool: 'native', type: 'full', outcome: 'ok' })
    const kept = await readAttempts(dir)
    expect(kept).toHaveLength(1000)
    expect(kept[999]!.outcome).toBe('ok')
  })
})
