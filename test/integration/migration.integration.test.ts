/**
 * A cluster in migration between two tools: one archive_command hands every segment to both,
 * `list` merges the catalogs, and `restore --to` takes the old tool's backup for a point before
 * the switch and the new tool's for a point after it.
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setUpCluster, skipReason, sleep, type TestCluster } from '../support/cluster.js'

// The new tool first (primary), the old one second, as pitrctl.ini says while migrating.
const pair = skipReason('walg') === undefined ? ['walg', 'pgbackrest'] : ['native', 'pgbackrest']
const skip = pair.map(skipReason).find((r) => r !== undefined)

describe.skipIf(skip !== undefined)(`migration ${pair.join(' <- ')}${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const [newTool, oldTool] = pair as [string, string]
  let c: TestCluster
  beforeAll(async () => {
    c = await setUpCluster(`${newTool}, ${oldTool}`)
  })
  afterAll(async () => c?.destroy())

  it('archives to both, backs up with each, restores each side of the switch from the right tool', async () => {
    await c.mark('before-old-backup')
    const oldBackup = await c.ok(['backup', '--tool', oldTool])
    expect(oldBackup.tool).toBe(oldTool)
    await sleep(1100)
    await c.mark('only-old-reaches')
    const t1 = await c.now()
    await sleep(50)
    await c.mark('after-t1')
    const newBackup = await c.ok(['backup', '--tool', newTool])
    expect(newBackup.tool).toBe(newTool)
    await sleep(1100)
    await c.mark('both-reach')
    const t2 = await c.now()
    await sleep(50)
    await c.mark('after-t2')

    const list = await c.ok(['list'])
    expect(list.backups.map((b: { tool: string }) => b.tool).sort()).toEqual([newTool, oldTool].sort())
    expect(new Set(list.window.map((w: { tool: string }) => w.tool))).toEqual(new Set([newTool, oldTool]))
    expect(list.summary.join('\n')).toMatch(new RegExp(`${oldTool} is still the only way back`))
    // every segment reached both archives: both windows end at the same segment
    const ends = list.window.map((w: { lastSegment: string }) => w.lastSegment)
    expect(ends[0], JSON.stringify(list.window, null, 1)).toBe(ends[1])

    const early = await c.ok(['restore', '--to', t1, '--into', path.join(c.sb.root, 'early'), '--start'])
    expect(early.tool).toBe(oldTool)
    expect(await c.marks(early.port)).toEqual(['before-old-backup', 'only-old-reaches'])

    const late = await c.ok(['restore', '--to', t2, '--into', path.join(c.sb.root, 'late'), '--start'])
    expect(late.tool).toBe(newTool)
    expect(await c.marks(late.port)).toEqual(['before-old-backup', 'only-old-reaches', 'after-t1', 'both-reach'])

    // --tool narrows the choice: the new tool alone cannot go back before its first backup
    const refused = await c.cli(['restore', '--to', t1, '--tool', newTool, '--into', path.join(c.sb.root, 'never')])
    expect(refused.exitCode).toBe(4)

    const check = await c.cli(['check', '--json'])
    expect(check.exitCode, check.stdout).toBe(0)
    const names = check.json().checks.map((k: { name: string }) => k.name)
    expect(names).toEqual(expect.arrayContaining([`${newTool} repository`, `${oldTool} repository`, 'archiver health (pg_stat_archiver)']))
  })
})
