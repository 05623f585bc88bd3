import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseRecoveryLog } from '../../../src/model/recovery-log.js'
import { parseWaldump, toRuns } from '../../../src/model/waldump.js'

const FIX = 'test/fixtures/native/15.20'

describe('pg_waldump (PostgreSQL 15.20, TZ=UTC)', () => {
  it('finds commits, their xids and the last record of a segment', () => {
    const info = parseWaldump('000000010000000000000007', readFileSync(`${FIX}/waldump/stdout`, 'utf8'), 'abc')
    expect(info.name).toBe('000000010000000000000007')
    expect(info.sha256).toBe('abc')
    expect(info.lastCommit).toMatch(/^2026-11-21T10:06:30\.\d{6}Z$/)
    expect(info.firstCommit! <= info.lastCommit!).toBe(true)
    expect(info.commitXids.length).toBeGreaterThan(0)
    expect(info.lastRecordLsn).toMatch(/^0\/7[0-9A-F]{6}$/)
  })

  it('finds a restore point, and an abort is not a commit', () => {
    const info = parseWaldump('000000020000000000000008', readFileSync(`${FIX}/waldump-restore-point/stdout`, 'utf8'), null)
    expect(info.restorePoints).toEqual([{ name: 'before_migration', lsn: '0/8004728', time: '2026-11-21T10:12:39.717961Z' }])
    expect(info.commitXids).toEqual([[730, 730], [732, 732]])
    expect(info.lastCommit).toBe('2026-11-21T10:12:39.718909Z')
  })

  it('a backup end, the epoch of the checkpoint, aborts and prepared commits (cluster at epoch 1)', () => {
    const info = parseWaldump('000000010000000000000007', readFileSync(`${FIX}/waldump-backup-end-epoch/stdout`, 'utf8'), null)
    expect(info.format).toBe(2)
    // CHECKPOINT_ONLINE … xid 1:739: the next full xid is 2^32 + 739
    expect(info.nextFullXid).toBe(String(2 ** 32 + 739))
    // the commit of 739 and COMMIT_PREPARED 738 (written with tx 0); the abort of 740 is no commit
    expect(info.commitXids).toEqual([[738, 739]])
    expect(info.lastCommit).toBe('2026-12-01T22:09:28.256710Z')
    expect(info.lastXact).toBe('2026-12-01T22:09:28.256710Z')
    // BACKUP_END at 0/7000278 (34 bytes, so it ends at 0/70002A0: the stop LSN pg_backup_stop returned)
    expect(info.backupEnds).toEqual([{ startLsn: '0/7000028', lsn: '0/7000278', endLsn: '0/70002A0', lastXactBefore: '2026-12-01T22:09:28.256710Z' }])
  })

  it('an abort counts as a transaction end for time targets, not as a commit', () => {
    const info = parseWaldump('000000020000000000000008', readFileSync(`${FIX}/waldump-restore-point/stdout`, 'utf8'), null)
    expect(info.lastXact! >= info.lastCommit!).toBe(true)
    expect(info.nextFullXid).toBe('730') // CHECKPOINT_SHUTDOWN … xid 0:730
    expect(info.backupEnds).toEqual([])
  })

  it('merges xids into runs', () => {
    expect(toRuns([5, 3, 4, 9, 10, 12, 3])).toEqual([[3, 5], [9, 10], [12, 12]])
  })
})

describe('server log of a recovery', () => {
  const log = parseRecoveryLog(readFileSync(`${FIX}/recovery-log/time-target.log`, 'utf8'))
  it('reads where recovery stopped and how far redo went', () => {
    expect(log.stop).toMatchObject({ when: 'before', what: 'commit', xid: '729', time: '2026-11-21 10:06:30.040024+00' })
    expect(log.redoDoneAt).toBe('0/7000278')
    expect(log.consistentAt).toBe('0/5000100')
    expect(log.lastTransactionTime).toBe('2026-11-21 10:06:29.966763+00')
    expect(log.endedBeforeTarget).toBe(false)
  })

  // Lines as PostgreSQL 15 writes them (xlogrecovery.c, postmaster.c); one per outcome.
  it.each([
    ['LOG:  recovery stopping after WAL location (LSN) "0/5000100"', { what: 'lsn', when: 'after', lsn: '0/5000100' }],
    ['LOG:  recovery stopping at restore point "before_m5", time 2026-11-21 10:08:00.1+00', { what: 'restore-point', name: 'before_m5' }],
    ['LOG:  recovery stopping after reaching consistency', { what: 'consistency' }],
    ['LOG:  recovery stopping after commit of transaction 741, time 2026-11-21 10:08:00.1+00', { what: 'commit', when: 'after', xid: '741' }],
  ])('%s', (line, want) => {
    expect(parseRecoveryLog(`2026-11-21 10:08:01.000 UTC [1] ${line}\n`).stop).toMatchObject(want)
  })

  it('sees the failures pg_ctl hides (L2) and a corrupt record that ends redo quietly (L24)', () => {
    const fatal = parseRecoveryLog('2026-11-21 10:00:00.000 UTC [1] FATAL:  recovery ended before configured recovery target was reached\n')
    expect(fatal.endedBeforeTarget).toBe(true)
    expect(fatal.problems).toHaveLength(1)
    const corrupt = parseRecoveryLog('LOG:  incorrect resource manager data checksum in record at 0/3030D30\nLOG:  redo done at 0/3030CF8\nLOG:  selected new timeline ID: 2\n')
    expect(corrupt.problems[0]).toMatch(/incorrect resource manager/)
    expect(corrupt.newTimeline).toBe(2)
    expect(parseRecoveryLog('LOG:  shutdown at recovery target\n').shutdownAtTarget).toBe(true)
  })
})
