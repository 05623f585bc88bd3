/**
 * `pitrctl expire` and `pitrctl keep` on real clusters, per tool: a series of full (and diff /
 * incr where the tool has them) backups across an in-place restore (two timelines), expire with
 * several settings; after each, `list` shows what the settings promise, and restores to the
 * oldest promised point and to latest give exactly the rows expected. A dry run changes
 * nothing. A cluster in migration: expiring never removes the other tool's only coverage.
 *
 * EXPIRE_REPORT_DIR=DIR writes `pitrctl list` before and after the first expire of each tool, and
 * the text of its dry run.
 */
import { promises as fs, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setUpCluster, skipReason, sleep, type TestCluster } from '../support/cluster.js'

interface BackupJson {
  id: string
  tool: string
  type: string
  start: string
  stop: string
  timeline: number
}
interface WindowJson {
  tool: string
  timeline: number
  from: string
  to: string
  fromBackup: string
}

const TYPES: Record<string, { diff: boolean; incr: boolean }> = {
  native: { diff: false, incr: false },
  pgbackrest: { diff: true, incr: true },
  barman: { diff: false, incr: false },
  walg: { diff: true, incr: true },
  pg_rman: { diff: false, incr: true },
}

/** rewrite the cluster's retention keys (everything else in pitrctl.ini stays) */
async function setRetention(c: TestCluster, lines: string[]): Promise<void> {
  const text = await fs.readFile(c.config, 'utf8')
  const kept = text.split('\n').filter((l) => !/^(retention-|expire-auto)/.test(l))
  await fs.writeFile(c.config, `${[...kept.filter((l, i) => l !== '' || i < kept.length - 1), ...lines].join('\n')}\n`)
}

/** every file (name and size) under the repository; pitrctl's own state, the tools' logs and lock files (a pid) excepted: reading writes them */
function repoTree(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      if (rel === '' && name === '.pitrctl') continue
      const p = path.join(d, name)
      const r = rel ? `${rel}/${name}` : name
      if (statSync(p).isDirectory()) walk(p, r)
      else if (!name.endsWith('.log') && !name.endsWith('.lock')) out.push(`${r} ${statSync(p).size}`)
    }
  }
  walk(dir, '')
  return out
}

async function report(tool: string, name: string, c: TestCluster): Promise<void> {
  const dir = process.env.EXPIRE_REPORT_DIR
  if (!dir) return
  await fs.mkdir(dir, { recursive: true })
  const list = await c.cli(['list'])
  await fs.writeFile(path.join(dir, `${tool}-${name}.txt`), list.stdout)
  if (name === 'before') await fs.writeFile(path.join(dir, `${tool}-dry-run.txt`), (await c.cli(['expire', '--dry-run'])).stdout)
}

/** what differs between two repoTree() listings, for the failure message */
function treeDiff(a: readonly string[], b: readonly string[]): string {
  const sa = new Set(a)
  const sb = new Set(b)
  return [...a.filter((x) => !sb.has(x)).map((x) => `- ${x}`), ...b.filter((x) => !sa.has(x)).map((x) => `+ ${x}`)].join('\n')
}

/**
 * The window starts at backup `b`: at its consistent point's last commit (model/consistent-point.ts),
 * which is at or before its stop and may lie before its start when nothing committed meanwhile.
 */
function startsAt(from: string, b: BackupJson): void {
  expect(Date.parse(from), `${from} at or before the end of ${b.id} (${b.stop})`).toBeLessThanOrEqual(Date.parse(b.stop) + 1000)
  expect(Date.parse(from), `${from} within a minute before the end of ${b.id} (${b.stop})`).toBeGreaterThan(Date.parse(b.stop) - 60_000)
}

for (const tool of ['native', 'pgbackrest', 'barman', 'walg', 'pg_rman']) {
  const skip = skipReason(tool)
  describe.skipIf(skip !== undefined)(`expire: ${tool}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let c: TestCluster
    const t = TYPES[tool]!
    const b: Record<string, BackupJson> = {}
    beforeAll(async () => {
      c = await setUpCluster(tool)
    })
    afterAll(async () => c?.destroy())

    it('a series across an in-place restore: two timelines', async () => {
      await c.mark('m1')
      b.F1 = await c.ok(['backup'])
      if (t.diff) b.D1 = await c.ok(['backup', '--type', 'diff'])
      await c.mark('m2')
      await sleep(1100)
      const tA = await c.now()
      await sleep(50)
      await c.mark('m3-lost')
      await c.sb.stop('fast')
      const r = await c.ok(['restore', '--to', tA, '--start', '--action', 'promote', '--yes'])
      expect(r.reached.timeline).toBe(2)
      await c.mark('m4')
      b.F2 = await c.ok(['backup'])
      await c.mark('m5')
      if (t.incr) b.I1 = await c.ok(['backup', '--type', 'incr'])
      await c.mark('m6')
      b.F3 = await c.ok(['backup'])
      await sleep(1100)
      await c.mark('m7')
      expect(b.F2.timeline).toBe(2)
      const list = await c.ok(['list'])
      expect(list.backups.map((x: BackupJson) => x.id)).toEqual(Object.values(b).map((x) => x.id))
      expect(new Set(list.window.map((w: WindowJson) => w.timeline))).toEqual(new Set([1, 2]))
    })

    it('retention-full = 2: dry run changes nothing, no --yes is refused, then the oldest full goes with what depends on it', async () => {
      await setRetention(c, ['retention-full = 2'])
      const going = [b.F1!, ...(b.D1 ? [b.D1] : [])].map((x) => x.id)
      const staying = [b.F2!, ...(b.I1 ? [b.I1] : []), b.F3!].map((x) => x.id)
      const before = await c.ok(['list'])
      const tree = repoTree(c.repo)

      const dry = await c.ok(['expire', '--dry-run'])
      expect(dry.deleted.map((v: { id: string }) => v.id)).toEqual(going)
      expect(dry.kept.map((v: { id: string }) => v.id)).toEqual(staying)
      expect(Object.keys(dry).sort()).toEqual(['cluster', 'deleted', 'dryRun', 'kept', 'window'])
      expect(dry.dryRun.join('\n')).toMatch({ native: /mv -T/, pgbackrest: /expire/, barman: /barman .* delete/, walg: /delete target/, pg_rman: /pg_rman delete/ }[tool]!)
      const treeAfterDry = repoTree(c.repo)
      expect(treeAfterDry, treeDiff(tree, treeAfterDry)).toEqual(tree)
      const afterDry = await c.ok(['list'])
      expect(afterDry.backups).toEqual(before.backups)
      expect(afterDry.window.map((w: WindowJson) => [w.tool, w.timeline, w.from, w.fromBackup])).toEqual(before.window.map((w: WindowJson) => [w.tool, w.timeline, w.from, w.fromBackup]))

      const refused = await c.cli(['expire'])
      expect(refused.exitCode).toBe(5)
      expect(refused.stderr).toMatch(/^pitrctl: expire needs confirmation — /m)
      const treeAfterRefused = repoTree(c.repo)
      expect(treeAfterRefused, treeDiff(tree, treeAfterRefused)).toEqual(tree)

      await report(tool, 'before', c)
      const done = await c.ok(['expire', '--yes'])
      await report(tool, 'after', c)
      expect(Object.keys(done).sort()).toEqual(['cluster', 'deleted', 'kept', 'window'])
      expect(done.deleted.map((v: { id: string }) => v.id)).toEqual(going)
      expect(done.deleted[0].reason).toBe('older than the newest 2 full backups')
      const after = await c.ok(['list'])
      expect(after.backups.map((x: BackupJson) => x.id)).toEqual(staying)
      // the window now starts where the settings promise: at the end of the oldest full that stays
      const from = after.window.map((w: WindowJson) => w.from).sort()[0]
      startsAt(from, b.F2!)
      expect(after.window.every((w: WindowJson) => w.timeline === 2)).toBe(true)
      expect(done.window).toEqual(after.window.map((w: WindowJson) => expect.objectContaining({ tool: w.tool, timeline: w.timeline, from: w.from })))
    })

    it('after it, a restore to the oldest promised point is exact (latest: below, after the last expire)', async () => {
      const oldest = await c.ok(['restore', '--to', 'immediate', '--backup', b.F2!.id, '--into', path.join(c.sb.root, 'oldest'), '--start'])
      expect(oldest.backup).toBe(b.F2!.id)
      expect(await c.marks(oldest.port)).toEqual(['m1', 'm2', 'm4'])
      await c.sb.stop('immediate', path.join(c.sb.root, 'oldest'))
    })

    it('retention-full = 1 with a window longer than the history: nothing goes, the window keeps the oldest', async () => {
      await setRetention(c, ['retention-full = 1', 'retention-window = 1h'])
      const r = await c.ok(['expire', '--yes'])
      expect(r.deleted).toEqual([])
      expect(r.kept.find((v: { id: string }) => v.id === b.F2!.id).reason).toMatch(/retention-window/)
    })

    it('retention-full = 1, retention-window = 1s: only the newest full stays, and it restores to latest', async () => {
      await setRetention(c, ['retention-full = 1', 'retention-window = 1s'])
      // the last archived commit (the WAL switch of the restore above) must be older than 1s
      await sleep(2000)
      const r = await c.ok(['expire', '--yes'])
      expect(r.deleted.map((v: { id: string }) => v.id), JSON.stringify(r, null, 1)).toEqual([b.F2!, ...(b.I1 ? [b.I1] : [])].map((x) => x.id))
      const list = await c.ok(['list'])
      expect(list.backups.map((x: BackupJson) => x.id)).toEqual([b.F3!.id])
      expect(list.window.map((w: WindowJson) => w.timeline)).toEqual([2])
      startsAt(list.window[0].from, b.F3!)
      const latest = await c.ok(['restore', '--to', 'latest', '--into', path.join(c.sb.root, 'latest2'), '--start'])
      expect(latest.backup).toBe(b.F3!.id)
      expect(await c.marks(latest.port)).toEqual(['m1', 'm2', 'm4', 'm5', 'm6', 'm7'])
      await c.sb.stop('immediate', path.join(c.sb.root, 'latest2'))
      // the last full never goes, whatever the settings
      const again = await c.ok(['expire', '--yes'])
      expect(again.deleted).toEqual([])
    })
  })
}

const pair = ['pgbackrest', 'native'] // the new tool first (primary), the old one second
const pairSkip = pair.map(skipReason).find((r) => r !== undefined)
describe.skipIf(pairSkip !== undefined)(`expire: migration ${pair.join(' <- ')}${pairSkip ? ` (skipped: ${pairSkip})` : ''}`, () => {
  let c: TestCluster
  beforeAll(async () => {
    c = await setUpCluster(pair.join(', '), 'retention-full = 1')
  })
  afterAll(async () => c?.destroy())

  it('each tool judged alone: the old tool keeps its only coverage; keep pins; expire-auto runs after a backup', async () => {
    await c.mark('m1')
    const old = await c.ok(['backup', '--tool', 'native'])
    await sleep(1100)
    await c.mark('m2')
    const tOld = await c.now()
    await sleep(50)
    await c.mark('m3')
    const p1 = await c.ok(['backup'])
    const p2 = await c.ok(['backup'])
    await sleep(1100)
    await c.mark('m4')

    // a pin: P1 stays; an unknown backup is a one-line usage error
    const unknown = await c.cli(['keep', 'no-such-backup'])
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1)
    expect((await c.ok(['keep', p1.id])).pinned).toBe(true)
    const pinned = await c.ok(['expire', '--yes'])
    expect(pinned.deleted).toEqual([])
    expect(pinned.kept).toEqual(expect.arrayContaining([{ id: p1.id, tool: 'pgbackrest', reason: 'pinned with pitrctl keep' }]))
    expect((await c.ok(['keep', p1.id, '--off'])).pinned).toBe(false)

    const r = await c.ok(['expire', '--yes'])
    expect(r.deleted).toEqual([{ id: p1.id, tool: 'pgbackrest', reason: 'older than the newest 1 full backups' }])
    expect(r.kept.map((v: { id: string }) => v.id).sort()).toEqual([old.id, p2.id].sort())
    const list = await c.ok(['list'])
    expect(list.backups.map((x: BackupJson) => x.id)).toEqual([old.id, p2.id])
    startsAt(list.window.find((w: WindowJson) => w.tool === 'native').from, old)
    // only native reaches tOld, and still does
    const early = await c.ok(['restore', '--to', tOld, '--into', path.join(c.sb.root, 'early'), '--start'])
    expect(early.tool).toBe('native')
    expect(await c.marks(early.port)).toEqual(['m1', 'm2'])
    await c.sb.stop('immediate', path.join(c.sb.root, 'early'))

    // expire-auto: the next backup expires P2 by itself (no question, no --yes)
    await setRetention(c, ['retention-full = 1', 'expire-auto = on'])
    const p3 = await c.cli(['backup', '--json'])
    expect(p3.exitCode, p3.stderr).toBe(0)
    expect(p3.json().tool).toBe('pgbackrest')
    const afterAuto = await c.ok(['list'])
    expect(afterAuto.backups.map((x: BackupJson) => x.id)).toEqual([old.id, p3.json().id])
  })
})
