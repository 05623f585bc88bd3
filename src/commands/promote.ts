import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderPromote } from '../cli/render.js'
import { promoteServer } from '../services/server-ops.js'

export default class Promote extends BaseCommand<typeof Promote> {
  static override summary = 'end a recovery that paused at its target: promote the server, wait until it accepts writes'
  static override flags = {
    into: Flags.string({ description: 'the restored copy (default: the cluster itself)' }),
    'dry-run': Flags.boolean({ description: 'print the command; change nothing' }),
  }

  async run(): Promise<void> {
    const ctx = await this.context({ dryRun: this.flags['dry-run'] })
    this.emit(await promoteServer(ctx, this.flags.into), renderPromote, ctx)
  }
}
