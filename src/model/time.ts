/**
 * Instants with microsecond precision (PostgreSQL's), as bigint microseconds since the epoch,
 * and the zone arithmetic the `--to` grammar needs. Pure: `now` and zones are passed in.
 */
export type Micros = bigint

export function microsFromDate(d: Date): Micros {
  return BigInt(d.getTime()) * 1000n
}

export function microsFromIso(iso: string): Micros {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) throw new Error(`not a time: ${iso}`)
  // Date.parse keeps milliseconds only; recover the rest of a 6-digit fraction when present.
  const frac = /\.(\d{4,6})/.exec(iso)?.[1]
  const extra = frac ? BigInt(frac.padEnd(6, '0').slice(3, 6)) : 0n
  return BigInt(ms) * 1000n + extra
}

export function dateFromMicros(us: Micros): Date {
  return new Date(Number(us / 1000n))
}

/** `2026-11-21T09:31:15.000Z`: the contract's JSON time form (milliseconds) */
export function isoFromMicros(us: Micros): string {
  return dateFromMicros(floorDiv(us, 1000n) * 1000n).toISOString()
}

/** `2026-11-21 09:31:15.123456+00`: the form PostgreSQL reads without consulting its timezone */
export function pgUtcFromMicros(us: Micros): string {
  const d = dateFromMicros(floorDiv(us, 1000000n) * 1000000n)
  const micros = Number(us - floorDiv(us, 1000000n) * 1000000n)
  const base = d.toISOString().slice(0, 19).replace('T', ' ')
  return micros === 0 ? `${base}+00` : `${base}.${String(micros).padStart(6, '0')}+00`
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && a < 0n ? q - 1n : q
}

/** the system zone (honours TZ), used when [global] timezone is not set */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>()

/** offset of `zone` from UTC at the instant `ms`, in milliseconds (east positive) */
export function zoneOffsetMs(zone: string, ms: number): number {
  let f = partsFormatters.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    partsFormatters.set(zone, f)
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]))
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second))
  return asUtc - Math.floor(ms / 1000) * 1000
}

export type WallClockResolution =
  | { readonly kind: 'ok'; readonly ms: number }
  | { readonly kind: 'gap' }
  | { readonly kind: 'overlap'; readonly earlierMs: number; readonly laterMs: number }

/**
 * The instant(s) at which the wall clock of `zone` shows `wallMs` (a wall time encoded as if it
 * were UTC). Around a DST change there may be none (gap) or two (overlap): never guess.
 */
export function resolveWallClock(zone: string, wallMs: number): WallClockResolution {
  const day = 86_400_000
  const candidates = new Set<number>()
  for (const probe of [wallMs - day, wallMs, wallMs + day]) {
    const t = wallMs - zoneOffsetMs(zone, probe)
    if (t + zoneOffsetMs(zone, t) === wallMs) candidates.add(t)
  }
  const found = [...candidates].sort((a, b) => a - b)
  if (found.length === 0) return { kind: 'gap' }
  if (found.length > 1) return { kind: 'overlap', earlierMs: found[0]!, laterMs: found[found.length - 1]! }
  return { kind: 'ok', ms: found[0]! }
}

/** `2026-03-10 19:58:00+09:00` for display: the instant in `zone`, with its offset */
export function formatInZone(us: Micros, zone: string): string {
  const ms = Number(floorDiv(us, 1000n))
  const off = zoneOffsetMs(zone, ms)
  const wall = new Date(Math.floor(ms / 1000) * 1000 + off).toISOString().slice(0, 19).replace('T', ' ')
  const sign = off < 0 ? '-' : '+'
  const abs = Math.abs(off) / 60000
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  const micros = Number(us - floorDiv(us, 1000000n) * 1000000n)
  const frac = micros === 0 ? '' : `.${String(micros).padStart(6, '0').replace(/0+$/, '')}`
  return `${wall}${frac}${sign}${hh}:${mm}`
}
