import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { walPush } from '../services/archiving.js'

export default class WalPush extends BaseCommand<typeof WalPush> {
  static override summary = "archive one WAL file to every tool of the cluster (pitrctl's archive_command)"
  static override args = { path: Args.string({ required: true, description: 'the WAL file (%p)' }) }
  static override flags = {
    timeout: Flags.integer({ description: 'give up after this many seconds (exit 1; PostgreSQL retries)', default: 600 }),
    'dry-run': Flags.boolean({ description: 'print what would be done; change nothing' }),
  }

  async run(): Promise<void> {
    const ctx = await this.context({ dryRun: this.flags['dry-run'] })
    const r = await walPush(ctx, this.args.path, this.flags.timeout * 1000)
    this.emit(r, () => '', ctx)
  }
}
