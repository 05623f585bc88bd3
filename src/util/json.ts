/**
 * JSON.parse that keeps integers beyond 2^53 exact by turning them into strings before parsing.
 * pgBackRest's `system-id` and WAL-G's `system_identifier`/`start_lsn`/`finish_lsn` are bare
 * JSON numbers that JS would silently round (tool-reference.md §1.1).
 * Strings are matched first so digits inside them are left alone, and a long fraction
 * (Barman's `wal_rate_per_second`) is not an integer.
 */
const TOKENS = /("(?:\\.|[^"\\])*")|(?<![.\d])(-?\d{16,})(?![.\deE])/g

export function parseJsonLossless(text: string): unknown {
  const quoted = text.replace(TOKENS, (m, str: string | undefined, big: string | undefined) => {
    if (str !== undefined) return str
    const n = Number(big)
    return Number.isSafeInteger(n) ? m : `"${big}"`
  })
  return JSON.parse(quoted)
}

/** a value that may be a number or a (lossless) numeric string, as a decimal string */
export function integerText(v: unknown): string | null {
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return v
  if (typeof v === 'number' && Number.isInteger(v)) return String(v)
  if (typeof v === 'bigint') return v.toString()
  return null
}
