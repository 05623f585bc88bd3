import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { ArchivedWal, Backup, WalSegmentInfo } from '../../../src/model/catalog.js'
import { chooseBaseBackup } from '../../../src/model/choose-backup.js'
import { parseRecoveryTarget, type RecoveryTarget } from '../../../src/model/recovery-target.js'
import { parseWaldump } from '../../../src/model/waldump.js'
import { fullXidNear, findXidCommits } from '../../../src/model/xid.js'
import { refusal } from '../../support/recorded.js'

const E = 2n ** 32n
const seg = (n: number) => `00000001000000000000000${n.toString(16).toUpperCase()}`
const lsn = (n: number, off = 0x28) => `0/${(n * 0x1000000 + off).toString(16).toUpperCase()}`
const target = (s: string): RecoveryTarget => parseRecoveryTarget(s, { zone: 'UTC', now: new Date('2030-01-01T00:00:00Z') })
const latest = { kind: 'latest' } as const

function backup(id: string, startSeg: number, stop: string): Backup {
  return {
    id, tool: 'pgbackrest', type: 'full', status: 'ok', start: stop, stop, startLsn: lsn(startSeg), stopLsn: lsn(startSeg, 0x300), timeline: 1,
    walStart: seg(startSeg), walStop: seg(startSeg), size: 1, storedSize: 1, parent: null, pgVersion: '15', systemId: '1', label: null,
  }
}

function info(n: number, xids: [number, number][], nextFullXid: bigint | null): WalSegmentInfo {
  return {
    name: seg(n), sha256: null, lastRecordLsn: lsn(n, 0x500), firstCommit: `2026-12-01T10:0${n}:00Z`, lastCommit: `2026-12-01T10:0${n}:30Z`,
    commitXids: xids, restorePoints: [], format: 2, lastXact: `2026-12-01T10:0${n}:30Z`, backupEnds: [], nextFullXid: nextFullXid === null ? null : nextFullXid.toString(),
  }
}

const wal = (infos: WalSegmentInfo[]): ArchivedWal => ({ segments: new Set(infos.map((i) => i.name)), histories: new Map(), index: new Map(infos.map((i) => [i.name, i])) })


describe('full transaction ids from 32-bit ones', () => {
  it.each([
    // [xid, next full xid of a nearby checkpoint, full xid]
    [726, E + 739n, E + 726n], // committed before the checkpoint
    [760, E + 739n, E + 760n], // after it
    [4294967290, 2n * E + 10n, E + 4294967290n], // the checkpoint is already in the next epoch
    [5, E + 4294967290n, 2n * E + 5n], // the commit is in the next epoch
    [726, 726n, 726n], // epoch 0
  ])('xid %d near %d is %d', (xid, ref, full) => {
    expect(fullXidNear(xid, ref)).toBe(full)
  })

  it('reads the epoch from a real checkpoint record (pg_resetwal --epoch=1)', () => {
    const real = parseWaldump(seg(7), readFileSync('test/fixtures/native/15.20/waldump-backup-end-epoch/stdout', 'utf8'), null)
    const commits = findXidCommits(739, [{ timeline: 1, begin: 0n, end: undefined }], wal([real]))
    expect(commits).toEqual([{ segno: 7n, name: seg(7), full: E + 739n }])
  })
})

describe('xid targets with an epoch', () => {
  // the cluster is at epoch 5; b1 starts in segment 2, the commits of xids 800..820 are in segment 4
  const epoch5 = 5n * E
  const b1 = backup('b1', 2, '2026-12-01T10:02:10Z')
  const world = wal([info(2, [[700, 710]], epoch5 + 700n), info(3, [[711, 799]], null), info(4, [[800, 820]], null), info(5, [[821, 830]], epoch5 + 821n)])

  it('restores to the 64-bit xid txid_current() printed, and gives PostgreSQL its low 32 bits', () => {
    const t = target(`xid:${epoch5 + 810n}`)
    expect(t).toMatchObject({ kind: 'xid', xid: '810' })
    expect(chooseBaseBackup([b1], world, { target: t, timeline: latest }).backup.id).toBe('b1')
  })

  it('refuses the same 32-bit xid of another epoch (exit 4): PostgreSQL would stop at this one', () => {
    for (const other of [4n, 6n]) {
      const e = refusal(() => chooseBaseBackup([b1], world, { target: target(`xid:${other * E + 810n}`), timeline: latest }))
      expect(e.message).toContain(`transaction ${other * E + 810n} (epoch ${other}, xid 810) has no commit in the archived WAL`)
      expect(e.message).toContain(`is ${epoch5 + 810n} (epoch 5, in ${seg(4)})`)
    }
  })

  it('a 32-bit xid is any epoch, as PostgreSQL reads it', () => {
    expect(chooseBaseBackup([b1], world, { target: target('xid:810'), timeline: latest }).backup.id).toBe('b1')
  })

  it('without a checkpoint record near the commit, the epoch is not confirmed: said, not refused', () => {
    const noRefs = wal([...world.index.values()].map((i) => ({ ...i, nextFullXid: null })))
    const c = chooseBaseBackup([b1], noRefs, { target: target(`xid:${4n * E + 810n}`), timeline: latest })
    expect(c.notes.join(' ')).toMatch(/epoch of xid 810 in 000000010000000000000004 could not be confirmed/)
  })

  it('an index an older pitrctl wrote (no checkpoint xids) behaves the same', () => {
    const old = wal([...world.index.values()].map(({ format: _f, lastXact: _l, backupEnds: _b, nextFullXid: _n, ...rest }) => rest))
    expect(chooseBaseBackup([b1], old, { target: target(`xid:${epoch5 + 810n}`), timeline: latest }).notes.join(' ')).toMatch(/could not be confirmed/)
  })

  it('refuses when the same low 32 bits of an earlier epoch would be replayed first', () => {
    // xid 810 of epoch 4 in segment 3, then xid 810 of epoch 5 in segment 4 (only possible 2^32 xids apart; the rule still holds)
    const clash = wal([info(2, [[700, 710]], epoch5 - E + 700n), info(3, [[810, 810]], epoch5 - E + 805n), info(4, [[800, 820]], epoch5 + 800n)])
    const e = refusal(() => chooseBaseBackup([b1], clash, { target: target(`xid:${epoch5 + 810n}`), timeline: latest }))
    expect(e.message).toMatch(/xid 810 also committed in 000000010000000000000003 as \d+ \(epoch 4\)/)
  })
})
