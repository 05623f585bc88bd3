import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderVerify } from '../cli/render.js'
import { EXIT } from '../errors.js'
import { selectTools } from '../services/context.js'
import { verifyBackups } from '../services/verify.js'

export default class Verify extends BaseCommand<typeof Verify> {
  static override summary = "the tool's verification of a backup (default: all) and of the WAL needed to recover it"
  static override args = { backup: Args.string({ description: 'backup id (default: all)' }) }
  static override flags = {
    restore: Flags.boolean({ description: 'also restore into a scratch directory, start it and query it' }),
    tool: Flags.string({ description: "only this one of the cluster's tools" }),
  }

  async run(): Promise<void> {
    const ctx = await this.context()
    const report = await verifyBackups(ctx, selectTools(ctx, this.flags.tool), this.args.backup, this.flags.restore)
    this.emit(report, renderVerify)
    const bad = report.results.filter((r) => !r.ok)
    if (bad.length) this.failWith(EXIT.verifyFailed, `verification found a problem in ${bad.map((r) => r.backup).join(', ')}`, 'read the failed checks above; restore from a backup that passed')
  }
}
