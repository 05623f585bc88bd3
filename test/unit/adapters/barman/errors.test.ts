import { describe, expect, it } from 'vitest'
import { barmanAdapter } from '../../../../src/adapters/barman/index.js'
import type { ToolFailureKind } from '../../../../src/errors.js'
import { execStep } from '../../../../src/model/plan.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'
import { recorded } from './support.js'

function classify(fixture: string) {
  const r = recorded(fixture)
  expect(r.ok, `${fixture} is a recorded failure`).toBe(false)
  return barmanAdapter.classifyFailure(execStep('step', 'barman step', r.argv as [string, ...string[]]), r)
}

describe('classifyFailure over recorded Barman 3.4.0 failures', () => {
  it.each<[string, ToolFailureKind, RegExp]>([
    ['backup-lock-held', 'lock-held', /Another backup process is running/],
    ['missing-config', 'not-initialized', /Configuration file '\/tmp\/barman-lab\/nosuch\/barman.conf' does not exist/],
    ['unknown-server', 'not-initialized', /Unknown server 'nosuch'/],
    ['recover-unknown-backup', 'backup-not-found', /Unknown backup '20261121T000000'/],
    ['show-backup-missing-name', 'backup-not-found', /Unknown backup 'first-full'/],
    ['verify-backup-corrupt', 'corrupt', /verify backup failure on directory/],
    ['verify-backup-corrupt-json', 'corrupt', /verify backup failure on directory/],
    ['backup-name-ambiguous-lookup', 'corrupt', /validity of a failed backup cannot be checked/],
    ['switch-wal-archive-timeout', 'archive-failed', /000000010000000000000017 has not been received in 5 seconds/],
    ['switch-wal-server-down', 'db-unreachable', /Unable to perform pg_switch_wal/],
    ['check-server-down', 'db-unreachable', /PostgreSQL: FAILED/],
    ['check-archiver-errors', 'archive-mismatch', /archiver errors: FAILED \(duplicates: 1\)/],
    ['check-no-wal', 'archive-failed', /WAL archive: FAILED/],
    // "Impossible to start the backup" follows any failed pre-backup check: not guessed at
    ['backup-server-down', 'unknown', /Impossible to start the backup/],
    ['backup-archiving-broken', 'unknown', /Impossible to start the backup/],
    ['check-failed-backup', 'unknown', /failed backups: FAILED \(there are 1 failed backups\)/],
    ['recover-time-before-end', 'unknown', /is before the backup end time/],
    ['recover-action-without-pitr', 'unknown', /Can't enable recovery target action when PITR is not required/],
    ['get-wal-missing', 'unknown', /WAL file '0000000100000000000000FF' not found in server 'pg1'/],
    ['get-wal-bad-name', 'unknown', /'notawal' is not a valid wal file name/],
  ])('%s → %s', (fixture, kind, summary) => {
    const f = classify(fixture)
    expect(f.kind).toBe(kind)
    expect(f.summary).toMatch(summary)
    expect(f.tool).toBe('barman')
    expect(f.exitCode).toBe(recorded(fixture).exitCode)
    expect(f.stderrTail.length).toBeGreaterThan(0)
  })

  it('get-wal for a name that is no WAL file exits 3, everything else 1', () => {
    expect(recorded('get-wal-bad-name').exitCode).toBe(3)
    expect(recorded('get-wal-missing').exitCode).toBe(1)
  })

})

describe('classifyFailure without a tool answer', () => {
  const step = execStep('backup', 'barman backup pg1', ['barman', '-c', '/repo/barman/barman.conf', 'backup', 'pg1'])
  const base: ProcessResult = { argv: step.argv, exitCode: undefined, signal: undefined, stdout: '', stderr: '', durationMs: 1, timedOut: false, ok: false }

  it.each<[string, ProcessResult, ToolFailureKind, string]>([
    ['not installed', { ...base, spawnError: 'program not found' }, 'not-installed', 'cannot start barman: program not found'],
    ['timed out', { ...base, timedOut: true, signal: 'SIGTERM' }, 'timeout', 'barman backup pg1: no answer in time'],
    ['killed', { ...base, signal: 'SIGKILL' }, 'unknown', 'barman backup pg1: barman was killed by SIGKILL'],
    // the lock message would say lock-held: a killed process is not classified by its last words
    ['killed mid-message', { ...base, signal: 'SIGTERM', stderr: 'ERROR: Another backup process is running\n' }, 'unknown', 'barman backup pg1: barman was killed by SIGTERM'],
  ])('%s -> %s', (_why, result, kind, summary) => {
    const f = barmanAdapter.classifyFailure(step, result)
    expect(f.kind).toBe(kind)
    expect(f.summary).toBe(summary)
    expect(f.tool).toBe('barman')
    expect(f.argv).toEqual(step.argv)
  })
})
