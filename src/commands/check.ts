import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { emitFleet } from '../cli/fleet-output.js'
import { renderCheck } from '../cli/render.js'
import { EXIT } from '../errors.js'
import { checkCluster, type CheckReport } from '../services/check.js'
import { forEachCluster } from '../services/fleet.js'

const exitCodeOf = (r: CheckReport) => (r.ok ? EXIT.ok : r.missingTool ? EXIT.notInstalled : EXIT.toolFailed)

export default class Check extends BaseCommand<typeof Check> {
  static override summary = 'config, tools, server settings, archiver health, repositories, alert-* thresholds: one line per check'
  static override description =
    'With --all: every cluster of pitrctl.ini in turn, each under a "== cluster NAME ==" header; with --json an array, one element per cluster in the file\'s order: the single-cluster check object, or {"cluster","error":{"code","message"}} for a cluster that could not be checked. The exit code is the worst of the clusters\'.'
  static override flags = {
    all: Flags.boolean({ description: 'every cluster of pitrctl.ini, one after another', exclusive: ['cluster'] }),
  }

  async run(): Promise<void> {
    if (this.flags.all) {
      const fleet = await forEachCluster({ configFlag: this.flags.config, progress: this.progress() }, checkCluster, exitCodeOf)
      return emitFleet(fleet, { json: this.json, render: renderCheck, failure: (r) => `${r.checks.filter((c) => !c.ok).length} check(s) failed` })
    }
    const ctx = await this.context()
    const report = await checkCluster(ctx)
    this.emit(report, renderCheck)
    if (!report.ok) this.failWith(exitCodeOf(report), `${report.checks.filter((c) => !c.ok).length} check(s) failed`, 'fix the lines marked FAIL')
  }
}
