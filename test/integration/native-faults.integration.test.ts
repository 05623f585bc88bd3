/**
 * Faults from the reliability catalogue, on the native tool where pitrctl owns the archive:
 * kill -9 during a backup (T01), a corrupt and a missing segment (T04, T05), re-archiving the
 * same or different content (T14), --dry-run touching nothing, unarchived WAL rescued (T16).
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN } from '../support/cli.js'
import { setUpCluster, skipReason, sleep, type TestCluster } from '../support/cluster.js'

const skip = skipReason('native')
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')

describe.skipIf(skip !== undefined)('native faults', () => {
  let c: TestCluster
  let walDir: string
  beforeAll(async () => {
    c = await setUpCluster('native')
    walDir = path.join(c.repo, 'native', 'wal')
  })
  afterAll(async () => c?.destroy())

  it('kill -9 during a backup leaves nothing usable-looking, and the next backup works', async () => {
    await c.sql("create table big as select g as id, repeat('x', 200) as pad from generate_series(1, 600000) g")
    const child = spawn(process.execPath, [BIN, 'backup', '--config', c.config, '--json'], { detached: true, stdio: 'ignore' })
    const backups = path.join(c.repo, 'native', 'backups')
    const deadline = Date.now() + 60_000
    // wait until pg_basebackup is copying files, then kill the whole process group
    for (;;) {
      const dirs = readdirSync(backups).filter((d) => existsSync(path.join(backups, d, 'data', 'base')))
      if (dirs.length) break
      if (Date.now() > deadline) throw new Error('backup never started copying')
      await sleep(20)
    }
    process.kill(-child.pid!, 'SIGKILL')
    await sleep(500)
    const list = await c.ok(['list'])
    expect(list.backups.filter((b: { status: string }) => b.status === 'ok')).toHaveLength(0)
    expect(list.backups.map((b: { status: string }) => b.status)).toEqual(['error'])
    expect(existsSync(path.join(c.sb.pgdata, 'backup_label'))).toBe(false)
    for (let i = 0; i < 120; i++) {
      const [r] = await c.sql('select count(*)::int as n from pg_stat_progress_basebackup')
      if (r!.n === 0) break
      await sleep(500)
    }
    expect(await c.sql('select count(*)::int as n from pg_stat_progress_basebackup')).toEqual([{ n: 0 }])
    const next = await c.ok(['backup'])
    expect(next.status).toBe('ok')
    expect((await c.ok(['list'])).backups.map((b: { status: string }) => b.status)).toEqual(['error', 'ok'])
    const v = await c.cli(['verify', next.id, '--restore', '--json'])
    expect(v.exitCode, v.stderr).toBe(0)
    expect(v.json().results[0].checks.find((k: { name: string }) => k.name === 'test restore')).toMatchObject({ ok: true })
    await c.sql('drop table big')
  })

  it('--dry-run prints the plan and changes nothing', async () => {
    const before = (await c.ok(['list'])).backups.length
    const b = await c.cli(['backup', '--dry-run'])
    expect(b.exitCode).toBe(0)
    expect(b.stdout).toMatch(/Dry run: nothing was changed/)
    expect(b.stdout).toMatch(/run: \/\S+\/pg_basebackup --pgdata/)
    expect((await c.ok(['list'])).backups.length).toBe(before)
    const into = path.join(c.sb.root, 'dry')
    const r = await c.cli(['restore', '--to', 'latest', '--into', into, '--dry-run', '--json'])
    expect(r.exitCode).toBe(0)
    const plan = r.json().dryRun.join('\n')
    expect(plan).toMatch(/run: cp -a -- \S+\/data\/\. \S+\/dry\//)
    expect(plan).toMatch(/archive_mode = 'off'/)
    expect(plan).toMatch(/write \S+\/dry\/recovery.signal/)
    expect(existsSync(into)).toBe(false)
  })

  it('wal-push: the same content again is success, different content is refused and the stored file kept', async () => {
    const name = readdirSync(walDir).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort()[0]!
    const stored = path.join(walDir, name)
    const before = sha(stored)
    const copy = await c.sb.mkdir('x')
    await fs.copyFile(stored, path.join(copy, name))
    if (c.sb.runAs) await fs.chown(path.join(copy, name), c.sb.runAs.uid, c.sb.runAs.gid)
    const same = await c.cli(['wal-push', path.join(copy, name)])
    expect(same.exitCode, same.stderr).toBe(0)
    const buf = readFileSync(path.join(copy, name))
    buf[200_000] = buf[200_000]! ^ 0xff
    await fs.writeFile(path.join(copy, name), buf)
    const diff = await c.cli(['wal-push', path.join(copy, name)])
    expect(diff.exitCode).toBe(1)
    expect(diff.stderr).toMatch(/already exists in the archive with different content/)
    expect(sha(stored)).toBe(before)
  })

  it('a corrupt segment: verify names it (exit 3) and a restore to latest does not pass for success (L24)', async () => {
    await c.mark('a')
    await c.sql('select pg_switch_wal()')
    await c.mark('b')
    await c.sql('select pg_switch_wal()')
    await c.mark('c')
    const backup = (await c.ok(['list'])).backups.at(-1)
    await c.ok(['restore', '--to', 'latest', '--into', path.join(c.sb.root, 'warm-up')]) // archives everything up to now
    const segs = readdirSync(walDir).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort()
    const victim = segs[segs.length - 2]!
    const file = path.join(walDir, victim)
    const original = readFileSync(file)
    const bad = Buffer.from(original)
    bad.fill(0xff, 200_000, 200_008)
    await fs.writeFile(file, bad)
    try {
      const v = await c.cli(['verify', backup.id, '--json'])
      expect(v.exitCode).toBe(3)
      const checks = v.json().results[0].checks
      expect(checks.find((k: { name: string }) => k.name === 'archived WAL checksums')).toMatchObject({ ok: false, detail: `changed since archived: ${victim}` })
      const into = path.join(c.sb.root, 'corrupt')
      const r = await c.cli(['restore', '--to', 'latest', '--into', into, '--start'])
      expect(r.exitCode).toBe(4)
      expect(r.stderr).toMatch(/recovery did not reach the target/)
      await c.sb.stop('immediate', into).catch(() => undefined)
    } finally {
      await fs.writeFile(file, original)
    }
  })

  it('a missing segment: latest is refused before anything is touched (L25), verify reports the gap', async () => {
    await c.sql('select pg_switch_wal()')
    await c.mark('d')
    await c.ok(['restore', '--to', 'latest', '--into', path.join(c.sb.root, 'warm-up-2')])
    const segs = readdirSync(walDir).filter((n) => /^[0-9A-F]{24}$/.test(n)).sort()
    const victim = segs[segs.length - 2]!
    const aside = path.join(c.sb.root, victim)
    await fs.rename(path.join(walDir, victim), aside)
    try {
      const into = path.join(c.sb.root, 'gap')
      const r = await c.cli(['restore', '--to', 'latest', '--into', into])
      expect(r.exitCode).toBe(4)
      expect(r.stderr).toMatch(new RegExp(`gap at ${victim}`))
      expect(existsSync(into)).toBe(false)
      const v = await c.cli(['verify', '--json'])
      expect(v.exitCode).toBe(3)
      expect(JSON.stringify(v.json())).toMatch(new RegExp(`gap at ${victim}`))
    } finally {
      await fs.rename(aside, path.join(walDir, victim))
    }
  })

  it('in place, WAL that was never archived is given back to recovery: --to latest loses nothing (T16)', async () => {
    await c.mark('archived')
    await c.sql("alter system set archive_command = '/bin/false'")
    await c.sql('select pg_reload_conf()')
    await c.mark('committed-but-unarchived')
    await c.sql('select pg_switch_wal()')
    await c.mark('in-current-segment')
    await c.sb.stop('immediate')
    const r = await c.ok(['restore', '--to', 'latest', '--yes', '--start'])
    expect(r.rescuedWal.length).toBeGreaterThan(0)
    const marks = await c.marks()
    expect(marks.slice(-3)).toEqual(['archived', 'committed-but-unarchived', 'in-current-segment'])
    // the moved-aside directory still holds the original segments
    expect(readdirSync(path.join(r.movedAside, 'pg_wal')).some((n: string) => r.rescuedWal.includes(n))).toBe(true)
    // and archiving is pitrctl's own again (the backup carried /bin/false)
    const [cmd] = await c.sql("select setting from pg_settings where name = 'archive_command'")
    expect(String(cmd!.setting)).toMatch(/wal-push/)
    // the re-injected WAL reaches the archive too, so it leaves no hole there (the segment where the
    // new timeline begins is archived by PostgreSQL as .partial, its content continuing on the new one)
    const segs = r.rescuedWal.filter((n: string) => /^[0-9A-F]{24}$/.test(n))
    const archived = (n: string) => existsSync(path.join(walDir, n)) || existsSync(path.join(walDir, `${n}.partial`))
    for (let i = 0; i < 100 && !segs.every(archived); i++) await sleep(200)
    expect(segs.filter((n: string) => !archived(n))).toEqual([])
  })

  it('a copy (--into) of a stopped cluster also gets its never-archived WAL, read without touching the source', async () => {
    await c.sql("alter system set archive_command = '/bin/false'")
    await c.sql('select pg_reload_conf()')
    await c.mark('copy-unarchived')
    await c.sb.stop('fast')
    const before = readdirSync(path.join(c.sb.pgdata, 'pg_wal')).sort()
    const into = path.join(c.sb.root, 'copy-of-stopped')
    const r = await c.ok(['restore', '--to', 'latest', '--into', into, '--start'])
    expect(r.rescuedWal.length, JSON.stringify({ r, before })).toBeGreaterThan(0)
    expect((await c.marks(r.port)).at(-1)).toBe('copy-unarchived')
    expect(readdirSync(path.join(c.sb.pgdata, 'pg_wal')).sort()).toEqual(before)
    await c.sb.stop('immediate', into)
  })
})
