/**
 * The recovery settings PostgreSQL 12+ reads as ordinary GUCs, built from a restore request,
 * and the quoting rules for writing them. Exactly one recovery target is ever set
 * (PostgreSQL refuses two: tool-reference §1.7), always with an explicit UTC offset for times.
 */
import { formatLsn } from './lsn.js'
import type { RecoveryAction, RecoveryTarget, TimelineChoice } from './recovery-target.js'
import { pgUtcFromMicros } from './time.js'

export const RECOVERY_TARGET_GUCS = [
  'recovery_target',
  'recovery_target_time',
  'recovery_target_xid',
  'recovery_target_lsn',
  'recovery_target_name',
] as const

export const RECOVERY_GUCS = [...RECOVERY_TARGET_GUCS, 'recovery_target_inclusive', 'recovery_target_timeline', 'recovery_target_action'] as const

export interface RecoveryRequest {
  readonly target: RecoveryTarget
  /** false with --exclusive */
  readonly inclusive: boolean
  readonly timeline: TimelineChoice
  readonly action: RecoveryAction
}

/**
 * Every recovery GUC with the value pitrctl wants; null means "must not be set". Inclusive and
 * action only mean something with a target, so they are left unset (PostgreSQL's default) for
 * latest, where Barman refuses an action outright.
 */
export function toRecoverySettings(req: RecoveryRequest): Record<(typeof RECOVERY_GUCS)[number], string | null> {
  const s: Record<(typeof RECOVERY_GUCS)[number], string | null> = {
    recovery_target: null,
    recovery_target_time: null,
    recovery_target_xid: null,
    recovery_target_lsn: null,
    recovery_target_name: null,
    recovery_target_inclusive: null,
    recovery_target_timeline: timelineSetting(req.timeline),
    recovery_target_action: null,
  }
  const t = req.target
  switch (t.kind) {
    case 'latest':
      return s
    case 'immediate':
      s.recovery_target = 'immediate'
      break
    case 'time':
      s.recovery_target_time = pgUtcFromMicros(t.at)
      break
    case 'xid':
      s.recovery_target_xid = t.xid
      break
    case 'lsn':
      s.recovery_target_lsn = formatLsn(t.lsn)
      break
    case 'name':
      s.recovery_target_name = t.name
      break
  }
  if (t.kind === 'time' || t.kind === 'xid' || t.kind === 'lsn') s.recovery_target_inclusive = req.inclusive ? 'on' : 'off'
  s.recovery_target_action = req.action
  return s
}

export function timelineSetting(t: TimelineChoice): string {
  return t.kind === 'id' ? String(t.id) : t.kind
}

/** a value as a quoted string in postgresql.conf syntax: `'` doubled, `\` escaped */
export function quoteGucValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

/** a SQL string literal under standard_conforming_strings (ALTER SYSTEM takes no parameters) */
export function quoteSqlLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be sent to PostgreSQL')
  return `'${value.replace(/'/g, "''")}'`
}

const SHELL_SAFE = /^[A-Za-z0-9_./=:,+@-]+$/

/** one word for `sh -c`, single-quoted unless it is plainly safe */
export function shellQuote(word: string): string {
  if (word !== '' && SHELL_SAFE.test(word)) return word
  return `'${word.replace(/'/g, `'\\''`)}'`
}

/**
 * An archive_command/restore_command from words, where `%p`/`%f` placeholders stay live and every
 * other `%` is doubled (an archive directory named `100%full` would otherwise expand, L20).
 * Control characters cannot be quoted safely through PostgreSQL and the shell: refused.
 */
export function buildWalCommand(words: readonly (string | { readonly placeholder: '%p' | '%f' | '%r' })[]): string {
  return words
    .map((w) => {
      if (typeof w !== 'string') return w.placeholder
      // biome-ignore lint: control characters are exactly what is being refused
      if (/[\u0000-\u001f\u007f]/.test(w)) throw new Error(`cannot be quoted safely for a WAL command: ${JSON.stringify(w)}`)
      return shellQuote(w).replace(/%/g, '%%')
    })
    .join(' ')
}

/** parse the simple `name = 'value'` lines of a postgresql.conf-style file, last one wins */
export function parseConfLines(content: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of content.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=?\s*(.*?)\s*$/.exec(line)
    if (!m || line.trim().startsWith('#')) continue
    out.set(m[1]!.toLowerCase(), unquoteConfValue(m[2]!))
  }
  return out
}

export function unquoteConfValue(raw: string): string {
  const v = raw.trim()
  if (v.startsWith("'")) {
    let out = ''
    for (let i = 1; i < v.length; i++) {
      const c = v[i]!
      if (c === "'") {
        if (v[i + 1] === "'") {
          out += "'"
          i++
          continue
        }
        return out
      }
      if (c === '\\' && i + 1 < v.length) {
        const n = v[++i]!
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n
        continue
      }
      out += c
    }
    return out
  }
  return v.replace(/\s*#.*$/, '')
}
