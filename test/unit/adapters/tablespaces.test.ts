/**
 * Tablespaces in every adapter side by side: how each reads a backup's tablespaces from what the
 * tool recorded (real output of clusters with ts1 and ts2), and how each turns pitrctl's decision
 * (model/tablespaces.ts) into its own restore flags.
 */
import { describe, expect, it } from 'vitest'
import type { CatalogIO, RestoreRequest, ToolEnv } from '../../../src/adapters/adapter.js'
import { parseShowBackupTablespaces } from '../../../src/adapters/barman/read.js'
import { parseMkdirsTablespaces } from '../../../src/adapters/pg_rman/read.js'
import { parseInfoTablespaces } from '../../../src/adapters/pgbackrest/read.js'
import { parseSentinelTablespaces } from '../../../src/adapters/walg/read.js'
import { renderRestoreSpec } from '../../../src/adapters/walg/plan.js'
import { adapterFor } from '../../../src/adapters/registry.js'
import type { Backup } from '../../../src/model/catalog.js'
import type { ExecStep, Plan } from '../../../src/model/plan.js'
import type { TablespaceDest } from '../../../src/model/tablespaces.js'
import type { ToolId } from '../../../src/model/tool-id.js'
import { fixtureSet, labToolEnv, outputError, sampleBackup } from '../../support/recorded.js'

const pgbackrest = fixtureSet('pgbackrest', '2.45')
const barman = fixtureSet('barman', '3.4.0')
const walg = fixtureSet('walg', '3.0.8')
const pgRman = fixtureSet('pg_rman', '1.3.19')

describe('reading the backup’s tablespaces from the tool’s own record', () => {
  it('pgBackRest: info --set lists name, oid and destination', () => {
    const r = pgbackrest.recorded('info-set-tablespaces')
    expect(parseInfoTablespaces(r.stdout, 'main', '20261201-223120F')).toEqual([
      { oid: '16394', name: 'ts1', location: '/tmp/pitrctl-it-pgbackrest-nikwJW/ts/one' },
      { oid: '16395', name: 'ts2', location: '/tmp/pitrctl-it-pgbackrest-nikwJW/ts/two' },
    ])
    outputError(() => parseInfoTablespaces(r.stdout, 'main', '20261201-000000F'))
  })

  it('pgBackRest: a backup without tablespaces (info-json, no --set) has none', () => {
    const r = pgbackrest.recorded('info-json')
    const label = /"label":"([^"]+)"/.exec(r.stdout)![1]!
    expect(parseInfoTablespaces(r.stdout, 'main', label)).toEqual([])
  })

  it('Barman: show-backup lists name, oid and location', () => {
    const r = barman.recorded('show-backup-tablespaces-json')
    expect(parseShowBackupTablespaces(r.stdout, 'main')).toEqual([
      { oid: '16394', name: 'ts1', location: '/tmp/pitrctl-it-barman-C5ZhbU/ts/one' },
      { oid: '16395', name: 'ts2', location: '/tmp/pitrctl-it-barman-C5ZhbU/ts/two' },
    ])
    expect(parseShowBackupTablespaces(barman.recorded('show-backup-json').stdout, 'pg1')).toEqual([])
  })

  it('WAL-G: the stop sentinel’s Spec holds oids and locations, no names', () => {
    expect(parseSentinelTablespaces(walg.recorded('sentinel-tablespaces').stdout)).toEqual([
      { oid: '16394', name: null, location: '/tmp/pitrctl-it-walg-VqbC6R/ts/one' },
      { oid: '16395', name: null, location: '/tmp/pitrctl-it-walg-VqbC6R/ts/two' },
    ])
    expect(parseSentinelTablespaces('{"LSN":1,"FinishLSN":2}')).toEqual([])
    outputError(() => parseSentinelTablespaces('not json'))
    outputError(() => parseSentinelTablespaces('{"Spec":{"base_prefix":"/d","tablespaces":["16394"]}}'))
  })

  it('pg_rman: mkdirs.sh links each pg_tblspc/<oid> to its location', () => {
    expect(parseMkdirsTablespaces(pgRman.recorded('mkdirs-tablespaces').stdout)).toEqual([
      { oid: '16384', name: null, location: '/tmp/rmanlab/ts/one' },
      { oid: '16385', name: null, location: '/tmp/rmanlab/ts/two' },
    ])
  })

  it('native: pitrctl’s own record, and none in a record without tablespaces', async () => {
    const env = envFor('native')
    const record = (extra: object) => JSON.stringify({ id: '20261121T093115Z', status: 'done', type: 'full', label: null, startedAt: '2026-11-21T09:31:15.000Z', ...extra })
    const io = (text: string | undefined): CatalogIO => ({ lockHeld: async () => false, run: async () => { throw new Error('no commands') }, readFile: async () => text, listDir: async () => [] })
    const b = backupOf('native')
    const ts = [{ oid: '16394', name: 'ts1', location: '/srv/ts/one' }]
    expect(await adapterFor('native')!.readTablespaces(env, b, io(record({ tablespaces: ts })))).toEqual(ts)
    expect(await adapterFor('native')!.readTablespaces(env, b, io(record({})))).toEqual([])
  })
})

function envFor(tool: ToolId): ToolEnv {
  return labToolEnv(tool, '/srv/lab', 5432, `/srv/repo/${tool}`)
}

const backupOf = (tool: ToolId): Backup => sampleBackup(tool, '1')

const COPY: TablespaceDest[] = [
  { oid: '16394', name: 'ts1', location: '/srv/ts/one', dest: '/srv/copy.tablespaces/ts1' },
  { oid: '16395', name: 'ts2', location: '/srv/ts/two', dest: '/mnt/elsewhere' },
]

function req(tool: ToolId, tablespaces: readonly TablespaceDest[] | undefined): RestoreRequest {
  return { backup: backupOf(tool), dest: '/srv/copy', target: { kind: 'latest' }, inclusive: true, timeline: { kind: 'id', id: 1 }, action: 'pause', clone: true, ...(tablespaces ? { tablespaces } : {}) }
}

const execs = (p: Plan) => p.steps.filter((s): s is ExecStep => s.kind === 'exec')

describe('turning the decision into each tool’s restore', () => {
  it('pgBackRest: one --tablespace-map=<oid>=<dest> each', () => {
    const argv = execs(adapterFor('pgbackrest')!.planRestore(envFor('pgbackrest'), req('pgbackrest', COPY)))[0]!.argv
    expect(argv.filter((a) => a.startsWith('--tablespace-map'))).toEqual(['--tablespace-map=16394=/srv/copy.tablespaces/ts1', '--tablespace-map=16395=/mnt/elsewhere'])
    expect(execs(adapterFor('pgbackrest')!.planRestore(envFor('pgbackrest'), req('pgbackrest', undefined)))[0]!.argv.some((a) => a.startsWith('--tablespace'))).toBe(false)
  })

  it('Barman: one --tablespace=<name>:<dest> each, before the positional arguments', () => {
    const argv = execs(adapterFor('barman')!.planRestore(envFor('barman'), req('barman', COPY)))[0]!.argv
    expect(argv.slice(-5)).toEqual(['--tablespace=ts1:/srv/copy.tablespaces/ts1', '--tablespace=ts2:/mnt/elsewhere', 'main', '20261121T093115', '/srv/copy'])
    expect(() => adapterFor('barman')!.planRestore(envFor('barman'), req('barman', [{ ...COPY[0]!, name: null }]))).toThrow(/has no name/)
  })

  it('WAL-G: a restore spec written first, then backup-fetch --restore-spec', () => {
    const p = adapterFor('walg')!.planRestore(envFor('walg'), req('walg', COPY))
    expect(p.steps.map((s) => s.kind)).toEqual(['write-file', 'exec'])
    const spec = p.steps[0]!
    if (spec.kind !== 'write-file') throw new Error('spec first')
    expect(JSON.parse(spec.content)).toEqual({
      base_prefix: '/srv/copy', tablespaces: ['16394', '16395'],
      16394: { loc: '/srv/copy.tablespaces/ts1', link: 'pg_tblspc/16394' },
      16395: { loc: '/mnt/elsewhere', link: 'pg_tblspc/16395' },
    })
    expect(execs(p)[0]!.argv.slice(-5)).toEqual(['backup-fetch', '/srv/copy', 'base_000000010000000000000004', '--restore-spec', spec.path])
    // no tablespaces: the plain backup-fetch, no spec
    expect(adapterFor('walg')!.planRestore(envFor('walg'), req('walg', [])).steps.map((s) => s.kind)).toEqual(['exec'])
    expect(renderRestoreSpec('/d', [])).toBe('{\n  "base_prefix": "/d",\n  "tablespaces": []\n}\n')
  })

  it('native: backup maps each tablespace into the backup (pg_basebackup -T) and records it; restore copies each and re-points its link', () => {
    const env = envFor('native')
    const live = [{ oid: '16394', name: 'ts1', location: '/srv/ts/one' }, { oid: '16395', name: 'ts=2', location: '/srv/ts=two' }]
    const bp = adapterFor('native')!.planBackup(env, { type: 'full', label: undefined, startedAt: new Date('2026-11-21T09:31:15Z'), tablespaces: live })
    const bb = execs(bp)[0]!.argv
    expect(bb.filter((a) => a.startsWith('--tablespace-mapping'))).toEqual([
      '--tablespace-mapping=/srv/ts/one=/srv/repo/native/backups/20261121T093115Z/tablespaces/16394',
      '--tablespace-mapping=/srv/ts\\=two=/srv/repo/native/backups/20261121T093115Z/tablespaces/16395',
    ])
    const done = bp.steps[bp.steps.length - 1]!
    expect(done.kind === 'write-file' && JSON.parse(done.content).tablespaces).toEqual(live)

    const rp = adapterFor('native')!.planRestore(env, req('native', COPY))
    expect(execs(rp).map((s) => s.argv)).toEqual([
      ['cp', '-a', '--', '/srv/repo/native/backups/20261121T093115Z/data/.', '/srv/copy/'],
      ['cp', '-a', '--', '/srv/repo/native/backups/20261121T093115Z/tablespaces/16394/.', '/srv/copy.tablespaces/ts1/'],
      ['ln', '-sfn', '--', '/srv/copy.tablespaces/ts1', '/srv/copy/pg_tblspc/16394'],
      ['cp', '-a', '--', '/srv/repo/native/backups/20261121T093115Z/tablespaces/16395/.', '/mnt/elsewhere/'],
      ['ln', '-sfn', '--', '/mnt/elsewhere', '/srv/copy/pg_tblspc/16395'],
    ])
    expect(rp.steps.filter((s) => s.kind === 'mkdir').map((s) => s.path)).toEqual(['/srv/copy', '/srv/copy.tablespaces/ts1', '/mnt/elsewhere'])
  })

  it('pg_rman: restores at the old paths only; anything else is a bug the model already refused', () => {
    const a = adapterFor('pg_rman')!
    expect(a.capabilities.relocatesTablespaces).toBe(false)
    const inPlace = COPY.map((t) => ({ ...t, dest: t.location }))
    expect(() => a.planRestore(envFor('pg_rman'), req('pg_rman', inPlace))).not.toThrow()
    expect(() => a.planRestore(envFor('pg_rman'), req('pg_rman', COPY))).toThrow(/only at \/srv\/ts\/one/)
  })

  it('every other tool relocates', () => {
    for (const t of ['native', 'pgbackrest', 'barman', 'walg'] as const) expect(adapterFor(t)!.capabilities.relocatesTablespaces, t).toBe(true)
  })
})
