/**
 * The drill as the README runs it: both scenarios for every installed tool, with --json and the
 * HTML report checked.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { skipReason } from '../support/cluster.js'

const installed = ['native', 'pgbackrest', 'barman', 'walg', 'pg_rman'].filter((t) => skipReason(t) === undefined)

describe.each(['mistaken-delete', 'two-restores'])('drill %s', (scenario) => {
  it(`passes for every installed tool (${installed.join(', ')}) and writes the report`, async () => {
    const report = path.join(os.tmpdir(), `pitrctl-drill-${scenario}-${process.pid}.html`)
    const r = await runCli(['drill', '--tools', installed.join(','), '--scenario', scenario, '--rows', '2000', '--json', '--report', report])
    expect(r.exitCode, r.stderr).toBe(0)
    const j = r.json()
    expect(j.scenario).toBe(scenario)
    expect(j.target).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?\+00$/)
    expect(j.results.map((x: { tool: string }) => x.tool)).toEqual(installed)
    expect(j.cpSeconds).toBeGreaterThan(0)
    for (const x of j.results) {
      expect(x.status, `${x.tool}: ${x.reason}`).toBe('passed')
      expect(x.backupSeconds).toBeGreaterThan(0)
      expect(x.restoreSeconds).toBeGreaterThan(0)
      expect(x.recoverySeconds).toBeGreaterThan(0)
      expect(x.repoBytes).toBeGreaterThan(0)
      expect(x.restores.length).toBe(scenario === 'two-restores' ? 3 : 1)
    }
    expect(existsSync(report)).toBe(true)
    const html = readFileSync(report, 'utf8')
    for (const chart of ['Backup seconds', 'Restore seconds (files)', 'Recovery seconds (WAL replay to target)', 'Repository bytes', 'scenario timeline'])
      expect(html).toContain(`aria-label="${chart}"`)
    expect(html).not.toMatch(/<script|https?:\/\//)
    rmSync(report, { force: true })
  })
})

it('lists a tool that is not installed as skipped, with the reason', async () => {
  const r = await runCli(['drill', '--tools', 'native', '--rows', '10', '--json'], { env: { PATH: '/usr/bin:/bin' } })
  expect(r.exitCode, r.stderr).toBe(0)
  const noTool = await runCli(['drill', '--tools', 'walg', '--rows', '10', '--json'], { env: { PATH: '/nonexistent' } })
  expect(noTool.exitCode).toBe(6)
  expect(noTool.json().results[0]).toMatchObject({ tool: 'walg', status: 'skipped' })
  expect(noTool.json().results[0].reason).toMatch(/not installed/)
})
