/**
 * Clusters with two tablespaces, each holding a table, on real PostgreSQL and real tools: restore
 * copies to every kind of target (each tablespace at `<DIR>.tablespaces/<name>`, or where
 * --tablespace-map says), never touching the live tablespace directories; verify --restore; the
 * refusals; and one in-place restore per tool that moves both tablespace directories aside.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setUpCluster, skipReason, sleep, type TestCluster } from '../support/cluster.js'

/** every file under `dir` with its size, mtime and sha256: what "untouched" means */
function treeListing(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else {
        const st = statSync(p)
        out.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`)
      }
    }
  }
  walk(dir)
  return out
}

/** the error itself: one line (progress lines before it are not part of it) */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('pitrctl:'))

const ALL = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']
type Kind = 'time' | 'xid' | 'name' | 'lsn' | 'immediate' | 'latest'
const EXPECTED: Record<Kind, string[]> = {
  time: ['r1', 'r2'], xid: ['r1', 'r2', 'r3', 'r4'], name: ['r1', 'r2', 'r3', 'r4'], lsn: ['r1', 'r2', 'r3', 'r4', 'r5'], immediate: ['r1'], latest: ALL,
}

interface Options {
  /** target kinds restored into a copy */
  readonly kinds: readonly Kind[]
  /** false: the tool restores tablespaces only at their old paths (pg_rman): copies are refused */
  readonly relocates: boolean
}

function tablespaceScenarios(tool: string, o: Options): void {
  const skip = skipReason(tool)
  describe.skipIf(skip !== undefined)(`${tool}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let c: TestCluster
    let one: string
    let two: string
    let live: { one: string[]; two: string[] }
    const at: Record<string, string> = {}
    const rows = async (port?: number) => {
      const q = (t: string) => c.sb.query<{ v: string }>(`select v from ${t} order by v`, [], port ? { port } : {}).then((r) => r.map((x) => x.v))
      return { t1: await q('t1'), t2: await q('t2') }
    }
    const add = async (v: string) => {
      const [r] = await c.sql('with a as (insert into t1 values ($1)), b as (insert into t2 values ($1)) select txid_current()::text as xid', [v])
      return String(r!.xid)
    }
    const expectUntouched = () => expect({ one: treeListing(one), two: treeListing(two) }).toEqual(live)
    const linksOf = (pgdata: string) =>
      Object.fromEntries(readdirSync(path.join(pgdata, 'pg_tblspc')).map((oid) => [oid, readlinkSync(path.join(pgdata, 'pg_tblspc', oid))]))
    let oids: { ts1: string; ts2: string }

    beforeAll(async () => {
      c = await setUpCluster(tool)
      await c.sb.mkdir('ts')
      one = await c.sb.mkdir('ts/one')
      two = await c.sb.mkdir('ts/two')
      await c.sql(`create tablespace ts1 location '${one}'`)
      await c.sql(`create tablespace ts2 location '${two}'`)
      await c.sql('create table t1(v text primary key) tablespace ts1')
      await c.sql('create table t2(v text primary key) tablespace ts2')
      const ts = await c.sql("select spcname, oid::text as oid from pg_tablespace where spcname in ('ts1', 'ts2')")
      oids = Object.fromEntries(ts.map((r) => [r.spcname, r.oid])) as { ts1: string; ts2: string }
      await add('r1')
      const b = await c.ok(['backup'])
      expect(b.status).toBe('ok')
      await sleep(1100) // backup stop times have one-second precision in some tools
      await add('r2')
      at.time = await c.now()
      await sleep(50)
      await add('r3')
      at.xid = await add('r4')
      await c.ok(['mark', 'before_r5'])
      await add('r5')
      const [l] = await c.sql('select pg_current_wal_lsn()::text as lsn')
      at.lsn = String(l!.lsn)
      await add('r6')
      // read once (hint bits set) and flushed: nothing of the live cluster writes these directories
      // again until the in-place test
      expect(await rows()).toEqual({ t1: ALL, t2: ALL })
      await c.sql('checkpoint')
      live = { one: treeListing(one), two: treeListing(two) }
      expect(live.one.length).toBeGreaterThan(0)
    })
    afterAll(async () => c?.destroy())

    const target = (k: Kind) => ({ time: at.time!, xid: `xid:${at.xid}`, name: 'name:before_r5', lsn: `lsn:${at.lsn}`, immediate: 'immediate', latest: 'latest' })[k]

    if (o.relocates) {
      // latest also maps ts1 (named by its old path) elsewhere with --tablespace-map
      it.each(o.kinds)('%s: a copy with each tablespace in <DIR>.tablespaces/<name> (or where mapped), the live ones untouched', async (kind) => {
        const into = path.join(c.sb.root, `copy-${kind}`)
        const elsewhere = path.join(c.sb.root, 'elsewhere', 'one')
        const map = kind === 'latest' ? ['--tablespace-map', `${one}=${elsewhere}`] : []
        const r = await c.ok(['restore', '--to', target(kind), '--into', into, ...map, '--start'])
        expect(r.state).toBe(kind === 'latest' ? 'promoted' : 'paused')
        expect(await rows(r.port)).toEqual({ t1: EXPECTED[kind], t2: EXPECTED[kind] })
        const ts1 = kind === 'latest' ? elsewhere : `${into}.tablespaces/ts1`
        expect(linksOf(into)).toEqual({ [oids.ts1]: ts1, [oids.ts2]: `${into}.tablespaces/ts2` })
        expect(r.tablespaces.map((t: { name: string; restoredTo: string }) => [t.name, t.restoredTo]).sort()).toEqual([['ts1', ts1], ['ts2', `${into}.tablespaces/ts2`]])
        const [loc] = await c.sb.query<{ l: string }>("select pg_tablespace_location(oid) as l from pg_tablespace where spcname = 'ts2'", [], { port: r.port })
        expect(loc!.l).toBe(`${into}.tablespaces/ts2`)
        await c.sb.stop('immediate', into)
        expectUntouched()
        expect(await rows()).toEqual({ t1: ALL, t2: ALL })
      })

      it('verify --restore restores the tablespaces under its scratch directory', async () => {
        const v = await c.ok(['verify', '--restore'])
        const checks = v.results.flatMap((x: { checks: { name: string; ok: boolean; detail: string }[] }) => x.checks)
        expect(checks.find((k: { name: string }) => k.name === 'test restore'), JSON.stringify(checks)).toMatchObject({ ok: true })
        expect(v.results.every((x: { ok: boolean }) => x.ok)).toBe(true)
        expectUntouched()
      })
    } else {
      it('a copy is refused (exit 5, one line): the tool can restore a tablespace only at its old path, which is in use', async () => {
        const into = path.join(c.sb.root, 'copy-refused')
        const r = await c.cli(['restore', '--to', 'latest', '--into', into])
        expect(r.exitCode).toBe(5)
        expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/^pitrctl: pg_rman restores tablespace ts1 only at its old path .*, which is in use — /)])
        expect(existsSync(into)).toBe(false)
        expectUntouched()
      })

      it('verify --restore says its test restore cannot be done (exit 3) rather than write into the live tablespaces', async () => {
        const v = await c.cli(['verify', '--restore', '--json'])
        expect(v.exitCode).toBe(3)
        const checks = v.json().results.flatMap((x: { checks: { name: string; ok: boolean; detail: string }[] }) => x.checks)
        expect(checks.find((k: { name: string }) => k.name === 'test restore')).toMatchObject({ ok: false, detail: expect.stringMatching(/only at its old path/) })
        expectUntouched()
      })
    }

    it('refuses a map onto the live cluster (exit 5) and a map naming no tablespace (exit 2), one line each, touching nothing', async () => {
      const into = path.join(c.sb.root, 'copy-bad-map')
      const onto = await c.cli(['restore', '--to', 'latest', '--into', into, '--tablespace-map', `ts1=${two}`])
      expect(onto.exitCode).toBe(5)
      expect(errorLines(onto.stderr)).toEqual([expect.stringMatching(o.relocates ? /belongs to cluster main \(its tablespace ts2\) — / : /only at its old path/)])
      const unknown = await c.cli(['restore', '--to', 'latest', '--into', into, '--tablespace-map', 'nosuch=/tmp/x'])
      expect(unknown.exitCode).toBe(2)
      expect(errorLines(unknown.stderr)).toEqual([expect.stringMatching(/^pitrctl: --tablespace-map nosuch=\/tmp\/x: backup .+ has no tablespace nosuch — its tablespaces: ts1 \(/)])
      expect(existsSync(into)).toBe(false)
      expectUntouched()
    })

    it('in place: the data directory and both tablespace directories are moved aside, and restored at their old paths', async () => {
      await c.sql("delete from t1 where v = 'r3'")
      await c.sql('drop table t2')
      await c.sb.stop('fast')
      const r = await c.ok(['restore', '--to', at.time!, '--start', '--action', 'promote', '--yes'])
      expect(r.movedAside).toMatch(/\.pitrctl-\d{8}T\d{6}$/)
      const suffix = r.movedAside.slice(c.sb.pgdata.length)
      // the server is stopped: names WAL-G and pg_rman do not keep come from pitrctl's last backup
      const byOid = Object.fromEntries(r.tablespaces.map((t: { oid: string }) => [t.oid, t]))
      expect(byOid[oids.ts1]).toEqual({ oid: oids.ts1, name: 'ts1', location: one, restoredTo: one, movedAside: `${one}${suffix}` })
      expect(byOid[oids.ts2]).toEqual({ oid: oids.ts2, name: 'ts2', location: two, restoredTo: two, movedAside: `${two}${suffix}` })
      // the old directories are kept whole
      expect(treeListing(`${one}${suffix}`).length).toBeGreaterThan(0)
      expect(readdirSync(`${two}${suffix}`).some((n) => n.startsWith('PG_15_'))).toBe(true)
      expect(linksOf(c.sb.pgdata)).toEqual({ [oids.ts1]: one, [oids.ts2]: two })
      // back before the delete and the drop, in both tablespaces
      expect(await rows()).toEqual({ t1: EXPECTED.time, t2: EXPECTED.time })
      expect(await c.sql('select pg_is_in_recovery() as r')).toEqual([{ r: false }])
    })
  })
}

tablespaceScenarios('native', { kinds: ['time', 'xid', 'name', 'lsn', 'immediate', 'latest'], relocates: true })
tablespaceScenarios('pgbackrest', { kinds: ['time', 'xid', 'name', 'lsn', 'immediate', 'latest'], relocates: true })
tablespaceScenarios('barman', { kinds: ['xid', 'latest'], relocates: true })
tablespaceScenarios('walg', { kinds: ['lsn', 'latest'], relocates: true })
tablespaceScenarios('pg_rman', { kinds: [], relocates: false })
