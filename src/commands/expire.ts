import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { askYesNo } from '../cli/ask.js'
import { renderExpire } from '../cli/expire-render.js'
import { expireCluster } from '../services/expire.js'

export default class Expire extends BaseCommand<typeof Expire> {
  static override summary = "apply the cluster's retention settings with each tool's own delete commands"
  static override description =
    'pitrctl decides what goes from retention-full, retention-diff, retention-window and the pins (pitrctl keep), the same way for every tool; each tool deletes with its own commands. WAL goes only below the oldest remaining backup.'
  static override examples = ['pitrctl expire --dry-run', 'pitrctl expire --yes']
  static override flags = {
    yes: Flags.boolean({ description: 'do not ask before deleting' }),
    'dry-run': Flags.boolean({ description: 'print the decision and the exact commands; delete nothing' }),
  }

  async run(): Promise<void> {
    const ctx = await this.context({ dryRun: this.flags['dry-run'] })
    const interactive = process.stdin.isTTY && process.stderr.isTTY && !this.json
    const result = await expireCluster(ctx, { yes: this.flags.yes, confirm: interactive ? askYesNo : undefined, auto: false })
    this.emit(result, renderExpire, ctx)
  }
}
