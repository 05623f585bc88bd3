/**
 * Human text of `pitrctl schedule`: the files themselves (to pipe or read), or what was written
 * and what to run next. Pure.
 */
import path from 'node:path'
import type { ScheduleResult, WrittenSchedule } from '../services/schedule.js'

export function renderSchedule(r: ScheduleResult): string {
  if (r.format === 'cron') return r.files.map((f) => f.content).join('')
  // kubernetes: one YAML stream (`kubectl apply -f -`); systemd: each unit under its name
  if (r.format === 'kubernetes') return r.files.map((f) => f.content).join('---\n')
  return r.files.map((f) => `# ==> ${f.name} <==\n${f.content}`).join('\n')
}

export function renderScheduleWritten(r: ScheduleResult, w: WrittenSchedule): string {
  const lines = w.written.map((f) => `wrote ${f}`)
  const dir = w.written[0] ? path.dirname(w.written[0]) : '.'
  if (r.format === 'systemd') {
    const timers = r.files.filter((f) => f.name.endsWith('.timer')).map((f) => f.name)
    lines.push(`next: systemctl daemon-reload && systemctl enable --now ${timers.join(' ')}`)
  } else if (r.format === 'cron') lines.push(dir === '/etc/cron.d' ? 'cron reads /etc/cron.d by itself: nothing else to do' : `next: install it as /etc/cron.d/${r.files[0]!.name} (root-owned, mode 0644)`)
  else lines.push(`next: kubectl apply -f ${dir}`)
  return lines.join('\n')
}
