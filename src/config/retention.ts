/**
 * The retention keys of pitrctl.ini (contract: "Object storage, retention, alerts and
 * schedules"): `retention-full`, `retention-diff`, `retention-window`, `expire-auto`, in a
 * cluster section or in [global] as the default for every cluster. A cluster's own key wins.
 */
import type { RetentionSettings } from '../model/retention.js'
import { ConfigError } from '../errors.js'

export const RETENTION_KEYS = ['retention-full', 'retention-diff', 'retention-window', 'expire-auto'] as const
export type RetentionKey = (typeof RETENTION_KEYS)[number]

export type { RetentionSettings }

export const NO_RETENTION: RetentionSettings = { full: undefined, diff: undefined, windowMs: undefined, windowText: undefined, expireAuto: false }

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const

/** `7d`, `36h`, `1.5w`: a number and s, m, h, d or w; undefined when it is not one */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim())
  if (!m) return undefined
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined
}

export function isRetentionKey(k: string): k is RetentionKey {
  return (RETENTION_KEYS as readonly string[]).includes(k)
}

/** the retention keys of one section, validated; keys the section does not set are absent */
export function readRetentionKeys(file: string, section: string, sec: Readonly<Record<string, string>>): Partial<RetentionSettings> {
  const out: { -readonly [K in keyof RetentionSettings]?: RetentionSettings[K] } = {}
  const count = (key: RetentionKey): number => {
    const v = sec[key]!
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 9_999_999)
      throw new ConfigError(file, section, key, `${JSON.stringify(v)} is not a count of backups`, 'give a whole number from 1')
    return Number(v)
  }
  if (sec['retention-full'] !== undefined) out.full = count('retention-full')
  if (sec['retention-diff'] !== undefined) out.diff = count('retention-diff')
  if (sec['retention-window'] !== undefined) {
    const v = sec['retention-window']
    const ms = parseDurationMs(v)
    if (ms === undefined) throw new ConfigError(file, section, 'retention-window', `${JSON.stringify(v)} is not a duration`, 'write a number and s, m, h, d or w, e.g. 7d')
    out.windowMs = ms
    out.windowText = v
  }
  if (sec['expire-auto'] !== undefined) {
    const v = sec['expire-auto'].toLowerCase()
    if (v !== 'on' && v !== 'off') throw new ConfigError(file, section, 'expire-auto', `${JSON.stringify(sec['expire-auto'])} is neither on nor off`, 'write expire-auto = on or off')
    out.expireAuto = v === 'on'
  }
  return out
}

/** a cluster's settings: its own keys over [global]'s */
export function mergeRetention(global: Partial<RetentionSettings>, own: Partial<RetentionSettings>): RetentionSettings {
  return { ...NO_RETENTION, ...global, ...own }
}

/** whether any setting says what may be expired */
export function hasRetentionPolicy(r: RetentionSettings): boolean {
  return r.full !== undefined || r.diff !== undefined || r.windowMs !== undefined
}

/** expire-auto needs something to apply */
export function checkRetention(file: string, section: string, r: RetentionSettings): void {
  if (r.expireAuto && !hasRetentionPolicy(r))
    throw new ConfigError(file, section, 'expire-auto', 'is on, but no retention-full, retention-diff or retention-window applies to this cluster', 'set a retention, or expire-auto = off')
}
