import { describe, expect, it } from 'vitest'
import { classifyFailure, EXIT_NOT_ARCHIVED } from '../../../../src/adapters/walg/errors.js'
import type { ToolFailureKind } from '../../../../src/errors.js'
import { execStep } from '../../../../src/model/plan.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'
import { recorded } from './fixture.js'

describe('classifyFailure on recorded WAL-G v3.0.9 failures', () => {
  it.each<[string, ToolFailureKind, string]>([
    ['wal-push-overwrite-refused', 'archive-mismatch', "WAL file '/tmp/walg-lab/x/000000010000000000000001' already archived, contents differ, unable to overwrite"],
    ['wal-push-overwrite-env', 'archive-mismatch', "WAL file '/tmp/walg-lab/x/000000010000000000000001' already archived, contents differ"],
    ['wal-push-history-differs', 'archive-mismatch', "WAL file '/tmp/walg-lab/y/00000002.history' already archived, contents differ"],
    ['wal-push-no-storage', 'not-initialized', "FS storage root directory doesn't exist or is inaccessible: stat /tmp/walg-lab/repo/storage"],
    ['backup-list-no-storage', 'not-initialized', 'configure primary storage: configure storage with prefix "/tmp/walg-lab/repo/storage"'],
    ['st-check-read-no-storage', 'not-initialized', 'failed to init folder for storage "default"'],
    ['st-ls-wal-no-storage', 'not-initialized', "FS storage root directory doesn't exist"],
    ['config-missing', 'not-initialized', 'Failed to parse config file /tmp/walg-lab/absent.json. open /tmp/walg-lab/absent.json: no such file or directory; Failed to find any configured storage'],
    ['config-unparsable', 'not-initialized', 'Failed to parse config file /tmp/walg-lab/broken.json. While parsing config: unexpected end of JSON input; Failed to find any configured storage'],
    ['backup-fetch-missing', 'backup-not-found', "Failed to select backup: Backup 'base_0000000100000000000000AA' does not exist."],
    ['wal-verify-backup-missing', 'backup-not-found', 'Backup with specified name "base_0000000100000000000000AA" was not found'],
    ['backup-push-server-down', 'db-unreachable', 'cannot connect to PostgreSQL: failed to connect to `user=postgres database=postgres`: /tmp/walg-lab/.s.PGSQL.25300'],
    ['wal-verify-server-down', 'db-unreachable', 'cannot connect to PostgreSQL: failed to connect to `user=postgres database=postgres`: /tmp/walg-lab/.s.PGSQL.25300'],
    ['backup-push-wrong-datadir', 'db-unreachable', "Data directory from command line '/tmp/walg-lab/restore1' is not the same as Postgres' one '/tmp/walg-lab/data'"],
    ['wal-fetch-corrupt', 'corrupt', 'unexpected EOF'],
    ['backup-fetch-nonempty', 'unknown', 'Failed to fetch backup: Directory /tmp/walg-lab/nonempty for delta base must be empty'],
    ['wal-fetch-dest-exists', 'unknown', 'open /tmp/walg-lab/fetch/000000010000000000000004: file exists'],
    ['wal-fetch-missing', 'unknown', '0000000100000000000000FF is not in the WAL-G archive'],
    ['wal-fetch-history-missing', 'unknown', '00000002.history is not in the WAL-G archive'],
  ])('%s -> %s', (name, kind, summary) => {
    const r = recorded(name)
    expect(r.exitCode).not.toBe(0)
    const f = classifyFailure(r.step, r.result)
    expect(f.kind).toBe(kind)
    expect(f.summary).toContain(summary)
    expect(f).toMatchObject({ tool: 'walg', exitCode: r.exitCode, argv: r.argv })
  })

  it('WAL-G exits 1 for everything but a WAL file that is not archived (74)', () => {
    expect(recorded('wal-fetch-missing').exitCode).toBe(EXIT_NOT_ARCHIVED)
    expect(recorded('wal-fetch-history-missing').exitCode).toBe(EXIT_NOT_ARCHIVED)
    for (const name of ['wal-push-overwrite-refused', 'backup-push-server-down', 'wal-fetch-corrupt', 'backup-fetch-missing', 'config-missing'])
      expect(recorded(name).exitCode).toBe(1)
  })

  it('keeps the tail of stderr', () => {
    const r = recorded('backup-push-server-down')
    const f = classifyFailure(r.step, r.result)
    expect(f.stderrTail).toHaveLength(4)
    expect(f.stderrTail.at(-1)).toMatch(/Connect: postgres connection failed: .*127\.0\.0\.1:5432/)
  })
})

describe('classifyFailure without tool output', () => {
  const step = execStep('backup', 'full backup', ['wal-g', '--config', '/x/walg.json', 'backup-push', '/pgdata', '--full'])
  const result = (over: Partial<ProcessResult>): ProcessResult => ({
    argv: step.argv,
    exitCode: undefined,
    signal: undefined,
    stdout: '',
    stderr: '',
    durationMs: 1,
    timedOut: false,
    ok: false,
    ...over,
  })

  it.each<[Partial<ProcessResult>, ToolFailureKind, string]>([
    [{ spawnError: 'spawn wal-g ENOENT' }, 'not-installed', 'cannot start wal-g: spawn wal-g ENOENT'],
    [{ timedOut: true, signal: 'SIGTERM' }, 'timeout', 'full backup: no answer in time'],
    [{ signal: 'SIGKILL' }, 'unknown', 'full backup: wal-g was killed by SIGKILL'],
    [{ exitCode: 2, stderr: 'panic: something\n' }, 'unknown', 'full backup failed with exit code 2'],
  ])('%o -> %s', (over, kind, summary) => {
    expect(classifyFailure(step, result(over))).toMatchObject({ kind, summary })
  })
})
