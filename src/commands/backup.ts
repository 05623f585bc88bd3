import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderBackup } from '../cli/render.js'
import { takeBackup } from '../services/backup.js'
import { primaryTool } from '../services/context.js'
import { expireAfterBackup } from '../services/expire-auto.js'

export default class Backup extends BaseCommand<typeof Backup> {
  static override summary = "take a backup with the cluster's tool and print its record"
  static override flags = {
    type: Flags.string({ options: ['full', 'incr', 'diff'], default: 'full', description: 'backup type (what the tool supports)' }),
    label: Flags.string({ description: 'a label kept with the backup' }),
    tool: Flags.string({ description: "one of the cluster's tools (default: the primary)" }),
    'dry-run': Flags.boolean({ description: 'print the commands; change nothing' }),
  }

  async run(): Promise<void> {
    const ctx = await this.context({ dryRun: this.flags['dry-run'] })
    const tool = primaryTool(ctx, this.flags.tool)
    const b = await takeBackup(ctx, tool, { type: this.flags.type as 'full' | 'incr' | 'diff', label: this.flags.label })
    this.emit(b, renderBackup, ctx)
    // expire-auto = on: the backup is done and printed; a failed expire does not undo it
    const failed = b ? await expireAfterBackup(ctx) : undefined
    if (failed) this.failWith(failed.exitCode, `backup ${b!.id} succeeded, but expire-auto failed: ${failed.message}`, failed.hint ?? 'run pitrctl expire --dry-run to see why')
  }
}
