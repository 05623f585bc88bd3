import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { primaryTool } from '../services/context.js'
import { checkedWalFetch } from '../services/checked-wal-fetch.js'
import { WalNotArchivedError } from '../errors.js'

export default class WalFetch extends BaseCommand<typeof WalFetch> {
  static override summary = "restore one WAL file from a tool's archive, checked before PostgreSQL gets it (pitrctl's restore_command)"
  static override args = {
    name: Args.string({ required: true, description: 'WAL file name (%f)' }),
    dest: Args.string({ required: true, description: 'where to put it (%p)' }),
  }
  static override flags = { tool: Flags.string({ description: 'archive to read (default: the cluster\'s first tool)' }) }

  async run(): Promise<void> {
    const ctx = await this.context()
    const tool = primaryTool(ctx, this.flags.tool)
    try {
      await checkedWalFetch((p) => ctx.execute(p, tool), ctx.adapter(tool), ctx.env(tool), this.args.name, this.args.dest)
    } catch (e) {
      // PostgreSQL asks for files that do not exist (the next timeline's history, the end of WAL): quiet.
      if (e instanceof WalNotArchivedError) {
        process.exitCode = 1
        return
      }
      throw e
    }
  }
}
