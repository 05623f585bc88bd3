import { openSync, writeSync, closeSync } from 'node:fs'
import path from 'node:path'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderDrill, renderDrillHtml } from '../cli/drill-render.js'
import { loadConfig } from '../config/load.js'
import { EXIT, UsageError } from '../errors.js'
import { DRILL_REPOS, DRILL_SCENARIOS, parseDrillTools, runDrill, type DrillRepo, type DrillScenario } from '../services/drill.js'
import { dropPrivileges, isRoot, lookupUser } from '../util/identity.js'

export default class Drill extends BaseCommand<typeof Drill> {
  static override summary = 'the recovery drill on a throwaway cluster, every installed tool side by side'
  static override flags = {
    tools: Flags.string({ default: 'all', description: 'comma list of tools, or all' }),
    scenario: Flags.string({ options: [...DRILL_SCENARIOS], default: 'mistaken-delete', description: 'the story to play' }),
    rows: Flags.integer({ default: 10_000, min: 1, max: 100_000_000, description: 'rows of data, so the timings mean something' }),
    keep: Flags.boolean({ description: 'keep the throwaway cluster and the restores (prints where)' }),
    report: Flags.string({ description: 'also write the results as an HTML page with charts' }),
    repo: Flags.string({ options: [...DRILL_REPOS], default: 'disk', description: 'where the tools keep their repositories: disk, or s3 (a SeaweedFS the drill starts on loopback)' }),
  }

  async run(): Promise<void> {
    const f = this.flags
    let tools
    try {
      tools = parseDrillTools(f.tools)
    } catch (e) {
      throw new UsageError(`bad --tools: ${(e as Error).message}`, { hint: 'e.g. --tools native,pgbackrest or --tools all' })
    }
    const configFlag = (this.flags as { config?: string }).config
    const config = configFlag || process.env.PITRCTL_CONFIG ? await loadConfig(configFlag) : undefined
    const osUser = config?.global.runAs ?? (isRoot() ? 'postgres' : (process.env.USER ?? 'postgres'))
    // The report is opened before privileges are dropped: the user asked for it where they can write.
    const reportFd = f.report ? openSync(path.resolve(f.report), 'w', 0o644) : undefined
    if (isRoot()) dropPrivileges(lookupUser(osUser))
    const report = await runDrill({ tools, scenario: f.scenario as DrillScenario, rows: f.rows, keep: f.keep, progress: this.progress(), osUser, repo: f.repo as DrillRepo })
    if (reportFd !== undefined) {
      writeSync(reportFd, renderDrillHtml(report))
      closeSync(reportFd)
    }
    this.emit(report, renderDrill)
    const failed = report.results.filter((r) => r.status === 'failed')
    if (failed.length) this.failWith(EXIT.toolFailed, `the drill failed for ${failed.map((r) => r.tool).join(', ')}`, 'read the reasons above')
    else if (!report.results.some((r) => r.status === 'passed')) this.failWith(EXIT.notInstalled, 'no tool could run the drill', 'install the tools (see README)')
  }
}
