import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { emitFleet } from '../cli/fleet-output.js'
import { renderList } from '../cli/render.js'
import { selectTools } from '../services/context.js'
import { forEachCluster } from '../services/fleet.js'
import { listBackups } from '../services/list.js'

export default class List extends BaseCommand<typeof List> {
  static override summary = "the cluster's backups from every tool, oldest first, and the recoverable window"
  static override description =
    'With --all: every cluster of pitrctl.ini in turn, each under a "== cluster NAME ==" header; with --json an array, one element per cluster in the file\'s order: the single-cluster list object, or {"cluster","error":{"code","message"}} for a cluster that could not be listed. The exit code is the worst of the clusters\'.'
  static override flags = {
    tool: Flags.string({ description: "only this one of the cluster's tools" }),
    all: Flags.boolean({ description: 'every cluster of pitrctl.ini, one after another', exclusive: ['cluster', 'tool'] }),
  }

  async run(): Promise<void> {
    if (this.flags.all) {
      const fleet = await forEachCluster({ configFlag: this.flags.config, progress: this.progress() }, (ctx) => listBackups(ctx, ctx.cluster.tools))
      return emitFleet(fleet, { json: this.json, render: renderList, failure: () => 'list failed' })
    }
    const ctx = await this.context()
    this.emit(await listBackups(ctx, selectTools(ctx, this.flags.tool)), renderList)
  }
}
