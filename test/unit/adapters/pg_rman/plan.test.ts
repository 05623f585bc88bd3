import { describe, expect, it } from 'vitest'
import type { RestoreRequest } from '../../../../src/adapters/adapter.js'
import { microsToNaive, naiveToIso, resolveSetup, renderIni } from '../../../../src/adapters/pg_rman/config.js'
import { pgRmanAdapter as a } from '../../../../src/adapters/pg_rman/index.js'
import { planShow } from '../../../../src/adapters/pg_rman/plan.js'
import { parseBackupInfo, toBackup } from '../../../../src/adapters/pg_rman/read.js'
import { ConfigError, ToolOutputError, UsageError } from '../../../../src/errors.js'
import type { Backup } from '../../../../src/model/catalog.js'
import type { ExecStep, Plan } from '../../../../src/model/plan.js'
import { parseRecoveryTarget } from '../../../../src/model/recovery-target.js'
import { A, B, BIN, adoptedEnv, fixtureFile, labEnv, recorded } from './fixture.js'

const UTC = { TZ: 'UTC' }

function execs(p: Plan): ExecStep[] {
  return p.steps.filter((s): s is ExecStep => s.kind === 'exec')
}
function step(p: Plan, id: string): ExecStep {
  const s = execs(p).find((x) => x.id === id)
  if (!s) throw new Error(`no step ${id} in ${p.title}`)
  return s
}

/** a catalog entry as readCatalog builds it from a recorded backup.ini */
function backupFrom(fixture: string): Backup {
  const text = fixtureFile(fixture, 'backup.ini')
  const info = parseBackupInfo(text)
  return toBackup(info.startTime!, info, 'UTC', { systemId: '7710562427550380881', pgVersion: '15', parent: null })
}
const FULL = backupFrom('show-id-full') // RECOVERY_TIME '2026-11-21 10:00:22'
const INCR = backupFrom('show-id-incr') // RECOVERY_TIME '2026-11-21 10:00:26'

function restoreReq(over: Partial<RestoreRequest> & { to?: string }): RestoreRequest {
  const { to = 'latest', ...rest } = over
  return {
    backup: INCR,
    dest: '/srv/restore/r1',
    target: parseRecoveryTarget(to, { zone: 'UTC', now: new Date('2026-11-21T12:00:00Z') }),
    inclusive: true,
    timeline: { kind: 'latest' },
    action: 'pause',
    clone: true,
    ...rest,
  }
}

describe('managed pg_rman.ini (golden)', () => {
  it('holds what pg_rman init wrote (fixture init) and nothing else without options', () => {
    const ini = renderIni(resolveSetup(labEnv()))
    expect(ini).toBe("# written by pitrctl: the pg_rman.* keys of pitrctl.ini\nARCLOG_PATH='/tmp/pg_rman-lab/repo/arclog'\nSRVLOG_PATH='/tmp/pg_rman-lab/data/log'\n")
    const fromInit = fixtureFile('init', 'pg_rman.ini').split('\n').filter(Boolean)
    for (const line of fromInit) expect(ini.split('\n')).toContain(line)
  })

  it('passes pg_rman.* options on under their ini names, quoted as pg_rman reads them', () => {
    const env = labEnv({ options: { 'compress-data': 'true', KEEP_DATA_GENERATIONS: '3' } })
    expect(renderIni(resolveSetup(env))).toBe(
      [
        '# written by pitrctl: the pg_rman.* keys of pitrctl.ini',
        "ARCLOG_PATH='/tmp/pg_rman-lab/repo/arclog'",
        "SRVLOG_PATH='/tmp/pg_rman-lab/data/log'",
        "COMPRESS_DATA='true'",
        "KEEP_DATA_GENERATIONS='3'",
        '',
      ].join('\n'),
    )
  })

  it('escapes quotes and backslashes in paths', () => {
    const s = { ...resolveSetup(labEnv()), arclogPath: "/srv/it's\\here", srvlogPath: undefined }
    expect(renderIni(s)).toContain("ARCLOG_PATH='/srv/it\\'s\\\\here'\n")
    expect(renderIni(s)).not.toContain('SRVLOG_PATH')
  })
})

describe('pg_rman options in pitrctl.ini', () => {
  it.each<[string, Record<string, string>, string]>([
    ['keep-arclog-days would delete archived WAL', { 'keep-arclog-days': '7' }, 'pg_rman.keep-arclog-days'],
    ['unknown option', { 'process-max': '4' }, 'pg_rman.process-max'],
    ['restore option in the file', { 'recovery-target-time': '2026-01-01 00:00:00' }, 'pg_rman.recovery-target-time'],
    ['a zone for a managed (UTC) catalog', { timezone: 'Asia/Tokyo' }, 'pg_rman.timezone'],
    ['an archive path in managed mode', { 'arclog-path': '/x' }, 'pg_rman.arclog-path'],
  ])('managed: %s is refused', (_why, options, key) => {
    expect(() => resolveSetup(labEnv({ options }))).toThrow(ConfigError)
    expect(() => resolveSetup(labEnv({ options }))).toThrow(key)
  })

  it('adopted: needs pg_rman.arclog-path, refuses passthrough options, checks the zone', () => {
    const env = adoptedEnv()
    expect(() => resolveSetup({ ...env, options: { 'backup-path': B } })).toThrow('pg_rman.arclog-path')
    expect(() => resolveSetup(adoptedEnv({ 'compress-data': 'true' }))).toThrow('never rewrites an adopted')
    expect(() => resolveSetup(adoptedEnv({ timezone: 'Mars/Olympus' }))).toThrow('not a time zone')
    expect(() => resolveSetup(adoptedEnv({ 'arclog-path': 'relative/arclog' }))).toThrow('absolute path')
    expect(resolveSetup(adoptedEnv({ timezone: 'Asia/Tokyo', 'arclog-path': `${A}/` }))).toEqual({
      mode: 'adopted', backupPath: B, arclogPath: A, srvlogPath: undefined, timezone: 'Asia/Tokyo', passthrough: {},
    })
  })
})

describe('pg_rman times', () => {
  it('reads naive times in the catalog zone; epoch 0 is "not yet"', () => {
    expect(naiveToIso('2026-11-21 10:00:20', 'UTC')).toBe('2026-11-21T10:00:20.000Z')
    expect(naiveToIso('2026-11-21 19:00:20', 'Asia/Tokyo')).toBe('2026-11-21T10:00:20.000Z')
    expect(naiveToIso('1970-01-01 00:00:00', 'UTC')).toBeNull()
    expect(() => naiveToIso('2026-11-21 10:00:20+00', 'UTC')).toThrow('not a pg_rman time')
    expect(() => naiveToIso('2026-11-21 10:00:20+00', 'UTC')).toThrow(ToolOutputError)
  })

  it('writes instants back as pg_rman would print them, rounded down to the second', () => {
    expect(microsToNaive(1795255222999999n, 'UTC')).toBe('2026-11-21 10:00:22')
    expect(microsToNaive(1795255222000000n, 'Asia/Tokyo')).toBe('2026-11-21 19:00:22')
  })
})

describe('planSetup / planCheck / planVersion', () => {
  it('creates the repository and archive, runs the recorded init, then writes pg_rman.ini', () => {
    const p = a.planSetup(labEnv())
    expect(p.steps.map((s) => [s.kind, s.id])).toEqual([
      ['mkdir', 'mkdir-repo'],
      ['mkdir', 'mkdir-arclog'],
      ['exec', 'init'],
      ['write-file', 'ini'],
    ])
    expect(p.steps[0]).toMatchObject({ path: '/tmp/pg_rman-lab/repo', mode: 0o700 })
    expect(p.steps[1]).toMatchObject({ path: A, mode: 0o700 })
    const init = step(p, 'init')
    // the argv of fixture `init`, with the binary where `make install` puts it
    expect(init.argv).toEqual([BIN, ...recorded('init').argv.slice(1)])
    expect(init.env).toEqual(UTC)
    expect(p.steps[3]).toMatchObject({ path: `${B}/pg_rman.ini`, mode: 0o600, content: renderIni(resolveSetup(labEnv())) })
  })

  it('refuses to set up an adopted catalog', () => {
    expect(() => a.planSetup(adoptedEnv())).toThrow(UsageError)
  })

  it('checks catalog and archive read-only', () => {
    const p = a.planCheck(labEnv())
    expect(execs(p).map((s) => [s.argv, s.mutates])).toEqual([
      [['test', '-f', `${B}/system_identifier`], false],
      [['test', '-d', A], false],
      [[BIN, 'show', '-B', B], false],
    ])
  })

  it('expects --version to exit 1 (fixture version)', () => {
    const v = a.planVersion(labEnv())
    expect(v.argv).toEqual([BIN, '--version'])
    expect(v.okExitCodes).toEqual([recorded('version').exitCode])
    expect(v.mutates).toBe(false)
  })
})

describe('planWalPush / planWalGet', () => {
  it('archives with pitrctl’s own durable copy into ARCLOG_PATH', () => {
    expect(a.planWalPush(labEnv(), '/tmp/pg_rman-lab/data/pg_wal/000000010000000000000003').steps).toEqual([
      { kind: 'archive-copy', id: 'archive', title: `archive 000000010000000000000003 into ${A}`, src: '/tmp/pg_rman-lab/data/pg_wal/000000010000000000000003', destDir: A },
    ])
  })

  it('fetches with cp, read-only (fixture wal-get-history)', () => {
    const s = step(a.planWalGet(labEnv(), '00000002.history', '/tmp/pg_rman-lab/fetched-history'), 'wal-get')
    expect(s.argv).toEqual(recorded('wal-get-history').argv)
    expect(s.mutates).toBe(false)
  })

  it('refuses names that are not WAL files', () => {
    expect(() => a.planWalGet(labEnv(), '../pg_rman.ini', '/tmp/x')).toThrow('not a WAL file name')
  })
})

describe('planBackup', () => {
  it.each<['full' | 'incr', string]>([
    ['full', 'full'],
    ['incr', 'incremental'],
  ])('%s: pg_rman backup -b %s, then validate (a new backup is DONE, unusable until validated)', (type, mode) => {
    const p = a.planBackup(labEnv(), { type, label: undefined })
    expect(execs(p).map((s) => s.id)).toEqual(['backup', 'validate'])
    expect(step(p, 'backup').argv).toEqual([
      BIN, 'backup', '-B', B, '-b', mode, '-D', '/tmp/pg_rman-lab/data', '-A', A, '-S', '/tmp/pg_rman-lab/data/log',
      '-h', '/tmp/pg_rman-lab', '-p', '25400', '-U', 'postgres', '-d', 'postgres', '-w',
    ])
    expect(step(p, 'validate').argv).toEqual([BIN, 'validate', '-B', B])
    for (const s of execs(p)) expect(s.env).toEqual(UTC)
  })

  it('refuses diff and labels, which pg_rman does not have', () => {
    expect(() => a.planBackup(labEnv(), { type: 'diff', label: undefined })).toThrow('no differential')
    expect(() => a.planBackup(labEnv(), { type: 'full', label: 'before-upgrade' })).toThrow('no label')
  })

  it('adopted: no -S unless configured, and the catalog zone as TZ', () => {
    const p = a.planBackup(adoptedEnv({ timezone: 'Asia/Tokyo' }), { type: 'full', label: undefined })
    expect(step(p, 'backup').argv).not.toContain('-S')
    expect(step(p, 'backup').env).toEqual({ TZ: 'Asia/Tokyo' })
  })
})

describe('archive refresh', () => {
  it('none: wal-push copies each file into ARCLOG_PATH, which is the archive', () => {
    expect(a.planArchiveRefresh!(labEnv())).toBeUndefined()
    expect(a.readArchiveRefresh!(new Map())).toEqual([])
  })
})

describe('planVerify', () => {
  it('validates the one backup, then reads its status back', () => {
    const p = a.planVerify(labEnv(), FULL, [])
    expect(execs(p).map((s) => [s.id, s.argv, s.mutates])).toEqual([
      ['validate', [BIN, 'validate', '-B', B, '2026-11-21 10:00:20'], true],
      ['show-backup', [BIN, 'show', '-B', B, '2026-11-21 10:00:20'], false],
    ])
    expect(planShow(labEnv(), '2026-11-21 10:00:20').argv.slice(1)).toEqual(recorded('show-id-full').argv.slice(1))
  })
})

describe('planRestore', () => {
  const SCRATCH = '/var/lib/pitrctl/main/pg_rman-restore'
  const restoreArgv = (p: Plan) => step(p, 'restore').argv

  it('clears the work directory and a scratch archive, then restores with paths into the scratch', () => {
    const p = a.planRestore(labEnv(), restoreReq({}))
    expect(p.steps.map((s) => (s.kind === 'exec' ? s.argv.join(' ') : `${s.kind} ${(s as { path: string }).path}`))).toEqual([
      `mkdir ${B}/backup/pg_wal`,
      `find ${B}/backup/pg_wal -mindepth 1 -delete`,
      `mkdir ${SCRATCH}`,
      `find ${SCRATCH} -mindepth 1 -delete`,
      `mkdir ${SCRATCH}/arclog`,
      `mkdir ${SCRATCH}/srvlog`,
      `${BIN} restore -B ${B} -D /srv/restore/r1 -A ${SCRATCH}/arclog -S ${SCRATCH}/srvlog --recovery-target-time=2026-11-21 10:00:26 --recovery-target-timeline=1`,
    ])
    expect(step(p, 'restore').env).toEqual(UTC)
    expect(p.restoreCommand).toBe(`cp ${A}/%f %p`)
    expect(p.recoveryFiles).toEqual(['/srv/restore/r1/pg_rman_recovery.conf'])
  })

  it('selects the backup by its own RECOVERY_TIME, exactly as backup.ini has it, whatever the target', () => {
    for (const [b, fixture] of [[FULL, 'show-id-full'], [INCR, 'show-id-incr']] as const) {
      const recovery = /^RECOVERY_TIME='(.*)'$/m.exec(fixtureFile(fixture, 'backup.ini'))![1]
      for (const to of ['latest', 'immediate', '2026-11-21 11:00:00.123456+00', 'lsn:0/7000000', 'xid:800', 'name:before'])
        expect(restoreArgv(a.planRestore(labEnv(), restoreReq({ backup: b, to })))).toContain(`--recovery-target-time=${recovery}`)
    }
  })

  it('passes inclusive for time/xid/lsn and the action for every target but latest', () => {
    const flags = (to: string, inclusive = true) =>
      restoreArgv(a.planRestore(labEnv(), restoreReq({ to, inclusive, action: 'promote' }))).filter((x) => /inclusive|action/.test(x))
    expect(flags('2026-11-21 10:30:00+00', false)).toEqual(['--recovery-target-inclusive=off', '--recovery-target-action=promote'])
    expect(flags('xid:800')).toEqual(['--recovery-target-inclusive=on', '--recovery-target-action=promote'])
    expect(flags('lsn:0/7000000')).toEqual(['--recovery-target-inclusive=on', '--recovery-target-action=promote'])
    expect(flags('name:before')).toEqual(['--recovery-target-action=promote'])
    expect(flags('immediate')).toEqual(['--recovery-target-action=promote'])
    expect(flags('latest')).toEqual([])
  })

  it('selects with the backup timeline: latest resolves to 0 in an empty -D (fixture restore-latest-newdir)', () => {
    expect(recorded('restore-latest-newdir').exitCode).toBe(21)
    const tl = (timeline: RestoreRequest['timeline']) => restoreArgv(a.planRestore(labEnv(), restoreReq({ timeline }))).find((x) => x.startsWith('--recovery-target-timeline'))
    expect(tl({ kind: 'latest' })).toBe('--recovery-target-timeline=1')
    expect(tl({ kind: 'current' })).toBe('--recovery-target-timeline=1')
    expect(tl({ kind: 'id', id: 2 })).toBe('--recovery-target-timeline=1')
  })

  it('writes the selector in the catalog zone and quotes any archive path in restore_command', () => {
    const tokyo = a.planRestore(adoptedEnv({ timezone: 'Asia/Tokyo', 'arclog-path': '/srv/100%full arch' }), restoreReq({}))
    expect(restoreArgv(tokyo)).toContain('--recovery-target-time=2026-11-21 19:00:26')
    expect(tokyo.restoreCommand).toBe("cp '/srv/100%%full arch'/%f %p")
  })

  it('refuses a backup it cannot select', () => {
    expect(() => a.planRestore(labEnv(), restoreReq({ backup: { ...INCR, stop: null } }))).toThrow('cannot be restored')
    expect(() => a.planRestore(labEnv(), restoreReq({ backup: { ...INCR, tool: 'native' } }))).toThrow('not a pg_rman backup')
  })
})
