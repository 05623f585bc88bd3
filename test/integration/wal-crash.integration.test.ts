/**
 * A crash while a segment is being archived, for every tool (issue "Recovery that survives real
 * clusters", item 1): a torn archived copy with the whole segment still `.ready` in pg_wal, and
 * rounds of pgbench load with kill -9 of wal-push or a backup, or `pg_ctl -m immediate`, each
 * followed by an in-place `restore --to latest` that must bring back exactly what was committed
 * (the crashed directory, crash-recovered on its own, is the ground truth), then archiving and a
 * backup that work. CRASH_ROUNDS (default 2) rounds per tool, cycling through kill -9 of wal-push,
 * pg_ctl -m immediate, kill -9 of a backup and kill -9 of the restore itself; CRASH_REPORT=FILE appends one JSON
 * line per round (test/soak/wal-crash.mjs runs many and prints the table).
 */
import { createHash } from 'node:crypto'
import { promises as fs, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setUpCluster, skipReason, type TestCluster } from '../support/cluster.js'
import { CRASH_KINDS, type CrashKind, counts, crashRound, expectArchivingAndBackupWork, groundTruth, pgbench } from '../support/wal-crash.js'

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 2)
// CRASH_KINDS=kill-restore,… narrows the crashes the rounds cycle through
const KINDS = (process.env.CRASH_KINDS?.split(',') as CrashKind[] | undefined) ?? CRASH_KINDS
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000)
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')
const SEGMENT = /^[0-9A-F]{24}$/

// pg_rman: pitrctl finds it only in the PostgreSQL bin dir for now (program lookup is another branch)
const TOOLS = ['native', 'pgbackrest', 'barman', 'walg', 'pg_rman'] as const
const pgRmanFound = () => {
  try {
    statSync('/usr/lib/postgresql/15/bin/pg_rman')
    return undefined
  } catch {
    return 'pg_rman is not in the PostgreSQL bin dir, where pitrctl looks for it'
  }
}

/** write a torn copy of `name` into the tool's repository, as a wal-push killed half way leaves it */
async function writeTornCopy(c: TestCluster, tool: string, name: string): Promise<void> {
  const local = path.join(c.sb.pgdata, 'pg_wal', name)
  const own = async (p: string) => {
    if (c.sb.runAs) await fs.chown(p, c.sb.runAs.uid, c.sb.runAs.gid)
  }
  if (tool === 'native') {
    const dest = path.join(c.repo, 'native', 'wal', name)
    await fs.writeFile(dest, readFileSync(local).subarray(0, 4 * 1024 * 1024), { mode: 0o600 })
    await own(dest)
    return
  }
  // walg: the whole push, then its FS object cut to a third (PutObject writes under the final
  // name), and no index entry (pitrctl writes it only after every tool succeeded)
  const r = await c.cli(['wal-push', local])
  expect(r.exitCode, r.stderr).toBe(0)
  const objDir = path.join(c.repo, 'walg')
  const obj = (await fs.readdir(objDir, { recursive: true })).map(String).find((f) => path.basename(f).startsWith(`${name}.`) && f.includes('wal_005'))!
  expect(obj).toBeDefined()
  const file = path.join(objDir, obj)
  await fs.truncate(file, Math.floor(statSync(file).size / 3))
  await fs.rm(path.join(c.repo, '.pitrctl', 'wal-index', `${name}.json`), { force: true })
}

for (const tool of TOOLS) {
  const skip = tool === 'pg_rman' ? (skipReason(tool) ?? pgRmanFound()) : skipReason(tool)
  describe.skipIf(skip !== undefined)(`${tool}: a crash while WAL is archived`, () => {
    let c: TestCluster
    beforeAll(async () => {
      c = await setUpCluster(tool)
      const init = await pgbench(c, ['-i', '-s', '1', '-q'])
      expect(init.code, init.stderr).toBe(0)
      const b = await c.cli(['backup', '--json'])
      expect(b.exitCode, b.stderr).toBe(0)
    })
    afterAll(async () => c?.destroy())

    it.skipIf(!['native', 'walg'].includes(tool))('a torn archived copy of a segment pg_wal still marks .ready: latest restores everything, and wal-push repairs the archive', async () => {
      await pgbench(c, ['-n', '-c', '2', '-t', '200'])
      await c.sql("alter system set archive_command = '/bin/false'")
      await c.sql('select pg_reload_conf()')
      await pgbench(c, ['-n', '-c', '2', '-t', '300'])
      await c.sql('select pg_switch_wal()')
      const statusDir = path.join(c.sb.pgdata, 'pg_wal', 'archive_status')
      const ready = readdirSync(statusDir).filter((f) => f.endsWith('.ready')).map((f) => f.slice(0, 24)).filter((n) => SEGMENT.test(n)).sort()
      expect(ready.length).toBeGreaterThan(0)
      const victim = ready[0]!
      await writeTornCopy(c, tool, victim)
      if (tool === 'native') {
        // check and verify name the torn copy (plain-file archive: by size)
        const k = await c.cli(['check', '--json'])
        expect(k.exitCode).toBe(1)
        expect(k.json().checks.find((x: { name: string }) => x.name === 'native archived WAL sizes')).toMatchObject({ ok: false, detail: expect.stringContaining(`${victim} (4194304 bytes)`) })
        const v = await c.cli(['verify', '--json'])
        expect(v.exitCode).toBe(3)
        expect(JSON.stringify(v.json())).toContain(`${victim} (4194304 bytes)`)
      }
      await pgbench(c, ['-n', '-c', '2', '-t', '200'])
      await c.sb.stop('immediate')
      const truth = await groundTruth(c, 'torn')

      const r = await c.cli(['restore', '--to', 'latest', '--start', '--action', 'promote', '--yes', '--json'])
      expect(r.exitCode, r.stderr).toBe(0)
      const out = r.json()
      expect(out.rescuedWal).toContain(victim)
      expect(await counts(c)).toEqual(truth)
      // the restore archived the rescued segment: the torn copy was repaired on the way
      expect(r.stderr).toMatch(new RegExp(`${victim}.*torn copy|torn copy of ${victim}`))
      if (tool === 'native') expect(sha(path.join(c.repo, 'native', 'wal', victim))).toBe(sha(path.join(out.movedAside, 'pg_wal', victim)))
      const fetched = path.join(c.sb.root, `fetched-${victim}`)
      const f = await c.cli(['wal-fetch', '--tool', tool, victim, fetched])
      expect(f.exitCode, f.stderr).toBe(0)
      expect(sha(fetched)).toBe(sha(path.join(out.movedAside, 'pg_wal', victim)))
      await expectArchivingAndBackupWork(c)
    })

    it(`${ROUNDS} crash round(s) under pgbench load: latest brings back every committed transaction`, async () => {
      const failures: string[] = []
      for (let i = 0; i < ROUNDS; i++) {
        const kind = KINDS[i % KINDS.length]!
        const seed = SEED + i
        const res = await crashRound(c, tool, kind, seed)
        if (process.env.CRASH_REPORT) await fs.appendFile(process.env.CRASH_REPORT, `${JSON.stringify(res)}\n`)
        if (!res.ok) {
          failures.push(`${kind} seed ${seed}: ${res.error} (truth ${JSON.stringify(res.truth)}, restored ${JSON.stringify(res.restored)})`)
          // a failed round leaves the cluster in an unknown state: the next rounds need it running
          if (!(await c.sql('select 1').then(() => true, () => false))) break
        }
      }
      expect(failures).toEqual([])
    })
  })
}
