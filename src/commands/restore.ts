import { createInterface } from 'node:readline/promises'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderRestore } from '../cli/render.js'
import { UsageError } from '../errors.js'
import { parseRecoveryTarget, parseTimelineChoice, type RecoveryAction } from '../model/recovery-target.js'
import { parseTablespaceMap } from '../model/tablespaces.js'
import { restoreCluster } from '../services/restore.js'

export default class Restore extends BaseCommand<typeof Restore> {
  static override summary = 'restore and recover to a target: a time, lsn:, xid:, name:, immediate or latest'
  static override examples = [
    "pitrctl restore --to '2026-03-10 19:58:00+09' --start",
    "pitrctl restore --to '10 minutes ago' --into /srv/pg/copy --start",
    'pitrctl restore --to latest --yes --start --action promote',
  ]
  static override flags = {
    to: Flags.string({ required: true, description: 'TARGET: time, "N minutes ago", lsn:X/Y, xid:N, name:NAME, immediate, latest' }),
    backup: Flags.string({ description: 'restore from this backup (default: the newest that reaches the target)' }),
    tool: Flags.string({ description: "one of the cluster's tools (default: the best backup of any)" }),
    into: Flags.string({ description: 'restore a copy into this empty or new directory; the cluster is left alone' }),
    port: Flags.integer({ description: 'port written into the copy (with --into; default: a free port)', min: 1, max: 65535 }),
    action: Flags.string({ options: ['pause', 'promote', 'shutdown'], default: 'pause', description: 'at the target: pause (read-only, look first), promote, shutdown' }),
    exclusive: Flags.boolean({ description: 'stop just before the target (time, lsn, xid)' }),
    timeline: Flags.string({ default: 'latest', description: 'latest, current or a timeline number' }),
    'tablespace-map': Flags.string({ multiple: true, description: "OLD=NEW: restore the tablespace named OLD (or at old path OLD) into NEW (repeatable; default for --into: <DIR>.tablespaces/<name>)" }),
    start: Flags.boolean({ description: 'start the server and wait until recovery reaches the target' }),
    yes: Flags.boolean({ description: 'do not ask before an in-place restore' }),
    'dry-run': Flags.boolean({ description: 'print the plan; change nothing' }),
  }

  async run(): Promise<void> {
    const f = this.flags
    const ctx = await this.context({ dryRun: f['dry-run'] })
    const target = parseRecoveryTarget(f.to, { zone: ctx.timezone, now: new Date() })
    if (f.port !== undefined && f.into === undefined) throw new UsageError('--port goes with --into', { hint: 'an in-place restore keeps the cluster port from pitrctl.ini' })
    const interactive = process.stdin.isTTY && process.stderr.isTTY && !this.json
    const result = await restoreCluster(ctx, {
      target,
      backupId: f.backup,
      tool: f.tool,
      into: f.into,
      port: f.port,
      action: f.action as RecoveryAction,
      exclusive: f.exclusive,
      timeline: parseTimelineChoice(f.timeline),
      tablespaceMaps: (f['tablespace-map'] ?? []).map(parseTablespaceMap),
      start: f.start,
      yes: f.yes,
      confirm: interactive ? ask : undefined,
    })
    this.emit(result, renderRestore, ctx)
  }
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}
