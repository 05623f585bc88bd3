/**
 * Every adapter side by side (Kysely's testSql): one table holds what each tool's plans look like
 * for the same request, its capabilities and how it classifies the failures every program can
 * have. The per-tool tests check exact argv against recorded runs; this one keeps the five
 * comparable, so a change to one tool's shape shows up here beside the others.
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Adapter, ToolEnv } from '../../../src/adapters/adapter.js'
import { adapterFor } from '../../../src/adapters/registry.js'
import type { Backup } from '../../../src/model/catalog.js'
import type { Plan } from '../../../src/model/plan.js'
import { TOOL_IDS, type ToolId } from '../../../src/model/tool-id.js'
import type { ProcessResult } from '../../../src/runner/runner.js'
import { sampleBackup } from '../../support/recorded.js'

function envFor(tool: ToolId): ToolEnv {
  return {
    cluster: 'main', tool, mode: 'managed', repoDir: `/r/${tool}`, options: {}, osUser: 'postgres', pgMajor: 15,
    pg: { pgdata: '/var/lib/postgresql/15/main', binDir: '/usr/lib/postgresql/15/bin', host: '/var/run/postgresql', port: 5432, user: 'postgres', database: 'postgres' },
    pitrctl: ['/usr/bin/node', '/opt/pitrctl/bin/run.js'], configPath: '/etc/pitrctl/pitrctl.ini', stateDir: '/r/.pitrctl',
  }
}

const backupOf = (tool: ToolId): Backup => sampleBackup(tool)

/** a step as one word or two: the program and its subcommand for exec steps, else the step kind */
function shape(p: Plan | undefined): string[] {
  return (p?.steps ?? []).map((s) => (s.kind === 'exec' ? [path.basename(s.argv[0]), s.argv.slice(1).find((a) => !a.startsWith('-') && !a.startsWith('/'))].filter(Boolean).join(' ') : s.kind))
}

interface Expected {
  readonly backupTypes: readonly string[]
  readonly nativeTargets: number
  readonly hasBackupVerify: boolean
  readonly walPush: readonly string[]
  readonly walGet: readonly string[]
  readonly backup: readonly string[]
  readonly verify: readonly string[]
  readonly restore: readonly string[]
  readonly archiveRefresh: readonly string[]
}

const EXPECTED: Record<ToolId, Expected> = {
  native: {
    backupTypes: ['full'], nativeTargets: 6, hasBackupVerify: true,
    walPush: ['archive-copy'], walGet: ['archive-fetch'], backup: ['mkdir', 'write-file', 'pg_basebackup pitrctl native 20261121T093115Z', 'write-file'],
    verify: ['pg_verifybackup'], restore: ['mkdir', 'cp'], archiveRefresh: [],
  },
  pgbackrest: {
    backupTypes: ['full', 'diff', 'incr'], nativeTargets: 6, hasBackupVerify: true,
    walPush: ['pgbackrest archive-push'], walGet: ['pgbackrest archive-get'], backup: ['pgbackrest backup', 'pgbackrest check'],
    verify: ['pgbackrest verify'], restore: ['pgbackrest restore'], archiveRefresh: [],
  },
  barman: {
    backupTypes: ['full'], nativeTargets: 6, hasBackupVerify: true,
    walPush: ['archive-copy'], walGet: ['barman get-wal'], backup: ['barman backup'],
    verify: ['barman check-backup', 'barman json', 'barman json', 'barman json'], restore: ['barman recover'], archiveRefresh: ['barman archive-wal'],
  },
  walg: {
    backupTypes: ['full', 'incr', 'diff'], nativeTargets: 0, hasBackupVerify: false,
    walPush: ['wal-g wal-push'], walGet: ['wal-g wal-fetch'], backup: ['wal-g backup-push'],
    verify: ['wal-g wal-verify'], restore: ['wal-g backup-fetch'], archiveRefresh: [],
  },
  pg_rman: {
    backupTypes: ['full', 'incr'], nativeTargets: 0, hasBackupVerify: true,
    walPush: ['archive-copy'], walGet: ['cp'], backup: ['pg_rman backup', 'pg_rman validate'],
    verify: ['pg_rman validate', 'pg_rman show'], restore: ['mkdir', 'find 1', 'mkdir', 'find 1', 'mkdir', 'mkdir', 'pg_rman restore'], archiveRefresh: [],
  },
}

const adapters: [ToolId, Adapter][] = TOOL_IDS.map((t) => [t, adapterFor(t)!])

describe.each(adapters)('%s', (tool, a) => {
  const env = envFor(tool)
  const want = EXPECTED[tool]

  it('is registered under its own id, with its capabilities', () => {
    expect(a.id).toBe(tool)
    expect(a.capabilities.backupTypes).toEqual(want.backupTypes)
    expect(a.capabilities.nativeTargets).toHaveLength(want.nativeTargets)
    expect(a.capabilities.hasBackupVerify).toBe(want.hasBackupVerify)
    expect(a.programs(env).length).toBeGreaterThan(0)
  })

  it('plans the same requests in its own commands', () => {
    const b = backupOf(tool)
    expect({
      walPush: shape(a.planWalPush(env, '/var/lib/postgresql/15/main/pg_wal/000000010000000000000005')),
      walGet: shape(a.planWalGet(env, '000000010000000000000005', '/tmp/x/000000010000000000000005')),
      backup: shape(a.planBackup(env, { type: 'full', label: undefined, startedAt: new Date('2026-11-21T09:31:15Z') })),
      verify: shape(a.planVerify(env, b, [])),
      restore: shape(a.planRestore(env, { backup: b, dest: '/tmp/dest', target: { kind: 'latest' }, inclusive: true, timeline: { kind: 'id', id: 1 }, action: 'pause', clone: true })),
      archiveRefresh: shape(a.planArchiveRefresh(env)),
    }).toEqual({ walPush: want.walPush, walGet: want.walGet, backup: want.backup, verify: want.verify, restore: want.restore, archiveRefresh: want.archiveRefresh })
  })

  it('marks the read-only steps so --dry-run still runs them', () => {
    const readOnly = (p: Plan) => p.steps.every((s) => (s.kind === 'exec' ? !s.mutates : s.kind === 'archive-fetch'))
    expect(readOnly(a.planWalGet(env, '000000010000000000000005', '/tmp/x/000000010000000000000005'))).toBe(true)
    expect(a.planBackup(env, { type: 'full', label: undefined }).steps.some((s) => s.kind !== 'exec' || s.mutates)).toBe(true)
  })

  const failed = (extra: Partial<ProcessResult>): ProcessResult => ({ argv: [tool], exitCode: undefined, signal: undefined, stdout: '', stderr: '', durationMs: 1, timedOut: false, ok: false, ...extra })
  const step = a.planVersion(env)
  it.each([
    ['a program that is not installed', failed({ spawnError: 'program not found' }), 'not-installed', undefined],
    ['a run that took too long', failed({ timedOut: true, signal: 'SIGTERM' }), 'timeout', /no answer in time/],
    ['a program killed by a signal', failed({ signal: 'SIGKILL', stderr: 'some last words\n' }), 'unknown', /was killed by SIGKILL/],
  ])('classifies %s the same way as every tool', (_what, result, kind, summary?: RegExp) => {
    const f = a.classifyFailure(step, result)
    expect(f.kind).toBe(kind)
    expect(f.tool).toBe(tool)
    if (summary) expect(f.summary).toMatch(summary)
  })

  it('says in words why it takes only the backup types it takes', () => {
    expect(a.capabilities.backupTypesNote.length).toBeGreaterThan(10)
  })
})
