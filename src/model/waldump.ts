/**
 * What pg_waldump (PostgreSQL 15) says about one segment, reduced to what restores need: commit
 * times (the window's end is the last commit in the contiguous archive), committed xids (to pick
 * the backup for an xid target) and restore points (to refuse a name that is missing or twice).
 * pg_waldump runs with TZ=UTC, so commit times end in "UTC".
 *
 *   rmgr: Transaction len (rec/tot): 34/34, tx: 735, lsn: 0/03000060, prev 0/03000028, desc: COMMIT 2026-11-21 09:31:15.123456 UTC
 *   rmgr: XLOG        len (rec/tot): 98/98, tx: 0, lsn: 0/030001A0, prev …, desc: RESTORE_POINT before_migration
 */
import type { RestorePoint, WalSegmentInfo } from './catalog.js'
import { formatLsn, parseLsn } from './lsn.js'

const RECORD = /^rmgr: (\S+)\s+len \(rec\/tot\):\s*\d+\/\s*\d+, tx:\s*(\d+), lsn: ([0-9A-F]+\/[0-9A-F]+), prev [0-9A-F]+\/[0-9A-F]+, desc: (.*)$/
const COMMIT = /^(COMMIT|ABORT)(?:_PREPARED)?(?: \d+:)? (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) (UTC|GMT)/

export function parseWaldump(name: string, stdout: string, sha256: string | null): WalSegmentInfo {
  let lastRecordLsn: string | null = null
  let firstCommit: string | null = null
  let lastCommit: string | null = null
  let lastCommitTime: string | null = null
  const xids: number[] = []
  const restorePoints: RestorePoint[] = []
  for (const line of stdout.split('\n')) {
    const m = RECORD.exec(line.trim())
    if (!m) continue
    const lsn = formatLsn(parseLsn(m[3]!)!)
    lastRecordLsn = lsn
    const [, rmgr, tx, , desc] = m as unknown as [string, string, string, string, string]
    if (rmgr === 'Transaction') {
      const c = COMMIT.exec(desc)
      if (!c) continue
      const iso = `${c[2]!.replace(' ', 'T')}Z`
      lastCommitTime = iso
      if (c[1] === 'COMMIT') {
        if (firstCommit === null) firstCommit = iso
        lastCommit = iso
        const xid = Number(tx)
        if (xid > 0) xids.push(xid)
      }
    } else if (rmgr === 'XLOG' && desc.startsWith('RESTORE_POINT ')) {
      // The record carries no time pg_waldump prints; the last transaction before it is the best bound.
      restorePoints.push({ name: desc.slice('RESTORE_POINT '.length), lsn, time: lastCommitTime ?? '' })
    }
  }
  return { name, sha256, lastRecordLsn, firstCommit, lastCommit, commitXids: toRuns(xids), restorePoints }
}

/** sorted, merged [from, to] runs: a busy segment holds thousands of commits */
export function toRuns(xids: readonly number[]): [number, number][] {
  const sorted = [...new Set(xids)].sort((a, b) => a - b)
  const runs: [number, number][] = []
  for (const x of sorted) {
    const last = runs[runs.length - 1]
    if (last && x === last[1] + 1) last[1] = x
    else runs.push([x, x])
  }
  return runs
}
