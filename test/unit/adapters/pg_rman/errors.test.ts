import { describe, expect, it } from 'vitest'
import { classifyFailure } from '../../../../src/adapters/pg_rman/errors.js'
import type { ToolFailureKind } from '../../../../src/errors.js'
import { execStep } from '../../../../src/model/plan.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'
import { recorded } from './fixture.js'

describe('classifyFailure on recorded pg_rman 1.3.19 failures', () => {
  it.each<[string, number, ToolFailureKind, string]>([
    ['restore-running', 25, 'server-running', 'PostgreSQL server is running'],
    ['restore-pid-broken', 26, 'server-running', 'invalid data in PID file "/tmp/pg_rman-lab/r6/postmaster.pid"'],
    ['backup-locked', 23, 'lock-held', 'could not lock backup catalog (Another pg_rman is just running. Skip this backup.)'],
    ['backup-server-down', 15, 'db-unreachable', 'could not connect to database postgres'],
    ['restore-no-backup', 21, 'backup-not-found', 'cannot do restore (There is no valid full backup which can be used for given recovery condition.)'],
    ['restore-latest-newdir', 21, 'backup-not-found', 'cannot do restore'],
    ['backup-incr-no-full', 10, 'backup-not-found', 'cannot take an incremental backup (There is no validated full backup with current timeline.)'],
    ['backup-not-initialized', 10, 'not-initialized', 'could not open system identifier file'],
    ['restore-not-initialized', 22, 'not-initialized', 'could not open file "/tmp/pg_rman-lab/empty-catalog/pg_rman.ini"'],
    ['validate-not-initialized', 22, 'not-initialized', 'pg_rman.ini": No such file or directory'],
    ['show-missing-path', 10, 'not-initialized', 'could not get list of backup already taken'],
    ['restore-time-zone', 12, 'unknown', 'with 2026-11-21 10:00:26+00'],
    ['restore-time-fraction', 12, 'unknown', 'with 2026-11-21 10:00:26.5'],
    ['backup-bad-mode', 12, 'unknown', 'invalid backup-mode "diff"'],
    ['relative-path', 12, 'unknown', '-B, --backup-path must be an absolute path'],
    ['init-exists', 2, 'unknown', "backup catalog already exist and it's not empty"],
    ['wal-get-missing', 1, 'backup-not-found', "cp: cannot stat '/tmp/pg_rman-lab/repo/arclog/0000000100000000000000FF'"],
  ])('%s (exit %i) -> %s', (name, exitCode, kind, summary) => {
    const r = recorded(name)
    expect(r.exitCode).toBe(exitCode)
    const f = classifyFailure(r.step, r.result)
    expect(f.kind).toBe(kind)
    expect(f.summary).toContain(summary)
    expect(f.tool).toBe('pg_rman')
    expect(f.exitCode).toBe(exitCode)
    expect(f.argv).toEqual(r.argv)
    expect(f.stderrTail.length).toBeGreaterThan(0)
  })

  it('the check step `test -f system_identifier` failing means no catalog (fixture check-not-initialized)', () => {
    const r = recorded('check-not-initialized', 'catalog')
    expect(r.stderr).toBe('')
    const f = classifyFailure(r.step, r.result)
    expect(f.kind).toBe('not-initialized')
    expect(f.summary).toBe('check-not-initialized failed (exit 1)')
  })

  it('does not trust exit 0 elsewhere: validate exits 0 on CORRUPT (fixture validate-corrupt)', () => {
    expect(recorded('validate-corrupt').exitCode).toBe(0)
    expect(recorded('validate-corrupt').stderr).toContain('is corrupted')
  })
})

describe('classifyFailure without a tool answer', () => {
  const step = execStep('backup', 'pg_rman backup -b full', ['/usr/lib/postgresql/15/bin/pg_rman', 'backup'])
  const base: ProcessResult = { argv: step.argv, exitCode: undefined, signal: undefined, stdout: '', stderr: '', durationMs: 1, timedOut: false, ok: false }

  it.each<[string, ProcessResult, ToolFailureKind, string]>([
    ['not installed', { ...base, spawnError: 'program not found' }, 'not-installed', 'cannot start /usr/lib/postgresql/15/bin/pg_rman: program not found'],
    ['timed out', { ...base, timedOut: true, signal: 'SIGTERM' }, 'timeout', 'pg_rman backup -b full: no answer in time'],
    ['killed', { ...base, signal: 'SIGKILL' }, 'unknown', 'pg_rman backup -b full: /usr/lib/postgresql/15/bin/pg_rman was killed by SIGKILL'],
    // a killed process's stderr may end in anything: the signal decides, not a message
    ['killed mid-message', { ...base, signal: 'SIGKILL', stderr: 'ERROR: could not lock backup catalog\n' }, 'unknown', 'was killed by SIGKILL'],
  ])('%s -> %s', (_why, result, kind, summary) => {
    const f = classifyFailure(step, result)
    expect(f.kind).toBe(kind)
    expect(f.summary).toContain(summary)
    expect(f.tool).toBe('pg_rman')
    expect(f.argv).toEqual(step.argv)
  })
})
