import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderSetup } from '../cli/render.js'
import { setupCluster } from '../services/setup.js'

export default class Setup extends BaseCommand<typeof Setup> {
  static override summary = "write each tool's config and repository, set archive_command, prove archiving works"
  static override flags = { 'dry-run': Flags.boolean({ description: 'print what would be written and run; change nothing' }) }

  async run(): Promise<void> {
    const ctx = await this.context({ dryRun: this.flags['dry-run'] })
    this.emit(await setupCluster(ctx), renderSetup, ctx)
  }
}
