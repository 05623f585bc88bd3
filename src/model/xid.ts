/**
 * 64-bit transaction ids (FullTransactionId: epoch << 32 | xid), as txid_current() and
 * pg_current_xact_id() print them, against the 32-bit xids the WAL records carry. Pure.
 *
 * PostgreSQL's recovery_target_xid keeps the low 32 bits and stops at the first commit of that
 * xid it replays, whatever its epoch. The WAL tells the epoch: each checkpoint record holds the
 * next full xid (`xid EPOCH:XID`, kept per segment by the WAL index), and every xid in WAL written
 * near it lies within 2^31 of it, so the signed 32-bit distance to it gives the full id.
 */
import type { ArchivedWal } from './catalog.js'
import type { TimelineSpan } from './timeline.js'
import { DEFAULT_SEGMENT_BYTES, parseSegmentName } from './wal-name.js'

export const XID_MOD = 1n << 32n

/**
 * How far (in segments) a checkpoint's next xid may be from a commit and still give its epoch for
 * certain: 2^31 xids cannot be assigned in fewer segments (a commit record lists at most one xid
 * per 4 bytes, so 512 segments of 16 MiB hold at most 2^31). Farther, the epoch is reported unknown.
 */
export const MAX_REF_DISTANCE_SEGMENTS = 512n

export function epochOf(full: bigint): bigint {
  return full / XID_MOD
}

/** the full id of 32-bit `xid` written near the point whose next full xid is `ref` */
export function fullXidNear(xid: number, ref: bigint): bigint {
  const low = ref % XID_MOD
  let d = (BigInt(xid) - low) % XID_MOD
  if (d < 0n) d += XID_MOD
  if (d >= XID_MOD / 2n) d -= XID_MOD
  return ref + d
}

export interface XidCommit {
  readonly segno: bigint
  readonly name: string
  /** the full id of the commit, or null when no checkpoint record near enough says its epoch */
  readonly full: bigint | null
}

/**
 * Every archived segment on `path` holding a commit of 32-bit `xid`, oldest first, each with the
 * full id that commit has.
 */
export function findXidCommits(xid: number, path: readonly TimelineSpan[], wal: ArchivedWal): XidCommit[] {
  const seg = BigInt(DEFAULT_SEGMENT_BYTES)
  const onPath = (name: string) => {
    const id = parseSegmentName(name)
    if (!id || !wal.segments.has(name)) return undefined
    let tli = path[0]!.timeline
    for (let i = path.length - 1; i >= 0; i--)
      if (id.segno >= path[i]!.begin / seg) {
        tli = path[i]!.timeline
        break
      }
    return tli === id.timeline ? id.segno : undefined
  }
  const refs: { segno: bigint; ref: bigint }[] = []
  const hits: { segno: bigint; name: string }[] = []
  for (const info of wal.index.values()) {
    const segno = onPath(info.name)
    if (segno === undefined) continue
    if (info.nextFullXid) refs.push({ segno, ref: BigInt(info.nextFullXid) })
    if (info.commitXids.some(([a, b]) => xid >= a && xid <= b)) hits.push({ segno, name: info.name })
  }
  hits.sort((a, b) => (a.segno < b.segno ? -1 : a.segno > b.segno ? 1 : 0))
  return hits.map((h) => {
    let best: { d: bigint; ref: bigint } | undefined
    for (const r of refs) {
      const d = r.segno > h.segno ? r.segno - h.segno : h.segno - r.segno
      if (d <= MAX_REF_DISTANCE_SEGMENTS && (!best || d < best.d)) best = { d, ref: r.ref }
    }
    return { ...h, full: best ? fullXidNear(xid, best.ref) : null }
  })
}
