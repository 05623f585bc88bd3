import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { walFetch } from '../services/archiving.js'
import { primaryTool } from '../services/context.js'
import { UsageError, WalNotArchivedError } from '../errors.js'

export default class WalFetch extends BaseCommand<typeof WalFetch> {
  static override summary = "restore one WAL file from the archive (the native tool's restore_command)"
  static override args = {
    name: Args.string({ required: true, description: 'WAL file name (%f)' }),
    dest: Args.string({ required: true, description: 'where to put it (%p)' }),
  }
  static override flags = { tool: Flags.string({ description: 'archive to read (native)' }) }

  async run(): Promise<void> {
    const ctx = await this.context()
    if (primaryTool(ctx, this.flags.tool ?? (ctx.cluster.tools.includes('native') ? 'native' : undefined)) !== 'native')
      throw new UsageError('wal-fetch serves the native tool only', { hint: "other tools' restore_command is their own get command" })
    try {
      await walFetch(ctx, this.args.name, this.args.dest)
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
