/**
 * WAL positions. An LSN is 64 bits, which a JS number cannot hold exactly, so it is a bigint
 * internally and the `X/X` text PostgreSQL prints everywhere else.
 */
export type Lsn = bigint

const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/

export function parseLsn(text: string): Lsn | undefined {
  const m = LSN_TEXT.exec(text.trim())
  if (!m) return undefined
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`)
}

export function mustParseLsn(text: string, what = 'LSN'): Lsn {
  const lsn = parseLsn(text)
  if (lsn === undefined) throw new Error(`not an ${what}: ${JSON.stringify(text)}`)
  return lsn
}

/** formats as PostgreSQL does: upper-case hex, no padding (`0/3000060`) */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`
}

/** normalises any accepted spelling (lower case, zero padding) to PostgreSQL's */
export function normalizeLsn(text: string): string | undefined {
  const lsn = parseLsn(text)
  return lsn === undefined ? undefined : formatLsn(lsn)
}

/** WAL-G prints LSNs as plain (possibly huge) decimal integers */
export function lsnFromDecimal(text: string): Lsn | undefined {
  return /^\d+$/.test(text) ? BigInt(text) : undefined
}

export function compareLsn(a: Lsn, b: Lsn): number {
  return a < b ? -1 : a > b ? 1 : 0
}
