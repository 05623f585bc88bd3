/**
 * What pg_waldump (PostgreSQL 15) says about one segment, reduced to what restores need: commit
 * times (the window's end is the last commit in the contiguous archive), committed xids (to pick
 * the backup for an xid target) and restore points (to refuse a name that is missing or twice).
 * pg_waldump runs with TZ=UTC, so commit times end in "UTC".
 *
 *   rmgr: Transaction len (rec/tot): 34/34, tx: 735, lsn: 0/03000060, prev 0/03000028, desc: COMMIT 2026-11-21 09:31:15.123456 UTC
 *   rmgr: XLOG        len (rec/tot): 98/98, tx: 0, lsn: 0/030001A0, prev …, desc: RESTORE_POINT before_migration
 *
 * Format 2 also keeps what time and xid targets need to be decided exactly (fixture
 * native/15.20/waldump-backup-end-epoch): the latest commit-or-abort time, each BACKUP_END record
 * with the latest such time before it (a time target earlier than that cannot be honoured by the
 * backup it ends), and the first checkpoint's `xid EPOCH:NEXTXID`, which gives the segment's 32-bit
 * xids their epoch.
 *
 *   desc: CHECKPOINT_ONLINE redo 0/7000028; tli 1; prev tli 1; fpw true; xid 1:739; oid 16392; …
 *   desc: COMMIT_PREPARED 738: 2026-12-01 22:09:28.256710 UTC
 *   desc: BACKUP_END 0/7000028
 */
import { WAL_INDEX_FORMAT, type BackupEnd, type RestorePoint, type WalSegmentInfo } from './catalog.js'
import { formatLsn, parseLsn } from './lsn.js'
import { microsFromIso } from './time.js'

const RECORD = /^rmgr: (\S+)\s+len \(rec\/tot\):\s*\d+\/\s*(\d+), tx:\s*(\d+), lsn: ([0-9A-F]+\/[0-9A-F]+), prev [0-9A-F]+\/[0-9A-F]+, desc: (.*)$/
const COMMIT = /^(COMMIT|ABORT)(?:_PREPARED (\d+):)? (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) (UTC|GMT)/

const CHECKPOINT = /^CHECKPOINT_(?:SHUTDOWN|ONLINE) .*?; xid (\d+):(\d+);/

export function parseWaldump(name: string, stdout: string, sha256: string | null): WalSegmentInfo {
  let lastRecordLsn: string | null = null
  let firstCommit: string | null = null
  let lastCommit: string | null = null
  let lastCommitTime: string | null = null
  const xids: number[] = []
  const restorePoints: RestorePoint[] = []
  const backupEnds: BackupEnd[] = []
  let lastXact: string | null = null
  let nextFullXid: string | null = null
  for (const line of stdout.split('\n')) {
    const m = RECORD.exec(line.trim())
    if (!m) continue
    const at = parseLsn(m[4]!)!
    const lsn = formatLsn(at)
    lastRecordLsn = lsn
    const [, rmgr, totLen, tx, , desc] = m as unknown as [string, string, string, string, string, string]
    if (rmgr === 'Transaction') {
      const c = COMMIT.exec(desc)
      if (!c) continue
      const iso = `${c[3]!.replace(' ', 'T')}Z`
      lastCommitTime = iso
      if (lastXact === null || microsFromIso(iso) > microsFromIso(lastXact)) lastXact = iso
      if (c[1] === 'COMMIT') {
        if (firstCommit === null) firstCommit = iso
        lastCommit = iso
        // COMMIT PREPARED is written by another transaction: the prepared one is named in the text.
        const xid = Number(c[2] ?? tx)
        if (xid > 0) xids.push(xid)
      }
    } else if (rmgr === 'XLOG' && desc.startsWith('BACKUP_END ')) {
      const start = parseLsn(desc.slice('BACKUP_END '.length).trim())
      // A record takes its total length rounded up to 8 bytes (MAXALIGN): the next one starts there.
      if (start !== undefined) backupEnds.push({ startLsn: formatLsn(start), lsn, endLsn: formatLsn(at + ((BigInt(totLen) + 7n) & ~7n)), lastXactBefore: lastXact })
    } else if (rmgr === 'XLOG' && nextFullXid === null && CHECKPOINT.test(desc)) {
      const x = CHECKPOINT.exec(desc)!
      nextFullXid = ((BigInt(x[1]!) << 32n) + BigInt(x[2]!)).toString()
    } else if (rmgr === 'XLOG' && desc.startsWith('RESTORE_POINT ')) {
      // The record carries no time pg_waldump prints; the last transaction before it is the best bound.
      restorePoints.push({ name: desc.slice('RESTORE_POINT '.length), lsn, time: lastCommitTime ?? '' })
    }
  }
  return { name, sha256, lastRecordLsn, firstCommit, lastCommit, commitXids: toRuns(xids), restorePoints, format: WAL_INDEX_FORMAT, lastXact, backupEnds, nextFullXid }
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
