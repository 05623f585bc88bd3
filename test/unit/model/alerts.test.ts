import { describe, expect, it } from 'vitest'
import { judgeArchiveLag, judgeBackupAge, judgeBackupFailures, judgeRepoUsage, newestOkBackup, usedPercent } from '../../../src/model/alerts.js'
import { parseAttempts, renderAttemptLine, trailingFailures, type BackupAttempt } from '../../../src/model/backup-attempts.js'
import type { Backup } from '../../../src/model/catalog.js'

const NOW = Date.parse('2026-11-21T12:00:00Z')
const H = 3_600_000

function backup(id: string, stop: string | null, status: Backup['status'] = 'ok', tool: Backup['tool'] = 'pgbackrest'): Backup {
  return {
    id, tool, type: 'full', status, start: stop, stop, startLsn: '0/2000028', stopLsn: '0/2000100', timeline: 1,
    walStart: '000000010000000000000002', walStop: '000000010000000000000002', size: null, storedSize: null, parent: null, pgVersion: '15', systemId: '1', label: null,
  }
}

describe('alert-backup-age', () => {
  it('the newest ok backup of any tool counts; failed and running ones do not', () => {
    const b = newestOkBackup([
      backup('a', '2026-11-21T01:00:00Z'),
      backup('b', '2026-11-21T09:00:00Z', 'ok', 'native'),
      backup('c', '2026-11-21T11:00:00Z', 'error'),
      backup('d', null, 'running'),
    ])
    expect(b?.id).toBe('b')
    expect(newestOkBackup([backup('x', '2026-11-21T11:00:00Z', 'error')])).toBeUndefined()
  })
  it('passes at or under the threshold, fails over it, with the measured age', () => {
    const b = backup('20261121-090000F', '2026-11-21T09:00:00Z')
    expect(judgeBackupAge(b, NOW, 3 * H)).toEqual({ name: 'backup age (alert-backup-age 3h)', ok: true, detail: 'newest ok backup 20261121-090000F (pgbackrest) ended 3h ago' })
    const late = judgeBackupAge(b, NOW, 2 * H)
    expect(late.ok).toBe(false)
    expect(late.detail).toBe('newest ok backup 20261121-090000F (pgbackrest) ended 3h ago')
    expect(judgeBackupAge(b, NOW + 1000, 3 * H).ok).toBe(false)
  })
  it('no good backup at all fails', () => {
    expect(judgeBackupAge(undefined, NOW, H)).toMatchObject({ ok: false, detail: 'no backup with status ok yet' })
  })
})

describe('alert-archive-lag', () => {
  it('no .ready file passes', () => {
    expect(judgeArchiveLag({ count: 0, oldest: undefined }, NOW, 60_000)).toMatchObject({ ok: true, detail: 'no segment waiting to be archived' })
  })
  it('judges the oldest waiting segment', () => {
    const pending = { count: 3, oldest: { name: '000000010000000000000007', mtimeMs: NOW - 90_000 } }
    expect(judgeArchiveLag(pending, NOW, 120_000)).toEqual({ name: 'archive lag (alert-archive-lag 2m)', ok: true, detail: '3 segments waiting; the oldest, 000000010000000000000007, for 1m30s' })
    expect(judgeArchiveLag(pending, NOW, 60_000).ok).toBe(false)
  })
})

describe('alert-backup-failures', () => {
  const at = (m: number, outcome: BackupAttempt['outcome']): BackupAttempt => ({ at: new Date(NOW + m * 60_000).toISOString(), tool: 'native', type: 'full', outcome, ...(outcome === 'failed' ? { error: 'native: pg_basebackup failed' } : {}) })
  it('counts the failures after the last success, by time', () => {
    expect(trailingFailures([at(0, 'failed'), at(1, 'ok'), at(2, 'failed'), at(3, 'failed')])).toHaveLength(2)
    expect(trailingFailures([at(0, 'failed'), at(1, 'failed')])).toHaveLength(2)
    expect(trailingFailures([at(3, 'ok'), at(1, 'failed')])).toHaveLength(0) // appended out of order: time decides
    expect(trailingFailures([])).toHaveLength(0)
  })
  it('fails when that many in a row failed', () => {
    const two = [at(0, 'ok'), at(2, 'failed'), at(3, 'failed')]
    expect(judgeBackupFailures(two, 3).ok).toBe(true)
    const j = judgeBackupFailures(two, 2)
    expect(j.ok).toBe(false)
    expect(j.name).toBe('backup failures (alert-backup-failures 2)')
    expect(j.detail).toBe(`2 backup attempts in a row failed; the last at ${at(3, 'failed').at} (native): native: pg_basebackup failed`)
    expect(judgeBackupFailures([...two, at(4, 'ok')], 1)).toMatchObject({ ok: true, detail: `the last attempt, at ${at(4, 'ok').at} (native), succeeded` })
    expect(judgeBackupFailures([], 1)).toEqual({ name: 'backup failures (alert-backup-failures 1)', ok: true, detail: 'no backup attempt recorded yet' })
  })
  it('the attempts file: one JSON line each; a torn or foreign line is skipped', () => {
    const a = at(0, 'ok')
    const text = `${renderAttemptLine(a)}${renderAttemptLine(at(1, 'failed'))}not json\n{"at":"x"}\n{"at":"2026-11-21T12:05:00.000Z","tool":"native","ty`
    expect(parseAttempts(text)).toEqual([a, at(1, 'failed')])
  })
})

describe('alert-repo-usage', () => {
  it("computes df's Use%: used / (used + available), rounded up", () => {
    expect(usedPercent({ blocks: 1000, bfree: 300, bavail: 250 })).toBe(74) // 700 / 950 = 73.7
    expect(usedPercent({ blocks: 1000, bfree: 1000, bavail: 1000 })).toBe(0)
    expect(usedPercent({ blocks: 0, bfree: 0, bavail: 0 })).toBe(0)
  })
  it('fails above the percentage', () => {
    const u = { path: '/var/backups/pitrctl/main', blocks: 1000, bfree: 300, bavail: 250 }
    expect(judgeRepoUsage(u, 80)).toEqual({ name: 'repository usage (alert-repo-usage 80%)', ok: true, detail: 'the file system of /var/backups/pitrctl/main is 74% full' })
    expect(judgeRepoUsage(u, 74).ok).toBe(true)
    expect(judgeRepoUsage(u, 73.5).ok).toBe(false)
  })
  it('a repository that is not a local directory is not measured', () => {
    expect(judgeRepoUsage(undefined, 80, 'the repository is object storage')).toMatchObject({ ok: true, detail: 'not measured: the repository is object storage' })
  })
})
