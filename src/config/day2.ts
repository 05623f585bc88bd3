/**
 * The day-2 keys of pitrctl.ini: `alert-*` thresholds for `pitrctl check`, `schedule-*` cron
 * expressions for `pitrctl schedule` (`expire-auto` is a retention key: config/retention.ts). Each may be set in a cluster section or
 * in `[global]` as the default for every cluster. An empty value (`schedule-incr =`) sets
 * nothing, and in a cluster section it also turns off what `[global]` would give that cluster.
 */
import { ConfigError } from '../errors.js'
import { parseCron } from '../model/cron.js'
import { parseDuration } from '../model/duration.js'

export interface AlertThresholds {
  /** check fails when the newest `ok` backup ended longer ago */
  readonly backupAgeMs: number | undefined
  /** ... when the oldest segment waiting to be archived (`.ready`) is older */
  readonly archiveLagMs: number | undefined
  /** ... when this many backups in a row failed */
  readonly backupFailures: number | undefined
  /** ... when the repository's file system is fuller than this percentage */
  readonly repoUsagePercent: number | undefined
}

export type ScheduledJobKind = 'full' | 'diff' | 'incr' | 'verify'

/** cron expressions (5 fields), as written */
export type Schedules = Readonly<Partial<Record<ScheduledJobKind, string>>>

export interface Day2Config {
  readonly alerts: AlertThresholds
  readonly schedules: Schedules
}

export const ALERT_KEYS = ['alert-backup-age', 'alert-archive-lag', 'alert-backup-failures', 'alert-repo-usage'] as const
export const SCHEDULE_KEYS = ['schedule-full', 'schedule-diff', 'schedule-incr', 'schedule-verify'] as const
export const DAY2_KEYS: readonly string[] = [...ALERT_KEYS, ...SCHEDULE_KEYS]

export function isDay2Key(key: string): boolean {
  return DAY2_KEYS.includes(key)
}

/** the day-2 keys one section sets (validated): undefined where absent, null where set empty */
export type Day2Section = Partial<{ -readonly [K in keyof AlertThresholds]: number | null } & { schedules: Partial<Record<ScheduledJobKind, string | null>> }>

const FIELD: Record<string, Exclude<keyof Day2Section, 'schedules'>> = {
  'alert-backup-age': 'backupAgeMs',
  'alert-archive-lag': 'archiveLagMs',
  'alert-backup-failures': 'backupFailures',
  'alert-repo-usage': 'repoUsagePercent',
}

export function parseDay2Section(file: string, section: string, sec: Readonly<Record<string, string>>): Day2Section {
  const out: Day2Section = {}
  const schedules: Partial<Record<ScheduledJobKind, string | null>> = {}
  for (const [key, raw] of Object.entries(sec)) {
    if (!isDay2Key(key)) continue
    const v = raw.trim()
    if (v === '') {
      if (key.startsWith('schedule-')) schedules[key.slice('schedule-'.length) as ScheduledJobKind] = null
      else out[FIELD[key]!] = null
      continue
    }
    const bad = (problem: string, hint: string) => new ConfigError(file, section, key, problem, hint)
    switch (key) {
      case 'alert-backup-age':
      case 'alert-archive-lag': {
        const ms = parseDuration(v)
        if (ms === undefined) throw bad(`${JSON.stringify(v)} is not a duration`, 'write a number and s, m, h, d or w, e.g. 48h')
        if (ms === 0) throw bad('must be longer than 0', 'write a number and s, m, h, d or w, e.g. 48h')
        out[key === 'alert-backup-age' ? 'backupAgeMs' : 'archiveLagMs'] = ms
        break
      }
      case 'alert-backup-failures': {
        if (!/^\d{1,6}$/.test(v) || Number(v) < 1) throw bad(`${JSON.stringify(v)} is not a positive whole number`, 'write how many failed backups in a row fail the check, e.g. 2')
        out.backupFailures = Number(v)
        break
      }
      case 'alert-repo-usage': {
        const m = /^(\d{1,3}(?:\.\d+)?)\s*%$/.exec(v)
        if (!m || Number(m[1]) > 100) throw bad(`${JSON.stringify(v)} is not a percentage`, 'write a percentage from 0% to 100%, e.g. 80%')
        out.repoUsagePercent = Number(m[1])
        break
      }
      default: {
        try {
          parseCron(v)
        } catch (e) {
          throw bad((e as Error).message, 'write 5 cron fields, e.g. 0 2 * * * for 02:00 every day')
        }
        schedules[key.slice('schedule-'.length) as ScheduledJobKind] = v
      }
    }
  }
  if (Object.keys(schedules).length) out.schedules = schedules
  return out
}

/** a cluster's settings: its own section's keys over [global]'s */
export function mergeDay2(global: Day2Section, cluster: Day2Section): Day2Config {
  const pick = <K extends Exclude<keyof Day2Section, 'schedules'>>(k: K): Exclude<Day2Section[K], null> | undefined =>
    ((cluster[k] !== undefined ? cluster[k] : global[k]) ?? undefined) as Exclude<Day2Section[K], null> | undefined
  const schedules: Partial<Record<ScheduledJobKind, string>> = {}
  for (const [k, v] of Object.entries({ ...global.schedules, ...cluster.schedules })) if (v) schedules[k as ScheduledJobKind] = v
  return {
    alerts: { backupAgeMs: pick('backupAgeMs'), archiveLagMs: pick('archiveLagMs'), backupFailures: pick('backupFailures'), repoUsagePercent: pick('repoUsagePercent') },
    schedules,
  }
}
