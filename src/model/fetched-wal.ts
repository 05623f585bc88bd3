/**
 * Is a WAL file fetched from an archive fit to hand to PostgreSQL? A push killed half way can
 * leave a torn copy under the segment's final name (WAL-G's file storage does); PostgreSQL stops
 * recovery on it ("has wrong size") instead of taking the complete copy left in pg_wal. A copy
 * that is provably incomplete or not what its name says is refused here, so restore_command fails
 * the way PostgreSQL reads as "not archived" and recovery uses pg_wal's copy or ends cleanly.
 */
import { parseSegmentHeader } from './wal-page.js'
import { parseSegmentName, walFileKind } from './wal-name.js'

export interface FetchedWal {
  readonly name: string
  /** size of the fetched (decompressed) file */
  readonly bytes: number
  /** its first bytes (at least the 40-byte long page header when the file has them) */
  readonly head: Buffer
  /** sha256 pitrctl's WAL index recorded for this name at push time (raw segment), or null */
  readonly recordedSha256: string | null
  /** sha256 of the fetched file; needed only when recordedSha256 is set */
  readonly sha256: string | null
  /** the cluster's wal_segment_size when known; else the header's own is trusted */
  readonly segmentBytes?: number | undefined
}

const MIN_SEGMENT = 1024 * 1024
const MAX_SEGMENT = 1024 * 1024 * 1024
const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0

/** why the fetched file must not be given to PostgreSQL as `name`, or undefined when it is sound (history, .backup and .partial files pass) */
export function fetchedWalProblem(f: FetchedWal): string | undefined {
  if (walFileKind(f.name) !== 'segment') return undefined
  const header = parseSegmentHeader(f.head)
  if (!header) return f.bytes < 40 ? `it is only ${f.bytes} bytes (an incomplete copy)` : 'it does not start with a WAL page header (not a complete copy of a segment)'
  const size = f.segmentBytes ?? header.segmentBytes
  if (!isPowerOfTwo(size) || size < MIN_SEGMENT || size > MAX_SEGMENT) return `its header gives an impossible segment size ${header.segmentBytes}`
  if (header.segmentBytes !== size) return `its header gives segment size ${header.segmentBytes}, the cluster uses ${size}`
  if (f.bytes !== size) return `it is ${f.bytes} bytes instead of ${size} (an incomplete copy)`
  const id = parseSegmentName(f.name, size)!
  if (header.pageAddr !== id.segno * BigInt(size)) return `its first page is at 0x${header.pageAddr.toString(16).toUpperCase()}, not where ${f.name} begins (a recycled or misnamed file)`
  if (header.timeline > id.timeline) return `its header says timeline ${header.timeline}`
  if (f.recordedSha256 && f.sha256 !== null && f.sha256 !== f.recordedSha256)
    return `its sha256 ${f.sha256.slice(0, 16)}… differs from the ${f.recordedSha256.slice(0, 16)}… recorded when it was archived`
  return undefined
}
