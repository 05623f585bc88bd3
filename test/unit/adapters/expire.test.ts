/**
 * Every tool's expire commands side by side, as data: which argv each tool runs to delete the
 * same decision (a full with a diff and an incr on it, plus an older full) and to expire WAL.
 */
import { describe, expect, it } from 'vitest'
import type { Adapter, ToolEnv } from '../../../src/adapters/adapter.js'
import { adapterFor } from '../../../src/adapters/registry.js'
import { RM_BATCH } from '../../../src/adapters/plain-archive.js'
import type { Backup, BackupType } from '../../../src/model/catalog.js'
import type { ExecStep, Plan } from '../../../src/model/plan.js'
import type { ToolId } from '../../../src/model/tool-id.js'
import { labToolEnv } from '../../support/recorded.js'

const seg = (n: number) => `0000000100000000${n.toString(16).toUpperCase().padStart(8, '0')}`

function b(tool: ToolId, id: string, n: number, type: BackupType = 'full', parent: string | null = null): Backup {
  return {
    id, tool, type, status: 'ok', start: '2026-11-21T09:00:00.000Z', stop: '2026-11-21T09:00:05.000Z', startLsn: `0/${(n * 0x1000000 + 0x28).toString(16).toUpperCase()}`,
    stopLsn: `0/${(n * 0x1000000 + 0x200).toString(16).toUpperCase()}`, timeline: 1, walStart: seg(n), walStop: seg(n), size: 1, storedSize: 1, parent,
    pgVersion: '15', systemId: '1', label: null,
  }
}

const envs: Record<ToolId, ToolEnv> = {
  native: labToolEnv('native', '/tmp/lab', 5432, '/r/native'),
  pgbackrest: labToolEnv('pgbackrest', '/tmp/lab', 5432, '/r/pgbackrest'),
  barman: labToolEnv('barman', '/tmp/lab', 5432, '/r/barman'),
  walg: labToolEnv('walg', '/tmp/lab', 5432, '/r/walg'),
  pg_rman: labToolEnv('pg_rman', '/tmp/lab', 5432, '/r/pg_rman'),
}
const A = (t: ToolId): Adapter => adapterFor(t)!
const argvs = (p: Plan) => p.steps.map((s) => (s.kind === 'exec' ? (s as ExecStep).argv.join(' ') : `${s.kind} ${'path' in s ? s.path : ''}`))

// What each tool is asked to delete: X (full) with D (diff on X) and I (incr on D); and Y, an older full.
const ids: Record<ToolId, [string, string, string, string]> = {
  native: ['20261120T090000Z', '', '', '20261121T090000Z'],
  pgbackrest: ['20261120-090000F', '20261120-090000F_20261120-100000D', '20261120-090000F_20261120-110000I', '20261121-090000F'],
  barman: ['20261120T090000', '', '', '20261121T090000'],
  walg: ['base_000000010000000000000002', 'base_000000010000000000000004_D_000000010000000000000002', 'base_000000010000000000000006_D_000000010000000000000004', 'base_000000010000000000000008'],
  pg_rman: ['2026-11-20 09:00:00', '2026-11-20 10:00:00', '', '2026-11-21 09:00:00'],
}
function request(tool: ToolId): Backup[] {
  const [y, d, i] = ids[tool]
  const out = [b(tool, y, 2)]
  if (d) out.push(b(tool, d, 4, tool === 'walg' ? 'delta' : tool === 'pg_rman' ? 'incr' : 'diff', y))
  if (i) out.push(b(tool, i, 6, tool === 'walg' ? 'delta' : 'incr', d))
  return out
}

describe('planDelete: each tool its own command, the same decision', () => {
  it.each<[ToolId, string[]]>([
    ['native', [
      'rm -rf -- /r/native/deleting',
      'mkdir /r/native/deleting',
      'mv -T -- /r/native/backups/20261120T090000Z /r/native/deleting/20261120T090000Z',
      'rm -rf -- /r/native/deleting',
    ]],
    // one --set for the root: pgBackRest takes the diff and the incr with it
    ['pgbackrest', ['pgbackrest --config=/r/pgbackrest/pgbackrest.conf --stanza=main --set=20261120-090000F --repo1-retention-archive=9999999 --repo1-retention-archive-type=full expire']],
    ['barman', ['barman -c /r/barman/barman.conf delete main 20261120T090000']],
    ['walg', ['wal-g --config /r/walg/walg.json delete target base_000000010000000000000002 --confirm']],
    // the newest start time of what goes: pg_rman -f deletes every backup that started at or before it
    ['pg_rman', [
      "/usr/lib/postgresql/15/bin/pg_rman delete -B /r/pg_rman/backup -f 2026-11-20 10:00:00",
      '/usr/lib/postgresql/15/bin/pg_rman purge -B /r/pg_rman/backup',
    ]],
  ])('%s', (tool, expected) => {
    const p = A(tool).planDelete(envs[tool], { backups: request(tool) })
    expect(argvs(p)).toEqual(expected)
    expect(p.steps.every((s) => s.kind !== 'exec' || (s as ExecStep).mutates)).toBe(true)
  })

  it('pgBackRest and WAL-G: several roots, each once; WAL-G newest first', () => {
    const bs = [b('walg', 'base_A', 2), b('walg', 'base_B_D_A', 3, 'delta', 'base_A'), b('walg', 'base_C', 5)]
    expect(argvs(A('walg').planDelete(envs.walg, { backups: bs })).map((a) => a.split(' ').at(-2))).toEqual(['base_C', 'base_A'])
    const p = [b('pgbackrest', '1F', 2), b('pgbackrest', '1F_2D', 3, 'diff', '1F'), b('pgbackrest', '3F_4D', 5, 'diff', '3F')]
    expect(argvs(A('pgbackrest').planDelete(envs.pgbackrest, { backups: p })).map((a) => /--set=(\S+)/.exec(a)![1])).toEqual(['1F', '3F_4D'])
  })

  it('pg_rman: the date is the start time of the newest backup that goes, in the catalog zone', () => {
    const p = A('pg_rman').planDelete(envs.pg_rman, { backups: request('pg_rman') })
    const del = p.steps[0] as ExecStep
    expect(del.argv.at(-1)).toBe('2026-11-20 10:00:00')
    expect(del.env).toMatchObject({ TZ: expect.any(String) })
  })

  it('an empty request deletes nothing', () => {
    for (const t of Object.keys(envs) as ToolId[]) expect(A(t).planDelete(envs[t], { backups: [] }).steps).toEqual([])
  })
})

describe('planWalExpire', () => {
  const segments = [1, 2, 3, 4, 5, 6, 7].map(seg)
  const req = (tool: ToolId) => ({ oldest: b(tool, ids[tool][3], 8), segments, archived: [...segments, seg(8), seg(9)], deleted: request(tool), remainingFulls: 2 })

  it.each<[ToolId, string[]]>([
    ['native', [`rm -f -- ${[...segments, `${seg(2)}.00000028.backup`].map((n) => `/r/native/wal/${n}`).join(' ')}`]],
    ['pgbackrest', ['pgbackrest --config=/r/pgbackrest/pgbackrest.conf --stanza=main --repo1-retention-full=9999999 --repo1-retention-full-type=count --repo1-retention-diff=9999999 --repo1-retention-archive=2 --repo1-retention-archive-type=full expire']],
    ['barman', []],
    ['walg', ['wal-g --config /r/walg/walg.json delete garbage ARCHIVES --confirm']],
    ['pg_rman', [`rm -f -- ${[...segments, `${seg(2)}.00000028.backup`, `${seg(4)}.00000028.backup`].map((n) => `/r/pg_rman/arclog/${n}`).join(' ')}`]],
  ])('%s', (tool, expected) => {
    const p = A(tool).planWalExpire(envs[tool], req(tool))
    expect(argvs(p)).toEqual(expected)
    expect(p.how).toMatch(/WAL|segment/)
  })

  it('Barman says in data that its WAL goes with the deletes', () => {
    expect(A('barman').planWalExpire(envs.barman, req('barman')).how).toMatch(/as it deletes/)
  })

  it('native: many segments are removed in batches, a .backup file only when its segment goes', () => {
    const many = Array.from({ length: RM_BATCH * 2 + 1 }, (_, i) => seg(i + 1))
    const p = A('native').planWalExpire(envs.native, { oldest: b('native', 'X', 900), segments: many, archived: many, deleted: [b('native', 'Y', 1000)], remainingFulls: 1 })
    expect(p.steps).toHaveLength(3)
    expect(p.steps.flatMap((s) => (s as ExecStep).argv.slice(3))).toHaveLength(many.length)
  })

  it('pgBackRest: WAL stays when its name rule would take a segment pitrctl keeps', () => {
    // the oldest remaining full is on timeline 2; timeline 1 goes on past the cut (segment 9) and is kept
    const oldest = { ...b('pgbackrest', '5F', 8), timeline: 2, walStart: '000000020000000000000008' }
    const p = A('pgbackrest').planWalExpire(envs.pgbackrest, { ...req('pgbackrest'), oldest, archived: [...segments, seg(9), '000000020000000000000008'] })
    expect(p.steps).toEqual([])
    expect(p.how).toMatch(/would also remove 1 segment\(s\) pitrctl keeps \(000000010000000000000009/)
  })

  it('pgBackRest: no WAL step without a remaining full', () => {
    expect(A('pgbackrest').planWalExpire(envs.pgbackrest, { ...req('pgbackrest'), remainingFulls: 0 }).steps).toEqual([])
  })
})

describe('capabilities', () => {
  it('only pg_rman deletes oldest-first', () => {
    expect(Object.fromEntries((Object.keys(envs) as ToolId[]).map((t) => [t, A(t).capabilities.deleteScope]))).toEqual({
      native: 'any', pgbackrest: 'any', barman: 'any', walg: 'any', pg_rman: 'oldest-first',
    })
  })
})
