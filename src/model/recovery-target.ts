/**
 * The `--to` grammar of the contract, parsed into a RecoveryTarget. Pure: the clock and zone are
 * passed in. Anything PostgreSQL would read differently from what the user meant is refused
 * (reliability.md L4, L5, T09): ambiguous dates, zone abbreviations, DST gaps and overlaps,
 * xids PostgreSQL would silently read as 0, names longer than 63 bytes.
 */
import { UsageError } from '../errors.js'
import { formatLsn, parseLsn, type Lsn } from './lsn.js'
import { formatInZone, pgUtcFromMicros, resolveWallClock, type Micros } from './time.js'

export type RecoveryTarget =
  | { readonly kind: 'time'; readonly at: Micros; readonly input: string; readonly zone: string }
  | { readonly kind: 'lsn'; readonly lsn: Lsn }
  /**
   * `xid` is what PostgreSQL gets (recovery_target_xid compares 32 bits); `full` is the 64-bit id as
   * txid_current()/pg_current_xact_id() print it, when the input carried an epoch (>= 2^32).
   */
  | { readonly kind: 'xid'; readonly xid: string; readonly full?: string }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'immediate' }
  | { readonly kind: 'latest' }

export type TargetKind = RecoveryTarget['kind']
export const TARGET_KINDS: readonly TargetKind[] = ['time', 'lsn', 'xid', 'name', 'immediate', 'latest']

export type RecoveryAction = 'pause' | 'promote' | 'shutdown'
export type TimelineChoice = { readonly kind: 'latest' } | { readonly kind: 'current' } | { readonly kind: 'id'; readonly id: number }

export interface ParseTargetOptions {
  /** zone for times written without an offset */
  readonly zone: string
  readonly now: Date
}

const MAX_NAME_BYTES = 63
const XID_MOD = 1n << 32n
const MAX_FULL_XID = (1n << 64n) - 1n

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(?:\s*(Z|z|[+-]\d{2}(?::?\d{2})?))?$/
const RELATIVE = /^(\d{1,9})\s+(second|minute|hour|day)s?\s+ago$/i
const UNIT_MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const

function bad(input: string, why: string, hint: string): UsageError {
  return new UsageError(`bad --to ${JSON.stringify(input)}: ${why}`, { hint })
}

const FORMS_HINT =
  "use a time like '2026-03-10 19:58:00+09', '10 minutes ago', lsn:0/3000060, xid:1234, name:NAME, immediate or latest"

export function parseRecoveryTarget(raw: string, opts: ParseTargetOptions): RecoveryTarget {
  const input = raw.trim()
  if (input === '') throw bad(raw, 'it is empty', FORMS_HINT)
  const lower = input.toLowerCase()
  if (lower === 'latest') return { kind: 'latest' }
  if (lower === 'immediate') return { kind: 'immediate' }

  if (lower.startsWith('lsn:')) return parseLsnTarget(input, input.slice(4))
  if (/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(input)) return parseLsnTarget(input, input)
  if (lower.startsWith('xid:')) return parseXidTarget(input, input.slice(4))
  if (lower.startsWith('name:')) return parseNameTarget(input, input.slice(5))

  const rel = RELATIVE.exec(input)
  if (rel) {
    const n = Number(rel[1])
    if (n <= 0) throw bad(input, 'a relative time must be at least 1 unit ago', FORMS_HINT)
    const unit = rel[2]!.toLowerCase() as keyof typeof UNIT_MS
    const ms = opts.now.getTime() - n * UNIT_MS[unit]
    return { kind: 'time', at: BigInt(ms) * 1000n, input, zone: opts.zone }
  }
  if (DATE_TIME.test(input)) return parseTimeTarget(input, opts.zone)
  if (/^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}/.test(input))
    throw bad(input, 'day/month order is ambiguous', "write the date as YYYY-MM-DD, e.g. '2026-03-10 19:58:00+09'")
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s+[A-Za-z]/.test(input))
    throw bad(input, 'zone names and abbreviations are not accepted in a time', "give a numeric offset ('+09', 'Z') or set [global] timezone")
  if (/^\d{1,3}$/.test(input) || /^\d+$/.test(input))
    throw bad(input, 'a bare number is ambiguous', 'write xid:N for a transaction id')
  throw bad(input, 'not a recovery target', FORMS_HINT)
}

function parseLsnTarget(input: string, text: string): RecoveryTarget {
  const lsn = parseLsn(text)
  if (lsn === undefined) throw bad(input, 'not a WAL position', "write it as PostgreSQL prints it, e.g. lsn:0/3000060")
  if (lsn === 0n) throw bad(input, '0/0 is not a valid WAL position', 'take a position from pg_current_wal_lsn() or `pitrctl list`')
  return { kind: 'lsn', lsn }
}

function parseXidTarget(input: string, text: string): RecoveryTarget {
  // PostgreSQL reads `abc` as xid 0 and then fails at the end of recovery (L5, L2): be strict.
  if (!/^\d+$/.test(text)) throw bad(input, 'a transaction id is a positive decimal number', 'e.g. xid:1234 (from txid_current())')
  const value = BigInt(text)
  if (value > MAX_FULL_XID) throw bad(input, 'a transaction id has at most 64 bits', 'give it as txid_current() or pg_current_xact_id() print it')
  // With an epoch (txid_current() on a cluster past its first 2^32 transactions) PostgreSQL keeps
  // the low 32 bits; pitrctl keeps the whole id to check the epoch against the WAL.
  const xid = value % XID_MOD
  if (xid < 3n)
    throw bad(input, value === xid ? 'transaction ids 0, 1 and 2 are reserved' : `its low 32 bits are ${xid}, a reserved transaction id`, 'give a normal transaction id (3 or more)')
  return value === xid ? { kind: 'xid', xid: xid.toString() } : { kind: 'xid', xid: xid.toString(), full: value.toString() }
}

function parseNameTarget(input: string, name: string): RecoveryTarget {
  if (name === '') throw bad(input, 'the restore point name is empty', 'e.g. name:before_migration')
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES)
    throw bad(input, `a restore point name has at most ${MAX_NAME_BYTES} bytes`, 'use the name pitrctl mark or pg_create_restore_point made')
  // biome-ignore lint: control characters are exactly what is being refused
  if (/[\u0000-\u001f\u007f']/.test(name))
    throw bad(input, 'the name holds a quote or a control character', 'restore point names made by pitrctl mark are plain text')
  return { kind: 'name', name }
}

function parseTimeTarget(input: string, zone: string): RecoveryTarget {
  const m = DATE_TIME.exec(input)!
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number]
  const second = m[6] === undefined ? 0 : Number(m[6])
  const micros = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'))
  const offset = m[8]
  if (month < 1 || month > 12) throw bad(input, 'there is no such month', FORMS_HINT)
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (day < 1 || day > daysInMonth) throw bad(input, `${year}-${m[2]} has no day ${m[3]}`, FORMS_HINT)
  if (hour > 23 || minute > 59 || second > 59)
    throw bad(input, 'hours run 00-23, minutes and seconds 00-59 (no leap seconds)', FORMS_HINT)
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second)

  let instantMs: number
  if (offset !== undefined) {
    instantMs = wallMs - offsetMs(offset)
  } else {
    const r = resolveWallClock(zone, wallMs)
    if (r.kind === 'gap')
      throw bad(input, `that wall-clock time does not exist in ${zone} (clocks skipped it)`, 'give an explicit offset, e.g. +01 or +02')
    if (r.kind === 'overlap')
      throw bad(input, `that wall-clock time happens twice in ${zone} (clocks went back)`, 'give an explicit offset to say which one')
    instantMs = r.ms
  }
  return { kind: 'time', at: BigInt(instantMs) * 1000n + BigInt(micros), input, zone }
}

function offsetMs(text: string): number {
  if (text === 'Z' || text === 'z') return 0
  const sign = text.startsWith('-') ? -1 : 1
  const digits = text.slice(1).replace(':', '')
  const hh = Number(digits.slice(0, 2))
  const mm = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
  return sign * (hh * 60 + mm) * 60_000
}

/** one line for plans and reports: the target and, for times, the resolved instant with its offset */
export function describeTarget(t: RecoveryTarget): string {
  switch (t.kind) {
    case 'time':
      return `time ${formatInZone(t.at, t.zone)} (${pgUtcFromMicros(t.at)})`
    case 'lsn':
      return `lsn ${formatLsn(t.lsn)}`
    case 'xid':
      return t.full === undefined ? `xid ${t.xid}` : `xid ${t.full} (epoch ${BigInt(t.full) / XID_MOD}, xid ${t.xid})`
    case 'name':
      return `restore point '${t.name}'`
    case 'immediate':
      return 'immediate (end of the backup)'
    case 'latest':
      return 'latest (all WAL that can be found)'
  }
}

/** the contract's JSON value for a target */
export function targetToJson(t: RecoveryTarget): string {
  switch (t.kind) {
    case 'time':
      return pgUtcFromMicros(t.at)
    case 'lsn':
      return `lsn:${formatLsn(t.lsn)}`
    case 'xid':
      return `xid:${t.full ?? t.xid}`
    case 'name':
      return `name:${t.name}`
    case 'immediate':
    case 'latest':
      return t.kind
  }
}

export function parseTimelineChoice(raw: string): TimelineChoice {
  const v = raw.trim().toLowerCase()
  if (v === 'latest') return { kind: 'latest' }
  if (v === 'current') return { kind: 'current' }
  if (/^\d{1,10}$/.test(v) && Number(v) >= 1 && Number(v) <= 0xffffffff) return { kind: 'id', id: Number(v) }
  throw new UsageError(`bad --timeline ${JSON.stringify(raw)}`, { hint: 'use latest, current or a timeline number (1 or more)' })
}
