import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderSchedule, renderScheduleWritten } from '../cli/schedule-render.js'
import { loadConfig, selectCluster } from '../config/load.js'
import { buildSchedule, SCHEDULE_FORMATS, writeSchedule, type ScheduleFormat } from '../services/schedule.js'

export default class Schedule extends BaseCommand<typeof Schedule> {
  static override summary = "the scheduled jobs for the cluster's schedule-* keys: systemd units, a cron.d file or Kubernetes CronJobs"
  static override description = [
    'Backups (schedule-full/diff/incr) run `pitrctl backup --type T`, then `pitrctl expire --yes` when expire-auto = on; schedule-verify runs `pitrctl verify --restore --newest`.',
    'systemd: a .service and a .timer per job (Persistent=true); a cron expression that restricts both day fields has no exact OnCalendar and is refused.',
    'cron: one file in /etc/cron.d format (with the user field). kubernetes: batch/v1 CronJobs that run on the database host with its paths mounted (see --image, --node).',
    'Printed on stdout, or written into --out DIR. --json prints {"cluster","format","files":[{"name","content"}]}.',
  ].join('\n')
  static override examples = ['sudo <%= config.bin %> schedule --format systemd --out /etc/systemd/system', '<%= config.bin %> schedule --format cron --out /etc/cron.d']
  static override flags = {
    format: Flags.string({ options: [...SCHEDULE_FORMATS], default: 'systemd', description: 'what to generate' }),
    out: Flags.string({ description: 'write the files into this directory (created if missing) instead of printing them' }),
    image: Flags.string({ description: 'kubernetes: the container image holding pitrctl, PostgreSQL and the tools (default pitrctl:<version>)' }),
    namespace: Flags.string({ description: 'kubernetes: metadata.namespace of the CronJobs (default: none, kubectl picks)' }),
    node: Flags.string({ description: 'kubernetes: the database host node name the pods must run on (default: this host name)' }),
  }

  async run(): Promise<void> {
    const config = await loadConfig(this.flags.config)
    const cluster = selectCluster(config, this.flags.cluster)
    const result = buildSchedule(config, cluster, {
      format: this.flags.format as ScheduleFormat,
      image: this.flags.image ?? `pitrctl:${this.config.version}`,
      namespace: this.flags.namespace,
      node: this.flags.node,
    })
    if (this.flags.out === undefined) return this.emit(result, renderSchedule)
    const written = await writeSchedule(this.flags.out, result)
    for (const f of written.stale) process.stderr.write(`pitrctl: left alone: ${f} is no longer scheduled by any schedule-* key — disable and remove it\n`)
    this.emit(result, (r) => renderScheduleWritten(r, written))
  }
}
