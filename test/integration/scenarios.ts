/**
 * The end-to-end story every tool must pass, on real PostgreSQL clusters: mistaken delete in
 * place, two restores across timelines, every target kind into a copy beside the running cluster,
 * pause then promote, and the contract's bad inputs. Each tool's test file calls this.
 */
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setUpCluster, skipReason, sleep, type TestCluster } from '../support/cluster.js'

export function toolScenarios(tool: string): void {
  const skip = skipReason(tool)
  describe.skipIf(skip !== undefined)(`${tool}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    describe('mistaken delete, restored in place', () => {
      let c: TestCluster
      beforeAll(async () => {
        c = await setUpCluster(tool)
      })
      afterAll(async () => c?.destroy())

      it('brings back exactly record_001..006 and keeps the old directory aside', async () => {
        await c.sql('create table records(v text primary key)')
        await c.sql("insert into records values ('record_001'), ('record_002'), ('record_003')")
        const backup = await c.ok(['backup'])
        expect(backup.tool).toBe(tool)
        expect(backup.status).toBe('ok')
        await sleep(1100) // backup stop times have one-second precision in some tools
        for (const v of ['record_004', 'record_005', 'record_006']) await c.sql('insert into records values ($1)', [v])
        const noted = await c.now()
        await sleep(50)
        await c.sql("insert into records values ('record_007')")
        await c.sql("delete from records where v = 'record_002'")
        await c.sb.stop('fast')

        // no terminal and no --yes: refused, nothing moved
        const unconfirmed = await c.cli(['restore', '--to', noted, '--start'])
        expect(unconfirmed.exitCode).toBe(5)
        expect(unconfirmed.stderr).toMatch(/needs confirmation/)
        expect(existsSync(path.join(c.sb.pgdata, 'PG_VERSION'))).toBe(true)

        const r = await c.ok(['restore', '--to', noted, '--start', '--action', 'promote', '--yes'])
        expect(r.tool).toBe(tool)
        expect(r.started).toBe(true)
        expect(r.movedAside).toMatch(/\.pitrctl-\d{8}T\d{6}$/)
        expect(existsSync(path.join(r.movedAside, 'PG_VERSION'))).toBe(true)
        expect(r.reached.timeline).toBe(2)
        const rows = await c.sql('select v from records order by v')
        expect(rows.map((x) => x.v)).toEqual(['record_001', 'record_002', 'record_003', 'record_004', 'record_005', 'record_006'])
        expect(await c.sql('select pg_is_in_recovery() as r')).toEqual([{ r: false }])
      })
    })

    describe('two restores across timelines', () => {
      let c: TestCluster
      beforeAll(async () => {
        c = await setUpCluster(tool)
      })
      afterAll(async () => c?.destroy())

      it('restores to T3 on the new timeline, then back to T0 on the first one', async () => {
        await c.sql('create table people(name text primary key)')
        await c.sql("insert into people values ('Alice'), ('Bob')")
        await c.ok(['backup'])
        await sleep(1100)
        await c.sql('select 1')
        const t0 = await c.now()
        await sleep(50)
        await c.sql("insert into people values ('Charlie')")
        await c.sql("delete from people where name = 'Alice'")
        await c.sb.stop('fast')
        const first = await c.ok(['restore', '--to', t0, '--start', '--action', 'promote', '--yes'])
        expect(first.reached.timeline).toBe(2)
        expect((await c.sql('select name from people order by name')).map((r) => r.name)).toEqual(['Alice', 'Bob'])

        await c.sql("insert into people values ('David')")
        await c.sql("update people set name = 'Bobby' where name = 'Bob'")
        await c.ok(['backup'])
        await sleep(1100)
        const t3 = await c.now()
        await sleep(50)
        await c.sql('drop table people')
        await c.sb.stop('fast')
        const second = await c.ok(['restore', '--to', t3, '--start', '--action', 'promote', '--yes'])
        expect(second.reached.timeline).toBe(3)
        expect((await c.sql('select name from people order by name')).map((r) => r.name)).toEqual(['Alice', 'Bobby', 'David'])

        await c.sb.stop('fast')
        // T0 lies on timeline 1, before the branch to 2: the latest timeline (3) still passes through it.
        const back = await c.ok(['restore', '--to', t0, '--start', '--action', 'promote', '--yes'])
        expect((await c.sql('select name from people order by name')).map((r) => r.name)).toEqual(['Alice', 'Bob'])
        expect(back.reached.timeline).toBe(4)
      })
    })

    describe('every target kind, restored into a copy beside the running cluster', () => {
      let c: TestCluster
      const at: Record<string, string> = {}
      beforeAll(async () => {
        c = await setUpCluster(tool)
        await c.mark('m1')
        await c.ok(['backup'])
        await sleep(1100)
        await c.mark('m2')
        at.time = await c.now()
        await sleep(50)
        await c.mark('m3')
        const [x] = await c.sql("with i as (insert into marks(label) values ('m4') returning 1) select txid_current()::text as xid from i")
        at.xid = String(x!.xid)
        await c.ok(['mark', 'before_m5'])
        await c.mark('m5')
        const [l] = await c.sql('select pg_current_wal_lsn()::text as lsn')
        at.lsn = String(l!.lsn)
        await c.mark('m6')
      })
      afterAll(async () => c?.destroy())

      const cases: [string, () => string, string[], string][] = [
        ['time', () => at.time!, ['m1', 'm2'], 'paused'],
        ['xid', () => `xid:${at.xid}`, ['m1', 'm2', 'm3', 'm4'], 'paused'],
        ['name', () => 'name:before_m5', ['m1', 'm2', 'm3', 'm4'], 'paused'],
        ['lsn', () => `lsn:${at.lsn}`, ['m1', 'm2', 'm3', 'm4', 'm5'], 'paused'],
        ['immediate', () => 'immediate', ['m1'], 'paused'],
        ['latest', () => 'latest', ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'], 'promoted'],
      ]
      it.each(cases)('%s', async (kind, target, expected, state) => {
        const into = path.join(c.sb.root, `copy-${kind}`)
        const r = await c.ok(['restore', '--to', target(), '--into', into, '--start'])
        expect(r.pgdata).toBe(into)
        expect(r.movedAside).toBeNull()
        expect(r.state).toBe(state)
        expect(await c.marks(r.port)).toEqual(expected)
        // the source kept running and untouched
        expect(await c.marks()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6'])
        if (state === 'paused') {
          expect(await c.sb.query('select pg_is_in_recovery() as r', [], { port: r.port })).toEqual([{ r: true }])
          await expect(c.sb.query("insert into marks(label) values ('x')", [], { port: r.port })).rejects.toThrow(/read-only/)
        }
        await c.sb.stop('immediate', into)
      })

      it('pause, then pitrctl promote finishes it', async () => {
        const into = path.join(c.sb.root, 'copy-promote')
        const r = await c.ok(['restore', '--to', at.time!, '--into', into, '--start'])
        expect(r.state).toBe('paused')
        const p = await c.ok(['promote', '--into', into])
        expect(p.promoted).toBe(true)
        expect(p.timeline).toBeGreaterThan(1)
        await c.sb.query("insert into marks(label) values ('after')", [], { port: r.port })
        expect(await c.marks(r.port)).toEqual(['m1', 'm2', 'after'])
        const archived = readdirSync(path.join(into)).includes('postgresql.auto.conf')
        expect(archived).toBe(true)
        const [mode] = await c.sb.query<{ setting: string }>("select setting from pg_settings where name = 'archive_mode'", [], { port: r.port })
        expect(mode!.setting).toBe('off')
        await c.sb.stop('immediate', into)
      })

      it('refuses targets outside the window before touching anything (exit 4)', async () => {
        const before = await c.cli(['restore', '--to', '2000-01-01 00:00:00+00', '--into', path.join(c.sb.root, 'never1'), '--json'])
        expect(before.exitCode).toBe(4)
        expect(before.stderr.split('\n')[0]).toMatch(/^pitrctl: .*cannot be reached: it is before the start of the recoverable window.* — /)
        expect(before.json().error.code).toBe(4)
        const future = await c.cli(['restore', '--to', '2099-01-01T00:00:00Z', '--into', path.join(c.sb.root, 'never2')])
        expect(future.exitCode).toBe(4)
        expect(future.stderr).toMatch(/after the last commit/)
        const missing = await c.cli(['restore', '--to', 'name:no_such_point', '--into', path.join(c.sb.root, 'never3')])
        expect(missing.exitCode).toBe(4)
        expect(existsSync(path.join(c.sb.root, 'never1'))).toBe(false)
        expect(existsSync(path.join(c.sb.root, 'never2'))).toBe(false)
        expect(existsSync(path.join(c.sb.root, 'never3'))).toBe(false)
      })

      it('refuses unsafe destinations and bad input with the documented codes', async () => {
        const running = await c.cli(['restore', '--to', 'latest', '--yes'])
        expect(running.exitCode).toBe(5)
        expect(running.stderr).toMatch(/is running/)
        const nonEmpty = await c.sb.mkdir('not-empty')
        await c.sb.writeFile('not-empty/keep.txt', 'x')
        const r = await c.cli(['restore', '--to', 'latest', '--into', nonEmpty])
        expect(r.exitCode).toBe(5)
        expect(readdirSync(nonEmpty)).toEqual(['keep.txt'])
        for (const bad of ['yesterday', '01/02/2026 10:00', 'xid:abc', '2026-02-30 10:00:00+00', 'lsn:0/0']) {
          const b = await c.cli(['restore', '--to', bad, '--into', path.join(c.sb.root, 'never4')])
          expect(b.exitCode, bad).toBe(2)
          expect(b.stderr.trim().split('\n')).toHaveLength(1)
        }
        expect((await c.cli(['list', '-c', 'nope'])).exitCode).toBe(2)
        expect((await c.cli(['restore', '--to', 'latest', '--tool', 'nosuch', '--into', path.join(c.sb.root, 'never5')])).exitCode).toBe(2)
      })
    })
  })
}
