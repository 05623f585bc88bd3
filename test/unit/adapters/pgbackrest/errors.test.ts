import { describe, expect, it } from 'vitest'
import { classifyFailure, parseErrorOutput } from '../../../../src/adapters/pgbackrest/errors.js'
import type { ToolFailureKind } from '../../../../src/errors.js'
import { execStep } from '../../../../src/model/plan.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'
import { recorded } from './fixture.js'

describe('classifyFailure on recorded pgBackRest 2.45 failures', () => {
  it.each<[string, ToolFailureKind, string]>([
    ['backup-lock-held', 'lock-held', "[050] unable to acquire lock on file '/tmp/pgbackrest-lab/m/lock/main-backup.lock'"],
    ['backup-db-down', 'db-unreachable', '[056] unable to find primary cluster - cannot proceed (DbConnectError: unable to connect to'],
    ['check-db-down', 'db-unreachable', '[027] no database found (DbConnectError:'],
    ['stanza-create-db-down', 'db-unreachable', '[056] unable to find primary cluster'],
    ['stanza-create-missing-pgdata', 'db-unreachable', "(FileMissingError: unable to open missing file '/tmp/pgbackrest-lab/does-not-exist/global/pg_control' for read)"],
    ['restore-pg-running', 'server-running', '[038] unable to restore while PostgreSQL is running'],
    ['restore-no-set', 'backup-not-found', '[075] backup set 20261121-000000F is not valid'],
    ['restore-time-no-backup', 'backup-not-found', "[075] unable to find backup set with stop time less than '2026-11-21 09:00:00+00'"],
    ['restore-not-empty', 'unknown', "[040] unable to restore to path '/tmp/pgbackrest-lab/r3' because it contains files"],
    ['archive-push-dup-diff', 'archive-mismatch', '[045] WAL file \'000000010000000000000004\' already exists in the repo1 archive with a different checksum'],
    ['archive-push-other-cluster', 'archive-mismatch', '[044] WAL file'],
    ['archive-push-no-stanza', 'not-initialized', '[103] unable to find a valid repository:'],
    ['check-no-stanza', 'not-initialized', "[055] unable to load info file '/tmp/pgbackrest-lab/m/repo/archive/other/archive.info'"],
    ['backup-no-stanza', 'not-initialized', "[055] unable to load info file '/tmp/pgbackrest-lab/m/repo/backup/other/backup.info'"],
    ['stanza-create-mismatch', 'archive-mismatch', '[028] backup and archive info files exist but do not match the database'],
    ['check-mismatch', 'archive-mismatch', '[028] backup and archive info files exist but do not match the database'],
    ['check-archive-timeout', 'archive-failed', '[082] WAL segment 000000010000000000000019 was not archived before the 5000ms timeout'],
    ['check-archive-command', 'archive-failed', "[068] archive_command '../push.sh %p' must contain pgbackrest"],
    ['backup-archive-command', 'archive-failed', '[068] archive_command'],
    ['backup-stopped', 'unknown', '[062] stop file exists for stanza main: `pgbackrest stop` was run for it; `pgbackrest start` allows commands again'],
    ['archive-push-stopped', 'unknown', '[062] stop file exists for stanza main'],
    ['backup-bad-value', 'unknown', "[032] 'zero' is not valid for 'process-max' option"],
    ['info-text-missing-config', 'unknown', "[055] unable to open missing file '/tmp/pgbackrest-lab/nope.conf' for read"],
    ['restore-default-target-action', 'unknown', "[031] option 'target-action' not valid without option 'type'"],
    ['restore-immediate-timeline', 'unknown', "[031] option 'target-timeline' not valid without option 'type'"],
    ['archive-get-missing', 'unknown', '000000010000000000000099 is not in the pgBackRest archive'],
    ['archive-get-history-missing', 'unknown', '00000002.history is not in the pgBackRest archive'],
  ])('%s -> %s', (name, kind, summary) => {
    const r = recorded(name)
    expect(r.exitCode).not.toBe(0)
    const f = classifyFailure(r.step, r.result)
    expect(f.kind).toBe(kind)
    expect(f.summary).toContain(summary)
    expect(f).toMatchObject({ tool: 'pgbackrest', exitCode: r.exitCode, argv: r.argv })
  })

  it('pgBackRest exits with its error code', () => {
    for (const name of ['backup-lock-held', 'restore-pg-running', 'archive-push-dup-diff', 'check-archive-timeout'])
      expect(recorded(name).exitCode).toBe(parseErrorOutput(recorded(name).stderr)!.code)
  })

  it('keeps the tail of stderr, warnings included', () => {
    const f = classifyFailure(recorded('backup-db-down').step, recorded('backup-db-down').result)
    expect(f.stderrTail[0]).toMatch(/^WARN: option 'repo1-retention-full' is not set/)
    expect(f.stderrTail.at(-1)).toBe('       HINT: are all available clusters in recovery?')
  })
})

describe('parseErrorOutput', () => {
  it('takes the first ERROR with its HINT and nested-cause lines, after any WARN', () => {
    const e = parseErrorOutput(recorded('backup-no-stanza').stderr)!
    expect(e.code).toBe(55)
    expect(e.message).toBe(
      "unable to load info file '/tmp/pgbackrest-lab/m/repo/backup/other/backup.info' or '/tmp/pgbackrest-lab/m/repo/backup/other/backup.info.copy':",
    )
    expect(e.text.split('\n')).toHaveLength(5)
    expect(e.text).toContain('HINT: has a stanza-create been performed?')
  })

  it('finds nothing in a warning-only stderr', () => {
    expect(parseErrorOutput(recorded('archive-push-dup-same').stderr)).toBeUndefined()
  })
})

describe('failures that are not pgBackRest errors', () => {
  const step = execStep('backup', 'full backup', ['pgbackrest', '--stanza=main', 'backup'])
  const base: ProcessResult = { argv: step.argv, exitCode: undefined, stdout: '', stderr: '', durationMs: 5, ok: false, signal: undefined, timedOut: false }

  it.each<[string, Partial<ProcessResult>, ToolFailureKind, RegExp]>([
    ['not installed', { exitCode: undefined, spawnError: 'spawn pgbackrest ENOENT' }, 'not-installed', /cannot start pgbackrest: spawn pgbackrest ENOENT/],
    ['timed out', { exitCode: undefined, timedOut: true }, 'timeout', /full backup: no answer in time/],
    ['killed', { exitCode: undefined, signal: 'SIGKILL' }, 'unknown', /killed by SIGKILL/],
    ['no ERROR line', { exitCode: 3 }, 'unknown', /full backup failed with exit code 3/],
  ])('%s', (_what, over, kind, summary) => {
    const f = classifyFailure(step, { ...base, ...over })
    expect(f.kind).toBe(kind)
    expect(f.summary).toMatch(summary)
  })
})
