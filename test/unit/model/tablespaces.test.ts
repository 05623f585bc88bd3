import { describe, expect, it } from 'vitest'
import { RefusedError, UsageError } from '../../../src/errors.js'
import { parseTablespaceMap, planTablespaces, type PathState, type Tablespace, type TablespacePlanInput } from '../../../src/model/tablespaces.js'

const ts1: Tablespace = { oid: '16384', name: 'ts1', location: '/srv/ts/one' }
const ts2: Tablespace = { oid: '16385', name: 'ts2', location: '/srv/ts/two' }

function input(over: Partial<TablespacePlanInput> = {}): TablespacePlanInput {
  return {
    tablespaces: [ts1, ts2],
    into: '/srv/copy',
    maps: [],
    relocates: true,
    tool: 'pgBackRest',
    backupId: 'B1',
    cluster: 'main',
    pgdata: '/srv/data',
    live: [ts1, ts2],
    stopsAtBackupEnd: false,
    pathState: new Map<string, PathState>([['/srv/ts/one', 'occupied'], ['/srv/ts/two', 'occupied']]),
    ...over,
  }
}

const refusal = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a refusal')
}

describe('parseTablespaceMap', () => {
  it('splits at the first = and wants an absolute NEW', () => {
    expect(parseTablespaceMap('ts1=/new/a')).toEqual({ old: 'ts1', new: '/new/a' })
    expect(parseTablespaceMap('/old/a=/new/a=b/')).toEqual({ old: '/old/a', new: '/new/a=b' })
    for (const bad of ['ts1', '=/x', 'ts1=', 'ts1=relative/dir']) expect(refusal(() => parseTablespaceMap(bad))).toBeInstanceOf(UsageError)
  })
})

describe('planTablespaces', () => {
  it('--into: each tablespace goes to <DIR>.tablespaces/<name>, nothing is moved aside', () => {
    const p = planTablespaces(input())
    expect(p.tablespaces.map((t) => [t.oid, t.dest])).toEqual([['16384', '/srv/copy.tablespaces/ts1'], ['16385', '/srv/copy.tablespaces/ts2']])
    expect(p.moveAside).toEqual([])
  })

  it('--into: the oid names the directory when no name is known', () => {
    const p = planTablespaces(input({ tablespaces: [{ ...ts1, name: null }], live: [] }))
    expect(p.tablespaces[0]!.dest).toBe('/srv/copy.tablespaces/16384')
  })

  it('--tablespace-map by name, by old path and by oid', () => {
    const p = planTablespaces(input({ maps: [{ old: 'ts1', new: '/mnt/a' }, { old: '/srv/ts/two/', new: '/mnt/b' }] }))
    expect(p.tablespaces.map((t) => t.dest)).toEqual(['/mnt/a', '/mnt/b'])
    expect(planTablespaces(input({ maps: [{ old: '16385', new: '/mnt/b' }] })).tablespaces[1]!.dest).toBe('/mnt/b')
  })

  it('an OLD that names no tablespace of the backup, or one named twice, is a usage error', () => {
    const e = refusal(() => planTablespaces(input({ maps: [{ old: 'nope', new: '/mnt/a' }] })))
    expect(e).toBeInstanceOf(UsageError)
    expect(e.message).toMatch(/backup B1 has no tablespace nope/)
    expect(refusal(() => planTablespaces(input({ maps: [{ old: 'ts1', new: '/mnt/a' }, { old: '/srv/ts/one', new: '/mnt/b' }] })))).toBeInstanceOf(UsageError)
  })

  it('--into never writes into the live cluster: a map onto its tablespace or data directory is refused', () => {
    for (const target of ['/srv/ts/two', '/srv/ts/two/sub', '/srv/data/ts', '/srv']) {
      const e = refusal(() => planTablespaces(input({ maps: [{ old: 'ts1', new: target }] })))
      expect(e, target).toBeInstanceOf(RefusedError)
      expect(e.message).toMatch(/belongs to cluster main/)
    }
  })

  it('refuses a destination inside the copy, a non-empty one, and two tablespaces in one directory', () => {
    expect(refusal(() => planTablespaces(input({ maps: [{ old: 'ts1', new: '/srv/copy/ts1' }] }))).message).toMatch(/inside the copy's data directory/)
    const full = new Map<string, PathState>([['/srv/copy.tablespaces/ts2', 'occupied']])
    expect(refusal(() => planTablespaces(input({ pathState: full }))).message).toMatch(/copy.tablespaces\/ts2, which is not empty/)
    expect(planTablespaces(input({ pathState: new Map([['/srv/copy.tablespaces/ts2', 'empty']]) })).tablespaces).toHaveLength(2)
    expect(refusal(() => planTablespaces(input({ maps: [{ old: 'ts1', new: '/mnt/a' }, { old: 'ts2', new: '/mnt/a' }] })))).toBeInstanceOf(UsageError)
  })

  it('in place: each tablespace is restored at its old path, which is moved aside first', () => {
    const p = planTablespaces(input({ into: undefined }))
    expect(p.tablespaces.map((t) => t.dest)).toEqual(['/srv/ts/one', '/srv/ts/two'])
    expect(p.moveAside).toEqual(['/srv/ts/one', '/srv/ts/two'])
    // a tablespace whose directory is gone is simply restored there
    const gone = planTablespaces(input({ into: undefined, pathState: new Map([['/srv/ts/one', 'occupied']]) }))
    expect(gone.moveAside).toEqual(['/srv/ts/one'])
  })

  it('in place with a map: that tablespace goes to the new, empty directory and its old one is left alone', () => {
    const p = planTablespaces(input({ into: undefined, maps: [{ old: 'ts2', new: '/mnt/b' }] }))
    expect(p.tablespaces.map((t) => t.dest)).toEqual(['/srv/ts/one', '/mnt/b'])
    expect(p.moveAside).toEqual(['/srv/ts/one'])
  })

  it('a tool that restores only at old paths: in place works, a copy is refused while the old path is in use', () => {
    const rman = { relocates: false, tool: 'pg_rman' }
    expect(planTablespaces(input({ ...rman, into: undefined })).moveAside).toHaveLength(2)
    const e = refusal(() => planTablespaces(input(rman)))
    expect(e).toBeInstanceOf(RefusedError)
    expect(e.message).toBe('pg_rman restores tablespace ts1 only at its old path /srv/ts/one, which is in use')
    // a map it cannot honour is refused even in place
    expect(refusal(() => planTablespaces(input({ ...rman, into: undefined, maps: [{ old: 'ts1', new: '/mnt/a' }] })))).toBeInstanceOf(RefusedError)
    // old paths nobody uses any more (the cluster moved): restored there, and said so
    const moved = planTablespaces(input({ ...rman, live: [], pathState: new Map() }))
    expect(moved.tablespaces.map((t) => t.dest)).toEqual(['/srv/ts/one', '/srv/ts/two'])
    expect(moved.notes[0]).toMatch(/only at its old path/)
  })

  it('a copy is refused when the cluster has a tablespace the backup lacks (its creation would be replayed at the live path)', () => {
    const ts3: Tablespace = { oid: '16390', name: 'ts3', location: '/srv/ts/three' }
    const st = new Map<string, PathState>([['/srv/ts/three', 'occupied']])
    const e = refusal(() => planTablespaces(input({ live: [ts1, ts2, ts3], pathState: st })))
    expect(e).toBeInstanceOf(RefusedError)
    expect(e.message).toMatch(/tablespace ts3 \(\/srv\/ts\/three\) is newer than backup B1/)
    // immediate stops at the backup's end: nothing later is replayed
    expect(planTablespaces(input({ live: [ts1, ts2, ts3], pathState: st, stopsAtBackupEnd: true })).tablespaces).toHaveLength(2)
  })

  it('no tablespaces: nothing to do', () => {
    expect(planTablespaces(input({ tablespaces: [], live: [] }))).toEqual({ tablespaces: [], moveAside: [], notes: [] })
  })
})
