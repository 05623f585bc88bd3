/**
 * The `schedule-*` keys: standard 5-field cron expressions (minute hour day-of-month month
 * day-of-week, numbers, `*`, lists, ranges, steps, and month/day names), validated with
 * cron-parser, and their translation into systemd's OnCalendar. Pure (the zone is passed in).
 *
 * cron-parser also reads extensions (`L`, `W`, `#`, `?`, `H`, `@daily`, a seconds field) that
 * crond, systemd and Kubernetes do not all share: those are refused, so one expression means the
 * same in all three output formats.
 */
import { CronExpressionParser } from 'cron-parser'

export interface CronFields {
  readonly minute: readonly number[]
  readonly hour: readonly number[]
  readonly dayOfMonth: readonly number[]
  readonly month: readonly number[]
  /** 0 = Sunday … 6 = Saturday (cron's 7 folded into 0) */
  readonly dayOfWeek: readonly number[]
}

export interface CronSchedule {
  readonly expression: string
  readonly fields: CronFields
  /** the field is not `*`: cron then matches a day when EITHER day field matches */
  readonly dayOfMonthRestricted: boolean
  readonly dayOfWeekRestricted: boolean
}

/** a cron expression that systemd's OnCalendar cannot express exactly */
export class NotExpressibleError extends Error {}

const NUMERIC = /^[0-9*,/-]+$/
const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec'
const DAYS = 'sun|mon|tue|wed|thu|fri|sat'
const NAMED = (names: string) => new RegExp(`^(?:[0-9*,/-]|${names})+$`, 'i')
const FIELD_SYNTAX = [NUMERIC, NUMERIC, NUMERIC, NAMED(MONTHS), NAMED(DAYS)] as const
const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const

/** the expression's fields, or an Error saying what is wrong with it */
export function parseCron(expression: string): CronSchedule {
  const text = expression.trim()
  const parts = text.split(/\s+/)
  if (text.startsWith('@')) throw new Error(`${JSON.stringify(text)}: write the 5 fields instead of a @ shorthand (e.g. "0 0 * * *" for @daily)`)
  if (parts.length !== 5) throw new Error(`${JSON.stringify(text)} has ${parts.length} field${parts.length === 1 ? '' : 's'}; cron syntax has 5: minute hour day-of-month month day-of-week`)
  parts.forEach((p, i) => {
    if (!FIELD_SYNTAX[i]!.test(p)) throw new Error(`${JSON.stringify(text)}: the ${FIELD_NAMES[i]} field ${JSON.stringify(p)} uses syntax outside standard cron (numbers, *, lists, ranges, /steps${i >= 3 ? ', names' : ''})`)
  })
  let parsed
  try {
    parsed = CronExpressionParser.parse(text, { tz: 'UTC' })
  } catch (e) {
    throw new Error(`${JSON.stringify(text)}: ${(e as Error).message}`)
  }
  const f = parsed.fields
  const nums = (v: readonly (number | string)[]) => v.filter((x): x is number => typeof x === 'number')
  return {
    expression: text,
    fields: {
      minute: nums(f.minute.values),
      hour: nums(f.hour.values),
      dayOfMonth: nums(f.dayOfMonth.values),
      month: nums(f.month.values),
      dayOfWeek: [...new Set(nums(f.dayOfWeek.values).map((d) => d % 7))].sort((a, b) => a - b),
    },
    dayOfMonthRestricted: parts[2] !== '*',
    dayOfWeekRestricted: parts[4] !== '*',
  }
}

/** the next `count` times the expression fires after `from`, in `timeZone` (cron's local time) */
export function nextCronRuns(expression: string, from: Date, count: number, timeZone: string): Date[] {
  const it = CronExpressionParser.parse(expression.trim(), { tz: timeZone, currentDate: from })
  return it.take(count).map((d) => d.toDate())
}

const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const

/**
 * The OnCalendar value that fires exactly when the cron expression does, in systemd's normalized
 * form (`Mon..Fri *-*-* 02:00:00`). systemd matches a day when the weekday AND the date match;
 * cron, when both day fields are restricted, matches when EITHER does: that is refused.
 */
export function toOnCalendar(expression: string): string {
  const c = parseCron(expression)
  if (c.dayOfMonthRestricted && c.dayOfWeekRestricted)
    throw new NotExpressibleError(
      `schedule ${JSON.stringify(c.expression)} restricts both day-of-month and day-of-week, which cron ORs and systemd ANDs`,
    )
  const f = c.fields
  const minute = component(f.minute, 0, 59)
  const hour = component(f.hour, 0, 23)
  const dom = c.dayOfMonthRestricted ? component(f.dayOfMonth, 1, 31) : '*'
  const month = component(f.month, 1, 12)
  const dow = c.dayOfWeekRestricted ? weekdays(f.dayOfWeek) : ''
  return `${dow ? `${dow} ` : ''}*-${month}-${dom} ${hour}:${minute}:00`
}

/** one OnCalendar component: `*`, `start/step` when the values repeat to the end, else a list with `a..b` runs */
export function component(values: readonly number[], min: number, max: number): string {
  const v = [...new Set(values)].sort((a, b) => a - b)
  const pad = (n: number) => String(n).padStart(2, '0')
  if (v.length === max - min + 1) return '*'
  if (v.length >= 2) {
    const step = v[1]! - v[0]!
    const repeats = v.every((x, i) => x === v[0]! + i * step) && v[v.length - 1]! + step > max
    if (repeats && step > 1) return `${pad(v[0]!)}/${step}`
  }
  return runs(v).map(([a, b]) => (a === b ? pad(a) : b === a + 1 ? `${pad(a)},${pad(b)}` : `${pad(a)}..${pad(b)}`)).join(',')
}

/** weekdays Monday first, as systemd orders them (its ranges do not wrap past Sunday) */
function weekdays(days: readonly number[]): string {
  const mondayFirst = [...new Set(days)].map((d) => (d + 6) % 7).sort((a, b) => a - b)
  const name = (i: number) => WEEKDAY[(i + 1) % 7]!
  return runs(mondayFirst).map(([a, b]) => (a === b ? name(a) : b === a + 1 ? `${name(a)},${name(b)}` : `${name(a)}..${name(b)}`)).join(',')
}

function runs(sorted: readonly number[]): [number, number][] {
  const out: [number, number][] = []
  for (const x of sorted) {
    const last = out[out.length - 1]
    if (last && x === last[1] + 1) last[1] = x
    else out.push([x, x])
  }
  return out
}
