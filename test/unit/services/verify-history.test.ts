import { mkdtempSync, promises as fs, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readRestorePass, recordRestorePass } from '../../../src/services/verify-history.js'

describe('verify --restore record', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pitrctl-vh-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('is absent until a pass is recorded, then the newest pass per tool', async () => {
    expect(await readRestorePass(dir, 'native')).toBeNull()
    await recordRestorePass(dir, { tool: 'native', backup: 'a', at: '2026-11-21T10:00:00.000Z' })
    await recordRestorePass(dir, { tool: 'native', backup: 'b', at: '2026-11-21T11:00:00.000Z' })
    await recordRestorePass(dir, { tool: 'barman', backup: 'c', at: '2026-11-21T09:00:00.000Z' })
    expect(await readRestorePass(dir, 'native')).toEqual({ tool: 'native', backup: 'b', at: '2026-11-21T11:00:00.000Z' })
    expect((await readRestorePass(dir, 'barman'))?.backup).toBe('c')
    expect(statSync(path.join(dir, 'verify-restore', 'native.json')).mode & 0o777).toBe(0o600)
    expect((await fs.readdir(path.join(dir, 'verify-restore'))).sort()).toEqual(['barman.json', 'native.json'])
  })

  it('a torn record is an error, not "never verified"', async () => {
    await fs.writeFile(path.join(dir, 'verify-restore', 'walg.json'), '{"at": "nonsense"}')
    await expect(readRestorePass(dir, 'walg')).rejects.toThrow(/no valid time/)
    await fs.writeFile(path.join(dir, 'verify-restore', 'walg.json'), '{"at": "2026')
    await expect(readRestorePass(dir, 'walg')).rejects.toThrow()
  })
})
