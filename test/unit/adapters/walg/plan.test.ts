import { describe, expect, it } from 'vitest'
import type { Backup } from '../../../../src/model/catalog.js'
import type { RestoreRequest } from '../../../../src/adapters/adapter.js'
import { walgAdapter } from '../../../../src/adapters/walg/index.js'
import { renderConfig, resolveSetup } from '../../../../src/adapters/walg/config.js'
import { DEFAULT_DELTA_MAX_STEPS, planBackupList, planListWal, restoreCommandFor } from '../../../../src/adapters/walg/plan.js'
import { ConfigError } from '../../../../src/errors.js'
import type { ExecStep, Plan, Step, WriteFileStep } from '../../../../src/model/plan.js'
import { adoptedEnv, fixtureFile, labEnv, recorded } from './fixture.js'

const CONFIG = '/tmp/walg-lab/repo/walg.json'

function execs(p: Plan): ExecStep[] {
  return p.steps.filter((s): s is ExecStep => s.kind === 'exec')
}

function only(p: Plan): ExecStep {
  const e = execs(p)
  expect(e).toHaveLength(1)
  return e[0]!
}

/** the recorded argv ran /usr/local/bin/wal-g; the adapter names the program and lets PATH find it */
function recordedArgs(name: string): string[] {
  const argv = recorded(name).argv
  expect(argv[0]).toBe('/usr/local/bin/wal-g')
  return ['wal-g', ...argv.slice(1)]
}

function recordedEnv(name: string): Record<string, string> | undefined {
  return (JSON.parse(fixtureFile(name, 'meta.json')) as { env?: Record<string, string> }).env
}

const backup = (id: string): Backup => ({
  id,
  tool: 'walg',
  type: id.includes('_D_') ? 'delta' : 'full',
  status: 'ok',
  start: null,
  stop: null,
  startLsn: null,
  stopLsn: null,
  timeline: 1,
  walStart: null,
  walStop: null,
  size: null,
  storedSize: null,
  parent: null,
  pgVersion: '15',
  systemId: null,
  label: null,
})

describe('managed configuration file', () => {
  it('renders exactly the walg.json every fixture was recorded with', () => {
    expect(renderConfig(labEnv(), resolveSetup(labEnv()))).toBe(fixtureFile('managed-config', 'walg.json'))
  })

  it('adds pitrctl.ini passthrough settings, upper-cased and sorted, as JSON strings', () => {
    const env = labEnv({ options: { walg_compression_method: 'zstd', AWS_SECRET_ACCESS_KEY: 'CANARY"\\x', WALG_DELTA_MAX_STEPS: '3' } })
    expect(renderConfig(env, resolveSetup(env))).toBe(
      [
        '{',
        '  "AWS_SECRET_ACCESS_KEY": "CANARY\\"\\\\x",',
        '  "PGDATA": "/tmp/walg-lab/data",',
        '  "PGDATABASE": "postgres",',
        '  "PGHOST": "/tmp/walg-lab",',
        '  "PGPORT": "25300",',
        '  "PGUSER": "postgres",',
        '  "WALG_COMPRESSION_METHOD": "zstd",',
        '  "WALG_DELTA_MAX_STEPS": "3",',
        '  "WALG_FILE_PREFIX": "/tmp/walg-lab/repo/storage",',
        '  "WALG_PREVENT_WAL_OVERWRITE": "true"',
        '}',
        '',
      ].join('\n'),
    )
  })

  it.each([
    ['WALG_PREVENT_WAL_OVERWRITE', 'false', /pitrctl sets this WAL-G setting itself/],
    ['walg_file_prefix', '/elsewhere', /pitrctl sets this WAL-G setting itself/],
    ['PGPORT', '5432', /pitrctl sets this WAL-G setting itself/],
    ['WALG_S3_PREFIX', 's3://bucket/x', /managed mode keeps WAL-G's storage in \/tmp\/walg-lab\/repo\/storage/],
    ['WALE_GS_PREFIX', 'gs://bucket/x', /managed mode keeps/],
    ['WALG-COMPRESSION', 'zstd', /not a WAL-G setting name/],
  ])('refuses walg.%s in managed mode', (key, value, problem) => {
    const err = (() => {
      try {
        resolveSetup(labEnv({ options: { [key]: value } }))
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).message).toMatch(problem)
    expect((err as ConfigError).message).toContain(`[main] walg.${key}`)
  })

  it('refuses the same setting given twice in different case', () => {
    expect(() => resolveSetup(labEnv({ options: { WALG_COMPRESSION_METHOD: 'zstd', walg_compression_method: 'lz4' } }))).toThrow(/given twice/)
  })

  it('adopted mode needs an absolute walg.config and takes no other setting but the delta depth', () => {
    expect(resolveSetup(adoptedEnv())).toMatchObject({ mode: 'adopted', configFile: '/etc/wal-g/wal-g.yaml', passthrough: {} })
    expect(resolveSetup(adoptedEnv({ options: { config: '/etc/wal-g/wal-g.yaml', WALG_DELTA_MAX_STEPS: '2' } })).stepOptions).toEqual({ WALG_DELTA_MAX_STEPS: '2' })
    expect(() => resolveSetup(adoptedEnv({ options: {} }))).toThrow(/walg.config/)
    expect(() => resolveSetup(adoptedEnv({ options: { config: 'wal-g.yaml' } }))).toThrow(/absolute path/)
    expect(() => resolveSetup(adoptedEnv({ options: { config: '/etc/wal-g/wal-g.yaml', WALG_COMPRESSION_METHOD: 'zstd' } }))).toThrow(/never rewrites an adopted/)
  })
})

describe('planSetup', () => {
  it('managed: 0700 directories (the FS storage root must exist), the 0600 secret config, then a read check', () => {
    const p = walgAdapter.planSetup(labEnv())
    expect(p.steps.map((s: Step) => [s.kind, 'path' in s ? s.path : undefined, 'mode' in s ? s.mode : undefined])).toEqual([
      ['mkdir', '/tmp/walg-lab/repo', 0o700],
      ['mkdir', '/tmp/walg-lab/repo/storage', 0o700],
      ['write-file', CONFIG, 0o600],
      ['exec', undefined, undefined],
    ])
    const file = p.steps[2] as WriteFileStep
    expect(file.secret).toBe(true)
    expect(file.content).toBe(fixtureFile('managed-config', 'walg.json'))
    const check = p.steps[3] as ExecStep
    expect(check.argv).toEqual(recordedArgs('st-check-read-ok'))
    expect(check.mutates).toBe(false)
  })

  it('adopted: writes nothing, checks the team file can reach its storage', () => {
    const p = walgAdapter.planSetup(adoptedEnv())
    expect(p.steps).toHaveLength(1)
    expect(only(p).argv).toEqual(['wal-g', '--config', '/etc/wal-g/wal-g.yaml', 'st', 'check', 'read'])
  })

  it('never puts a passthrough secret on a command line', () => {
    const env = labEnv({ options: { AWS_SECRET_ACCESS_KEY: 'CANARY123', WALG_LIBSODIUM_KEY: 'CANARY456' } })
    const plans = [
      walgAdapter.planSetup(env),
      walgAdapter.planCheck(env),
      walgAdapter.planWalPush(env, '/tmp/walg-lab/data/pg_wal/000000010000000000000001'),
      walgAdapter.planWalGet(env, '000000010000000000000001', '/tmp/x/000000010000000000000001'),
      walgAdapter.planBackup(env, { type: 'incr', label: 'l' }),
      walgAdapter.planVerify(env, backup('base_000000010000000000000004'), []),
      walgAdapter.planRestore(env, restoreReq('base_000000010000000000000004')),
    ]
    const text = JSON.stringify(plans.flatMap((p) => execs(p).map((s) => [s.argv, s.env ?? {}])))
    expect(text).not.toContain('CANARY')
    expect((walgAdapter.planSetup(env).steps[2] as WriteFileStep).content).toContain('CANARY123')
  })
})

describe('commands as recorded', () => {
  it('version, check', () => {
    expect(walgAdapter.planVersion(labEnv()).argv).toEqual(['wal-g', '--version'])
    expect(walgAdapter.planVersion(labEnv()).mutates).toBe(false)
    expect(only(walgAdapter.planCheck(labEnv())).argv).toEqual(recordedArgs('st-check-read-ok'))
  })

  it('no archive refresh: wal-push stores each file at once', () => {
    expect(walgAdapter.planArchiveRefresh!(labEnv())).toBeUndefined()
    expect(walgAdapter.readArchiveRefresh!(new Map())).toEqual([])
  })

  it('wal-push hands the one file over, refusing to overwrite different content even for an adopted file', () => {
    const s = only(walgAdapter.planWalPush(labEnv(), '/tmp/walg-lab/data/pg_wal/000000010000000000000001'))
    expect(s.argv).toEqual(recordedArgs('wal-push-ok'))
    expect(s.env).toEqual(recordedEnv('wal-push-overwrite-env'))
    const adopted = only(walgAdapter.planWalPush(adoptedEnv(), '/pg/pg_wal/000000010000000000000001'))
    expect(adopted.argv).toEqual(['wal-g', '--config', '/etc/wal-g/wal-g.yaml', 'wal-push', '/pg/pg_wal/000000010000000000000001'])
    expect(adopted.env).toEqual({ WALG_PREVENT_WAL_OVERWRITE: 'true' })
  })

  it('wal-fetch without its background prefetch', () => {
    const s = only(walgAdapter.planWalGet(labEnv(), '000000010000000000000004', '/tmp/walg-lab/fetch/000000010000000000000004'))
    expect(s.argv).toEqual(recordedArgs('wal-fetch-ok'))
    expect(s.env).toEqual(recordedEnv('wal-fetch-ok'))
  })

  it('full backup: --full and the label as user data', () => {
    const s = only(walgAdapter.planBackup(labEnv(), { type: 'full', label: 'before-migration' }))
    expect(s.argv).toEqual(recordedArgs('backup-push-full'))
    expect(s.env).toBeUndefined()
    expect(s.mutates).toBe(true)
  })

  it('incr: a delta from the newest backup, the depth and origin in the environment only', () => {
    const s = only(walgAdapter.planBackup(labEnv(), { type: 'incr', label: 'delta one' }))
    expect(s.argv).toEqual(recordedArgs('backup-push-delta'))
    expect(s.env).toEqual(recordedEnv('backup-push-delta'))
    expect(s.env!.WALG_DELTA_MAX_STEPS).toBe(DEFAULT_DELTA_MAX_STEPS)
    const unlabelled = only(walgAdapter.planBackup(labEnv(), { type: 'incr', label: undefined }))
    expect(unlabelled.argv).toEqual(recordedArgs('backup-push-delta2'))
  })

  it('diff: a delta from the newest full', () => {
    const s = only(walgAdapter.planBackup(labEnv(), { type: 'diff', label: 'diff' }))
    expect(s.argv).toEqual(recordedArgs('backup-push-delta-latest-full'))
    expect(s.env).toEqual(recordedEnv('backup-push-delta-latest-full'))
  })

  it('a label with quotes stays valid JSON user data', () => {
    const s = only(walgAdapter.planBackup(labEnv(), { type: 'full', label: 'say "hi" \\ now' }))
    expect(JSON.parse(s.argv.at(-1)!)).toEqual({ 'pitrctl-label': 'say "hi" \\ now' })
  })

  it('walg.WALG_DELTA_MAX_STEPS sets the depth; 0 or junk refuses a delta but not a full', () => {
    expect(only(walgAdapter.planBackup(labEnv({ options: { WALG_DELTA_MAX_STEPS: '2' } }), { type: 'incr', label: undefined })).env?.WALG_DELTA_MAX_STEPS).toBe('2')
    expect(only(walgAdapter.planBackup(adoptedEnv({ options: { config: '/etc/wal-g/wal-g.yaml', WALG_DELTA_MAX_STEPS: '4' } }), { type: 'diff', label: undefined })).env).toEqual({
      WALG_DELTA_MAX_STEPS: '4',
      WALG_DELTA_ORIGIN: 'LATEST_FULL',
    })
    for (const bad of ['0', 'many'])
      expect(() => walgAdapter.planBackup(labEnv({ options: { WALG_DELTA_MAX_STEPS: bad } }), { type: 'incr', label: undefined })).toThrow(/walg.WALG_DELTA_MAX_STEPS/)
    expect(only(walgAdapter.planBackup(labEnv({ options: { WALG_DELTA_MAX_STEPS: '0' } }), { type: 'full', label: undefined })).argv).toContain('--full')
  })

  it('catalog reads are read-only', () => {
    expect(planBackupList(labEnv())).toMatchObject({ argv: recordedArgs('backup-list-detail'), mutates: false })
    expect(planListWal(labEnv())).toMatchObject({ argv: recordedArgs('st-ls-wal'), mutates: false })
  })

  it('verify: wal-verify from the backup on, read-only', () => {
    const s = only(walgAdapter.planVerify(labEnv(), backup('base_000000010000000000000006_D_000000010000000000000004'), []))
    expect(s.argv).toEqual(recordedArgs('wal-verify-backup-ok'))
    expect(s.id).toBe('wal-verify')
    expect(s.mutates).toBe(false)
  })
})

function restoreReq(id: string, dest = '/tmp/walg-lab/restore1'): RestoreRequest {
  return { backup: backup(id), dest, target: { kind: 'latest' }, inclusive: true, timeline: { kind: 'latest' }, action: 'pause', clone: true }
}

describe('planRestore', () => {
  it('backup-fetch only; pitrctl writes every recovery setting with WAL-G as restore_command', () => {
    const id = 'base_000000010000000000000009_D_000000010000000000000006'
    for (const target of [{ kind: 'latest' as const }, { kind: 'immediate' as const }, { kind: 'xid' as const, xid: '1234' }]) {
      const p = walgAdapter.planRestore(labEnv(), { ...restoreReq(id), target })
      expect(only(p).argv).toEqual(recordedArgs('backup-fetch-delta'))
      expect(p.restoreCommand).toBe(`wal-g --config ${CONFIG} wal-fetch %f %p`)
      expect(p.recoveryFiles).toEqual([])
    }
    expect(walgAdapter.capabilities.nativeTargets).toEqual([])
  })

  it('quotes a config path for the shell and doubles % for PostgreSQL', () => {
    const env = labEnv({ repoDir: "/srv/100%full/it's walg" })
    expect(restoreCommandFor(resolveSetup(env))).toBe(`wal-g --config '/srv/100%%full/it'\\''s walg/walg.json' wal-fetch %f %p`)
  })
})

describe('capabilities and supported versions', () => {
  it('declares what WAL-G can do', () => {
    expect(walgAdapter.capabilities).toEqual({ backupTypes: ['full', 'incr', 'diff'], backupTypesNote: 'it supports full, incr, diff', nativeTargets: [], hasBackupVerify: false, deleteScope: 'any', relocatesTablespaces: true, objectStorage: false })
    expect(walgAdapter.programs(labEnv())).toEqual(['wal-g'])
  })

  it.each([
    [10, undefined],
    [15, undefined],
    [18, undefined],
    [19, 'WAL-G 3.0.9 is tested with PostgreSQL up to 18; PostgreSQL 19 is newer'],
    [9, 'WAL-G 3.0.9 is tested with PostgreSQL 10 and later'],
  ])('PostgreSQL %i', (major, reason) => {
    expect(walgAdapter.unsupportedReason('3.0.9', major)).toBe(reason)
  })
})
