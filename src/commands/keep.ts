import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderKeep } from '../cli/expire-render.js'
import { selectTools } from '../services/context.js'
import { keepBackup } from '../services/pins.js'

export default class Keep extends BaseCommand<typeof Keep> {
  static override summary = 'pin a backup so no retention ever expires it (--off unpins)'
  static override args = { backup: Args.string({ description: 'backup id (or label), as pitrctl list shows it', required: true }) }
  static override flags = {
    off: Flags.boolean({ description: 'unpin: retention applies to the backup again' }),
    tool: Flags.string({ description: "the tool whose backup it is, when several of the cluster's tools have that id" }),
  }

  async run(): Promise<void> {
    const ctx = await this.context()
    this.emit(await keepBackup(ctx, selectTools(ctx, this.flags.tool), this.args.backup, !this.flags.off), renderKeep)
  }
}
