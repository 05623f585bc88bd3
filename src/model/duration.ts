/**
 * The contract's durations (`48h`, `7d`: a whole number and s, m, h, d or w) and the way pitrctl
 * prints a measured age back (`3h12m`). Pure.
 */

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const

/** milliseconds, or undefined when `text` is not a duration */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,9})\s*([smhdw])$/.exec(text.trim())
  if (!m) return undefined
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
}

/** the largest two units, rounded down: `2d3h`, `12m5s`, `0s` */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?'
  const sign = ms < 0 ? '-' : ''
  let rest = Math.floor(Math.abs(ms) / 1000)
  const parts: string[] = []
  for (const [unit, secs] of [['w', 604_800], ['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / secs)
    rest -= n * secs
    if (n > 0 || (parts.length === 0 && unit === 's')) parts.push(`${n}${unit}`)
    if (parts.length === 2) break
    // once a unit is printed, the next one is printed even when zero only if something follows
    if (parts.length === 1 && rest === 0) break
  }
  return sign + parts.join('')
}
