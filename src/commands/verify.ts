import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderVerify } from '../cli/render.js'
import { EXIT, UsageError } from '../errors.js'
import { selectTools } from '../services/context.js'
import { verifyBackups } from '../services/verify.js'

export default class Verify extends BaseCommand<typeof Verify> {
  static override summary = "the tool's verification of a backup (default: all) and of the WAL needed to recover it"
  static override args = { backup: Args.string({ description: 'backup id (default: all)' }) }
  static override flags = {
    restore: Flags.boolean({ description: 'also restore into a scratch directory, start it and query it' }),
    tool: Flags.string({ description: "only this one of the cluster's tools" }),
    newest: Flags.boolean({ description: "only each tool's newest backup with status ok (what schedule-verify runs)" }),
  }

  async run(): Promise<void> {
    if (this.flags.newest && this.args.backup !== undefined) throw new UsageError('give either a BACKUP or --newest, not both', { hint: 'drop one of them' })
    const ctx = await this.context()
    const report = await verifyBackups(ctx, selectTools(ctx, this.flags.tool), this.args.backup, this.flags.restore, { newest: this.flags.newest })
    this.emit(report, renderVerify)
    const bad = report.results.filter((r) => !r.ok)
    if (bad.length) this.failWith(EXIT.verifyFailed, `verification found a problem in ${bad.map((r) => r.backup).join(', ')}`, 'read the failed checks above; restore from a backup that passed')
  }
}
