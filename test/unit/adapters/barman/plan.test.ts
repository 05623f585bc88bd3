import { describe, expect, it } from 'vitest'
import type { Backup } from '../../../../src/model/catalog.js'
import { parseLsn } from '../../../../src/model/lsn.js'
import type { ExecStep, Plan } from '../../../../src/model/plan.js'
import type { RecoveryTarget } from '../../../../src/model/recovery-target.js'
import type { RestoreRequest } from '../../../../src/adapters/adapter.js'
import { barmanAdapter } from '../../../../src/adapters/barman/index.js'
import { planArchiveRefresh } from '../../../../src/adapters/barman/plan.js'
import { unsupportedReason } from '../../../../src/adapters/barman/read.js'
import { barmanLabelProblem, barmanRestoreCommand } from '../../../../src/adapters/barman/plan.js'
import { renderBarmanConf } from '../../../../src/adapters/barman/config.js'
import { ConfigError, UsageError } from '../../../../src/errors.js'
import { adoptedLabEnv, fixtureText, labEnv } from './support.js'

const CONF = ['barman', '-c', '/tmp/barman-lab/repo/barman.conf']

function execs(p: Plan): ExecStep[] {
  return p.steps.filter((s): s is ExecStep => s.kind === 'exec')
}

describe('barman.conf (managed mode)', () => {
  it('renders the golden file: conninfo unquoted, Barman defaults for every directory', () => {
    expect(renderBarmanConf(labEnv())).toBe(
      [
        '; Barman configuration for pitrctl cluster pg1, written by `pitrctl setup`.',
        '; Edit pitrctl.ini (barman.<option> keys) and run setup again instead of editing this file.',
        '[barman]',
        'barman_home = /tmp/barman-lab/repo/home',
        'barman_user = postgres',
        'log_file = /tmp/barman-lab/repo/barman.log',
        '',
        '[pg1]',
        'description = pitrctl cluster pg1',
        'conninfo = host=/tmp/barman-lab port=25201 user=postgres dbname=postgres',
        'streaming_conninfo = host=/tmp/barman-lab port=25201 user=postgres dbname=postgres',
        'backup_method = postgres',
        'archiver = on',
        'streaming_archiver = off',
        'path_prefix = /usr/lib/postgresql/15/bin',
        '',
      ].join('\n'),
    )
  })

  it('passes barman.* options through, replacing a default of the same name, with % doubled', () => {
    const env = labEnv({
      options: { compression: 'gzip', streaming_archiver: 'on', slot_name: 'barman', post_backup_script: '/usr/local/bin/notify --tag 100%' },
      pg: { ...labEnv().pg, host: '/run/my sockets', user: "o'neil" },
    })
    expect(renderBarmanConf(env).split('\n').slice(8)).toEqual([
      'description = pitrctl cluster pg1',
      "conninfo = host='/run/my sockets' port=25201 user='o\\'neil' dbname=postgres",
      "streaming_conninfo = host='/run/my sockets' port=25201 user='o\\'neil' dbname=postgres",
      'backup_method = postgres',
      'archiver = on',
      'path_prefix = /usr/lib/postgresql/15/bin',
      'compression = gzip',
      'post_backup_script = /usr/local/bin/notify --tag 100%%',
      'slot_name = barman',
      'streaming_archiver = on',
      '',
    ])
  })

  it.each([
    ['barman_home', '/elsewhere', /set by pitrctl/],
    ['incoming_wals_directory', '/elsewhere', /set by pitrctl/],
    ['archiver', 'off', /set by pitrctl/],
    ['Compression', 'gzip', /not a Barman option name/],
    ['compression', 'gzip\n[evil]', /line break/],
    ['description', "'quoted'", /wholly quoted/],
  ])('refuses barman.%s = %j', (key, value, why) => {
    expect(() => renderBarmanConf(labEnv({ options: { [key]: value } }))).toThrow(why)
    expect(() => renderBarmanConf(labEnv({ options: { [key]: value } }))).toThrow(ConfigError)
  })

  it.each(['all', 'barman', 'a b', '../x'])('refuses the cluster name %j as a Barman server', (cluster) => {
    expect(() => renderBarmanConf(labEnv({ cluster }))).toThrow(/cannot be a Barman server name/)
  })
})

describe('planSetup', () => {
  it('creates the repository and server directories 0700, then writes the config 0600', () => {
    const p = barmanAdapter.planSetup(labEnv())
    expect(p.steps.map((s) => (s.kind === 'mkdir' ? `mkdir ${s.path} ${s.mode.toString(8)}` : s.kind === 'write-file' ? `write ${s.path} ${s.mode.toString(8)}` : s.kind))).toEqual([
      'mkdir /tmp/barman-lab/repo 700',
      'mkdir /tmp/barman-lab/repo/home 700',
      'mkdir /tmp/barman-lab/repo/home/pg1 700',
      'mkdir /tmp/barman-lab/repo/home/pg1/base 700',
      'mkdir /tmp/barman-lab/repo/home/pg1/incoming 700',
      'mkdir /tmp/barman-lab/repo/home/pg1/wals 700',
      'mkdir /tmp/barman-lab/repo/home/pg1/errors 700',
      'mkdir /tmp/barman-lab/repo/home/pg1/streaming 700',
      'write /tmp/barman-lab/repo/barman.conf 600',
    ])
    const write = p.steps.at(-1)
    expect(write?.kind === 'write-file' && write.content).toBe(renderBarmanConf(labEnv()))
    expect(write?.kind === 'write-file' && write.secret).toBe(false)
  })

  it('marks the file secret when a passthrough option holds one', () => {
    const write = barmanAdapter.planSetup(labEnv({ options: { encryption_passphrase_command: 'cat /k' } })).steps.at(-1)
    expect(write?.kind === 'write-file' && write.secret).toBe(true)
  })

  it('never rewrites an adopted setup', () => {
    expect(barmanAdapter.planSetup(adoptedLabEnv()).steps).toEqual([])
  })
})

describe('commands', () => {
  it('version and check are read-only', () => {
    expect(barmanAdapter.planVersion(labEnv())).toMatchObject({ argv: ['barman', '--version'], mutates: false })
    expect(execs(barmanAdapter.planCheck(labEnv()))).toMatchObject([{ argv: [...CONF, 'check', 'pg1'], mutates: false }])
  })

  it('adopted mode uses barman.config and barman.server as given', () => {
    const env = adoptedLabEnv({ config: '/etc/barman.conf', server: 'main-db' })
    expect(execs(barmanAdapter.planCheck(env))[0]!.argv).toEqual(['barman', '-c', '/etc/barman.conf', 'check', 'main-db'])
  })

  it('wal-push is a durable copy into incoming/, nothing else', () => {
    expect(barmanAdapter.planWalPush(labEnv(), '/tmp/barman-lab/data/pg_wal/000000010000000000000005').steps).toEqual([
      { kind: 'archive-copy', id: 'archive', title: "copy 000000010000000000000005 into Barman's incoming directory", src: '/tmp/barman-lab/data/pg_wal/000000010000000000000005', destDir: '/tmp/barman-lab/repo/home/pg1/incoming' },
    ])
    expect(() => barmanAdapter.planWalPush(labEnv(), '/x/pg_wal/archive_status')).toThrow(UsageError)
  })

  it('wal-push in adopted mode needs barman.incoming_wals_directory (the value show-servers prints)', () => {
    const incoming = JSON.parse(fixtureText('show-servers-json', 'stdout')).pg1.incoming_wals_directory as string
    const p = barmanAdapter.planWalPush(adoptedLabEnv({ incoming_wals_directory: incoming }), '/d/pg_wal/00000002.history')
    expect(p.steps[0]).toMatchObject({ kind: 'archive-copy', destDir: '/tmp/barman-lab/repo/home/pg1/incoming' })
    expect(() => barmanAdapter.planWalPush(adoptedLabEnv(), '/d/pg_wal/00000002.history')).toThrow(/incoming_wals_directory.*required/)
    expect(() => barmanAdapter.planWalPush(adoptedLabEnv({ incoming_wals_directory: 'rel/dir' }), '/d/pg_wal/00000002.history')).toThrow(/absolute/)
  })

  it('archive-wal moves incoming/ into the catalog', () => {
    expect(execs(planArchiveRefresh(labEnv())!)).toMatchObject([{ id: 'archive-wal', argv: [...CONF, 'archive-wal', 'pg1'], mutates: true }])
  })

  it('wal-get streams one file to the destination', () => {
    expect(execs(barmanAdapter.planWalGet(labEnv(), '00000002.history', '/tmp/x/00000002.history'))).toMatchObject([
      { argv: [...CONF, 'get-wal', 'pg1', '00000002.history'], stdoutFile: '/tmp/x/00000002.history', mutates: false },
    ])
    expect(() => barmanAdapter.planWalGet(labEnv(), 'notawal', '/tmp/x')).toThrow(UsageError)
  })
})

describe('planBackup', () => {
  it('without a label: one backup that waits for its WAL', () => {
    expect(execs(barmanAdapter.planBackup(labEnv(), { type: 'full', label: undefined })).map((s) => s.argv)).toEqual([
      [...CONF, 'backup', '--wait', '--wait-timeout=300', '--immediate-checkpoint', 'pg1'],
    ])
  })

  it('with a label: no --wait (3.4.0 loses the name with it), then switch-wal and check-backup by name', () => {
    expect(execs(barmanAdapter.planBackup(labEnv(), { type: 'full', label: 'nightly-42' })).map((s) => s.argv)).toEqual([
      [...CONF, 'backup', '--name=nightly-42', '--immediate-checkpoint', 'pg1'],
      [...CONF, 'switch-wal', '--force', '--archive', '--archive-timeout=300', 'pg1'],
      [...CONF, 'check-backup', 'pg1', 'nightly-42'],
    ])
  })

  it('matches the recorded labeled sequence, which left the backup DONE with its name', () => {
    const recordedArgv = ['labeled-1-backup', 'labeled-2-switch-wal', 'labeled-3-check-backup'].map((c) => JSON.parse(fixtureText(c, 'argv.json')) as string[])
    const planned = execs(barmanAdapter.planBackup(labEnv(), { type: 'full', label: 'nightly-42' })).map((s) => s.argv.map((a) => a.replace(/^--(name|archive-timeout)=/, '--$1 ')).flatMap((a) => a.split(' ')))
    expect(planned).toEqual(recordedArgv)
  })

  it.each(['20261121T095815', 'latest', 'last-failed', 'fail', 'last', '-', 'a\nb', ''])('refuses the label %j', (label) => {
    expect(barmanLabelProblem(label)).toBeDefined()
    expect(() => barmanAdapter.planBackup(labEnv(), { type: 'full', label })).toThrow(UsageError)
  })

  it.each(['before-upgrade', 'nightly-42', 'failover-test'])('accepts the label %j', (label) => {
    expect(barmanLabelProblem(label)).toBeUndefined()
  })

  it('refuses incremental and differential backups', () => {
    expect(() => barmanAdapter.planBackup(labEnv(), { type: 'incr', label: undefined })).toThrow(UsageError)
  })
})

const BACKUP: Backup = {
  id: '20261121T095858', tool: 'barman', type: 'full', status: 'ok', start: '2026-11-21T09:58:58.378Z', stop: '2026-11-21T09:59:00.150Z',
  startLsn: '0/5000028', stopLsn: '0/5000100', timeline: 1, walStart: '000000010000000000000005', walStop: '000000010000000000000005',
  size: 23450126, storedSize: 23450126, parent: null, pgVersion: '15', systemId: '7710561792949985537', label: 'second-named',
}

function restore(target: RecoveryTarget, over: Partial<RestoreRequest> = {}): RestoreRequest {
  return { backup: BACKUP, dest: '/tmp/barman-lab/r-time', target, inclusive: true, timeline: { kind: 'latest' }, action: 'pause', clone: true, ...over }
}

describe('planRestore', () => {
  const recoverArgv = (req: RestoreRequest) => execs(barmanAdapter.planRestore(labEnv(), req))[0]!.argv

  it('latest: --get-wal (archive recovery to a new timeline), no target and no action', () => {
    expect(recoverArgv(restore({ kind: 'latest' }, { action: 'promote', dest: '/tmp/barman-lab/r-latest' }))).toEqual([
      ...CONF, 'recover', '--get-wal', '--target-tli=latest', 'pg1', '20261121T095858', '/tmp/barman-lab/r-latest',
    ])
  })

  it('time: the +00 form, --exclusive, timeline and action (as recorded in recover-time-get-wal)', () => {
    const at = BigInt(Date.parse('2026-11-21T09:59:53.900Z')) * 1000n
    const argv = recoverArgv(restore({ kind: 'time', at, input: '2026-11-21 09:59:53.9+00', zone: 'UTC' }, { inclusive: false, action: 'promote' }))
    expect(argv).toEqual([...CONF, 'recover', '--get-wal', '--target-time=2026-11-21 09:59:53.900000+00', '--exclusive', '--target-tli=latest', '--target-action=promote', 'pg1', '20261121T095858', '/tmp/barman-lab/r-time'])
    const recorded = JSON.parse(fixtureText('recover-time-get-wal', 'argv.json')) as string[]
    expect(recorded).toContain('2026-11-21 09:59:53.900000+00')
    expect(fixtureText('recover-time-get-wal', 'postgresql.auto.conf')).toContain("recovery_target_time = '2026-11-21 09:59:53.900000+00'")
  })

  it.each([
    ['xid', { kind: 'xid', xid: '739' } as RecoveryTarget, ['--target-xid=739', '--exclusive']],
    ['lsn', { kind: 'lsn', lsn: parseLsn('0/6055270')! } as RecoveryTarget, ['--target-lsn=0/6055270', '--exclusive']],
    ['name', { kind: 'name', name: '-rp' } as RecoveryTarget, ['--target-name=-rp']],
    ['immediate', { kind: 'immediate' } as RecoveryTarget, ['--target-immediate']],
  ])('%s: its own flag; --exclusive only where PostgreSQL has inclusive', (_kind, target, flags) => {
    const argv = recoverArgv(restore(target, { inclusive: false, timeline: { kind: 'id', id: 1 }, action: 'shutdown' }))
    expect(argv.slice(3)).toEqual(['recover', '--get-wal', ...flags, '--target-tli=1', '--target-action=shutdown', 'pg1', '20261121T095858', '/tmp/barman-lab/r-time'])
  })

  it('replaces Barman 3.4\'s sudo restore_command with one for the run-as user and this config', () => {
    const written = fixtureText('recover-latest-get-wal', 'postgresql.auto.conf')
    expect(written).toContain("restore_command = 'sudo -u postgres barman get-wal -P pg1 %f > %p'")
    const p = barmanAdapter.planRestore(labEnv(), restore({ kind: 'latest' }))
    expect(p.restoreCommand).toBe('barman -c /tmp/barman-lab/repo/barman.conf get-wal -P pg1 %f > %p')
    expect(p.recoveryFiles).toEqual([])
  })

  it('quotes config paths in the restore_command for the shell and for %', () => {
    expect(barmanRestoreCommand(adoptedLabEnv({ config: "/etc/bar man/100%/it's.conf" }))).toBe("barman -c '/etc/bar man/100%%/it'\\''s.conf' get-wal -P pg1 %f > %p")
  })
})

describe('planVerify', () => {
  it('check-backup, its verdict through show-backup, verify-backup and check; findings are not failed steps', () => {
    const steps = execs(barmanAdapter.planVerify(labEnv(), BACKUP, []))
    expect(steps.map((s) => [s.id, s.argv.slice(3).join(' '), s.okExitCodes ?? [0], s.mutates])).toEqual([
      ['check-backup', 'check-backup pg1 20261121T095858', [0, 1], true],
      ['show-backup', '-f json show-backup pg1 20261121T095858', [0], false],
      ['verify-backup', '-f json verify-backup pg1 20261121T095858', [0, 1], false],
      ['check', '-f json check pg1', [0, 1], false],
    ])
  })
})

describe('unsupportedReason', () => {
  it.each([
    ['3.4.0', 15, undefined],
    ['3.4.0', 10, undefined],
    ['3.4.0', 9, /PostgreSQL 10 and later/],
    ['3.4.0', 16, /before PostgreSQL 16/],
    ['3.6.0', 10, /PostgreSQL 11 and later/],
    ['3.12.1', 17, /hang on PostgreSQL 17/],
    ['3.17.0', 17, undefined],
  ])('Barman %s with PostgreSQL %i', (version, pg, want) => {
    const r = unsupportedReason(version, pg)
    if (want === undefined) expect(r).toBeUndefined()
    else expect(r).toMatch(want)
  })
})
