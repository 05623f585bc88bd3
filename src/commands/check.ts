import { BaseCommand } from '../cli/base-command.js'
import { renderCheck } from '../cli/render.js'
import { EXIT } from '../errors.js'
import { checkCluster } from '../services/check.js'

export default class Check extends BaseCommand<typeof Check> {
  static override summary = 'config, tools, server settings, archiver health, repositories: one line per check'

  async run(): Promise<void> {
    const ctx = await this.context()
    const report = await checkCluster(ctx)
    this.emit(report, renderCheck)
    if (!report.ok)
      this.failWith(report.missingTool ? EXIT.notInstalled : EXIT.toolFailed, `${report.checks.filter((c) => !c.ok).length} check(s) failed`, 'fix the lines marked FAIL')
  }
}
