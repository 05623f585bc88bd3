import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderMark } from '../cli/render.js'
import { markRestorePoint } from '../services/server-ops.js'

export default class Mark extends BaseCommand<typeof Mark> {
  static override summary = 'create a named restore point to restore to later (--to name:NAME)'
  static override args = { name: Args.string({ required: true, description: 'restore point name (at most 63 bytes)' }) }
  static override flags = { 'dry-run': Flags.boolean({ description: 'print the SQL; change nothing' }) }

  async run(): Promise<void> {
    const ctx = await this.context({ dryRun: this.flags['dry-run'] })
    this.emit(await markRestorePoint(ctx, this.args.name), renderMark, ctx)
  }
}
