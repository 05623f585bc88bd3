import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderList } from '../cli/render.js'
import { selectTools } from '../services/context.js'
import { listBackups } from '../services/list.js'

export default class List extends BaseCommand<typeof List> {
  static override summary = "the cluster's backups from every tool, oldest first, and the recoverable window"
  static override flags = { tool: Flags.string({ description: "only this one of the cluster's tools" }) }

  async run(): Promise<void> {
    const ctx = await this.context()
    this.emit(await listBackups(ctx, selectTools(ctx, this.flags.tool)), renderList)
  }
}
