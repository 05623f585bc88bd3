import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ToolEnv } from '../../../src/adapters/adapter.js'
import { adapterFor } from '../../../src/adapters/registry.js'
import { TOOL_IDS, type ToolId } from '../../../src/model/tool-id.js'
import { plainArchiveDir, tornCopies } from '../../../src/services/torn-check.js'

function envFor(tool: ToolId): ToolEnv {
  return {
    cluster: 'main', tool, mode: 'managed', repoDir: `/r/${tool}`, options: {}, osUser: 'postgres', pgMajor: 15,
    pg: { pgdata: '/var/lib/postgresql/15/main', binDir: '/usr/lib/postgresql/15/bin', host: '/var/run/postgresql', port: 5432, user: 'postgres', database: 'postgres' },
    pitrctl: ['/usr/bin/node', '/opt/pitrctl/bin/run.js'], configPath: '/etc/pitrctl/pitrctl.ini', stateDir: '/r/.pitrctl',
  }
}

describe('torn archived copies are looked for where WAL is kept as plain files', () => {
  it('native and pg_rman keep plain files; the compressing tools do not', () => {
    const dirs = Object.fromEntries(TOOL_IDS.map((t) => [t, plainArchiveDir(adapterFor(t)!, envFor(t))]))
    expect(dirs.native).toBe('/r/native/wal')
    expect(dirs.pg_rman).toMatch(/^\/r\/pg_rman\/.+/)
    expect([dirs.pgbackrest, dirs.barman, dirs.walg]).toEqual([undefined, undefined, undefined])
  })
  it('a segment that is not 16 MiB is torn; other files and whole segments are not', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pitrctl-torn-'))
    writeFileSync(path.join(dir, '000000010000000000000003'), Buffer.alloc(16 * 1024 * 1024))
    writeFileSync(path.join(dir, '000000010000000000000004'), Buffer.alloc(4 * 1024 * 1024))
    writeFileSync(path.join(dir, '00000002.history'), '1\t0/3000000\tno recovery target specified\n')
    expect(await tornCopies(dir)).toEqual(['000000010000000000000004 (4194304 bytes)'])
    expect(await tornCopies(dir, ['000000010000000000000003', '000000010000000000000009'])).toEqual([])
  })
})
