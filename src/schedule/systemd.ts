/**
 * `pitrctl schedule --format systemd`: one `.service` (Type=oneshot, as the run-as user, one
 * ExecStart per command: systemd runs them in order and stops at the first that fails) and one
 * `.timer` (OnCalendar from the cron expression, Persistent=true: a run missed while the machine
 * was off happens at the next boot) per job. OnCalendar without a zone is the host's local time,
 * as cron's schedule is. Pure.
 */
import { toOnCalendar } from '../model/cron.js'
import { generatedBy, type JobSource, type ScheduledJob, type ScheduleFile } from './jobs.js'

export interface SystemdOptions extends JobSource {
  /** absolute argv that starts pitrctl (node and bin/run.js) */
  readonly pitrctl: readonly [string, ...string[]]
  /** User= of the services */
  readonly user: string
}

export function unitBase(cluster: string, job: Pick<ScheduledJob, 'id'>): string {
  return `pitrctl-${cluster}-${job.id}`
}

/** throws NotExpressibleError (model/cron.ts) when a schedule has no exact OnCalendar */
export function renderSystemd(jobs: readonly ScheduledJob[], o: SystemdOptions): ScheduleFile[] {
  const header = `# ${generatedBy('systemd', o)}`
  const files: ScheduleFile[] = []
  for (const job of jobs) {
    const base = unitBase(o.cluster, job)
    const onCalendar = toOnCalendar(job.schedule)
    const what = `pitrctl ${job.title} of cluster ${o.cluster}`
    files.push({
      name: `${base}.service`,
      content: lines([
        header,
        `# Started by ${base}.timer (${job.key} = ${job.schedule}).`,
        '[Unit]',
        `Description=${escapeValue(what)}`,
        'Wants=network-online.target',
        'After=network-online.target',
        '',
        '[Service]',
        'Type=oneshot',
        `User=${o.user}`,
        `SyslogIdentifier=${base}`,
        ...job.commands.map((args) => `ExecStart=${[...o.pitrctl, ...args].map(quoteArg).join(' ')}`),
      ]),
    })
    files.push({
      name: `${base}.timer`,
      content: lines([
        header,
        '[Unit]',
        `Description=${escapeValue(`${what}: schedule`)}`,
        '',
        '[Timer]',
        `# ${job.key} = ${job.schedule} (cron), in this host's local time`,
        `OnCalendar=${onCalendar}`,
        'Persistent=true',
        `Unit=${base}.service`,
        '',
        '[Install]',
        'WantedBy=timers.target',
      ]),
    })
  }
  return files
}

/**
 * One ExecStart word: `%` is a specifier and `$` a variable to systemd, so both are doubled;
 * anything beyond a plain word is double-quoted with C-style escapes.
 */
export function quoteArg(arg: string): string {
  const escaped = escapeValue(arg).replace(/\$/g, '$$$$')
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** a unit setting's value: specifiers (`%`) doubled */
function escapeValue(v: string): string {
  return v.replace(/%/g, '%%')
}

function lines(ls: readonly string[]): string {
  return `${ls.join('\n')}\n`
}
