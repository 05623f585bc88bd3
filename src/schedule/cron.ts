/**
 * `pitrctl schedule --format cron`: one file in /etc/cron.d format (each line has the user field),
 * the schedules as written, commands chained with `&&` so expire runs only after a successful
 * backup. Pure.
 */
import { generatedBy, type JobSource, type ScheduledJob, type ScheduleFile } from './jobs.js'

export interface CronOptions extends JobSource {
  readonly pitrctl: readonly [string, ...string[]]
  /** the user field */
  readonly user: string
}

/** `/etc/cron.d` file name: run-parts skips names with dots, so they become underscores */
export function cronFileName(cluster: string): string {
  return `pitrctl-${cluster.replace(/[^A-Za-z0-9_-]/g, '_')}`
}

export function renderCrontab(jobs: readonly ScheduledJob[], o: CronOptions): ScheduleFile[] {
  const name = cronFileName(o.cluster)
  const out = [
    `# ${generatedBy('cron', o)}`,
    `# /etc/cron.d format: every line names the user (${o.user}) that runs it. Install as /etc/cron.d/${name}`,
    '# (owned by root, mode 0644). For a personal crontab (crontab -e) drop the user field.',
    "# Times are this host's local time. cron mails what a job prints to MAILTO.",
    'SHELL=/bin/sh',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  ]
  for (const job of jobs) {
    const command = job.commands.map((args) => [...o.pitrctl, ...args].map(shellQuote).join(' ')).join(' && ')
    out.push('', `# ${job.title} (${job.key})`, `${job.schedule} ${o.user} ${escapePercent(command)}`)
  }
  return [{ name, content: `${out.join('\n')}\n` }]
}

export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

/** cron turns an unescaped `%` in a command into a newline */
function escapePercent(command: string): string {
  return command.replace(/%/g, '\\%')
}
