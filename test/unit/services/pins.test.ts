import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../src/errors.js'
import type { Backup } from '../../../src/model/catalog.js'
import { findBackup, loadPins, pinKeys, pinsPath } from '../../../src/services/pins.js'

const b = (tool: Backup['tool'], id: string, label: string | null = null): Backup => ({
  id, tool, type: 'full', status: 'ok', start: null, stop: null, startLsn: null, stopLsn: null, timeline: 1, walStart: null, walStop: null,
  size: null, storedSize: null, parent: null, pgVersion: '15', systemId: '1', label,
})

describe('pins', () => {
  it('no file: nothing pinned; a file: tool/id keys', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pins-'))
    expect(await loadPins(dir)).toEqual([])
    writeFileSync(pinsPath(dir), JSON.stringify({ pins: [{ tool: 'native', id: 'A', at: '2026-01-01T00:00:00.000Z' }] }))
    expect(pinKeys(await loadPins(dir))).toEqual(new Set(['native/A']))
  })
  it('a file pitrctl cannot read stops expire: it is never taken as "nothing pinned"', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pins-'))
    writeFileSync(pinsPath(dir), '{"pins": [')
    await expect(loadPins(dir)).rejects.toThrow(UsageError)
    writeFileSync(pinsPath(dir), '{}')
    await expect(loadPins(dir)).rejects.toThrow(/no "pins" list/)
  })
  it('findBackup: by id, else by label; unknown or ambiguous is a usage error (exit 2)', () => {
    const cats = [{ tool: 'native' as const, backups: [b('native', 'A', 'nightly')] }, { tool: 'pgbackrest' as const, backups: [b('pgbackrest', 'P'), b('pgbackrest', 'A')] }]
    expect(findBackup(cats, 'P', 'main').tool).toBe('pgbackrest')
    expect(findBackup(cats, 'nightly', 'main').id).toBe('A')
    const err = (id: string) => {
      try {
        findBackup(cats, id, 'main')
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError)
        expect((e as UsageError).exitCode).toBe(2)
        return (e as Error).message
      }
      throw new Error('no error')
    }
    expect(err('nope')).toBe('no backup "nope" in cluster main')
    expect(err('A')).toMatch(/names backups of native and pgbackrest/)
  })
})
