import { describe, expect, it } from 'vitest'
import type { RestoreRequest } from '../../../../src/adapters/adapter.js'
import { renderConfig, resolveSetup } from '../../../../src/adapters/pgbackrest/config.js'
import { pgbackrestAdapter } from '../../../../src/adapters/pgbackrest/index.js'
import { planInfo, planListArchive } from '../../../../src/adapters/pgbackrest/plan.js'
import { ConfigError } from '../../../../src/errors.js'
import type { Backup } from '../../../../src/model/catalog.js'
import type { ExecStep, Plan, WriteFileStep } from '../../../../src/model/plan.js'
import { parseRecoveryTarget } from '../../../../src/model/recovery-target.js'
import { adoptedEnv, labEnv, recorded } from './fixture.js'

const a = pgbackrestAdapter

function execs(p: Plan): ExecStep[] {
  return p.steps.filter((s): s is ExecStep => s.kind === 'exec')
}
function argvOf(p: Plan, id: string): readonly string[] {
  const s = execs(p).find((x) => x.id === id)
  if (!s) throw new Error(`no step ${id} in ${p.title}`)
  return s.argv
}

const BASE = ['pgbackrest', '--config=/tmp/pgbackrest-lab/m/pgbackrest.conf', '--stanza=main']
const ADOPTED = ['pgbackrest', '--config=/etc/pgbackrest/pgbackrest.conf', '--stanza=prod', '--log-level-console=off', '--log-level-stderr=warn']

describe('managed pgbackrest.conf (golden)', () => {
  it('renders repository, logs, the cluster and sorted passthrough options', () => {
    const env = labEnv({ options: { 'process-max': '4', 'compress-type': 'zst' } })
    expect(renderConfig(env, resolveSetup(env))).toBe(
      [
        "# pgBackRest configuration of cluster 'main', written by pitrctl setup.",
        '# Do not edit: pitrctl rewrites it. Set pgbackrest.<option> in pitrctl.ini instead.',
        '[global]',
        'repo1-path=/tmp/pgbackrest-lab/m/repo',
        'lock-path=/tmp/pgbackrest-lab/m/lock',
        'log-path=/tmp/pgbackrest-lab/m/log',
        'log-level-console=off',
        'log-level-stderr=warn',
        'start-fast=y',
        'repo1-retention-full=9999999',
        '',
        '# from pitrctl.ini',
        'compress-type=zst',
        'process-max=4',
        '',
        '[main]',
        'pg1-path=/tmp/pgbackrest-lab/data',
        'pg1-port=25101',
        'pg1-socket-path=/tmp/pgbackrest-lab',
        'pg1-user=postgres',
        'pg1-database=postgres',
        '',
      ].join('\n'),
    )
  })

  it('lets pitrctl.ini replace the defaults it may override, and has no socket path for a TCP host', () => {
    const env = labEnv({
      options: { 'start-fast': 'n', 'repo1-retention-full': '2', 'repo1-cipher-type': 'aes-256-cbc' },
      pg: { ...labEnv().pg, host: '127.0.0.1', port: 5433 },
    })
    expect(renderConfig(env, resolveSetup(env))).toBe(
      [
        "# pgBackRest configuration of cluster 'main', written by pitrctl setup.",
        '# Do not edit: pitrctl rewrites it. Set pgbackrest.<option> in pitrctl.ini instead.',
        '[global]',
        'repo1-path=/tmp/pgbackrest-lab/m/repo',
        'lock-path=/tmp/pgbackrest-lab/m/lock',
        'log-path=/tmp/pgbackrest-lab/m/log',
        'log-level-console=off',
        'log-level-stderr=warn',
        '',
        '# from pitrctl.ini',
        'repo1-cipher-type=aes-256-cbc',
        'repo1-retention-full=2',
        'start-fast=n',
        '',
        '[main]',
        'pg1-path=/tmp/pgbackrest-lab/data',
        'pg1-port=5433',
        'pg1-user=postgres',
        'pg1-database=postgres',
        '',
      ].join('\n'),
    )
  })

  it.each([
    ['repo1-path', '/elsewhere', /pitrctl sets this option itself/],
    ['log-level-console', 'info', /pitrctl sets this option itself/],
    ['pg1-port', '5432', /pitrctl sets this option itself/],
    ['Process_Max', '4', /not a pgBackRest option name/],
    ['process-max', '4\nrepo1-path=/tmp/x', /line break/],
    ['process-max', ' 4', /surrounding blanks/],
    ['process-max', '', /empty/],
  ])('refuses pgbackrest.%s = %j as a config error naming the key', (key, value, why) => {
    const env = labEnv({ options: { [key]: value } })
    expect(() => a.planSetup(env)).toThrow(ConfigError)
    expect(() => a.planSetup(env)).toThrow(why)
    expect(() => a.planSetup(env)).toThrow(`[main] pgbackrest.${key}`)
  })

  it('refuses a cluster name that cannot be a stanza (ini section, repository path)', () => {
    expect(() => a.planSetup(labEnv({ cluster: 'a]b' }))).toThrow(/cannot be a pgBackRest stanza name/)
  })
})

describe('planSetup', () => {
  it('managed: private directories, the 0600 config, then stanza-create', () => {
    const p = a.planSetup(labEnv())
    expect(p.steps.map((s) => [s.kind, s.id])).toEqual([
      ['mkdir', 'mkdir-repo-dir'],
      ['mkdir', 'mkdir-repo'],
      ['mkdir', 'mkdir-log'],
      ['mkdir', 'mkdir-lock'],
      ['write-file', 'write-config'],
      ['exec', 'stanza-create'],
    ])
    for (const s of p.steps) if (s.kind === 'mkdir') expect(s.mode).toBe(0o700)
    const file = p.steps.find((s): s is WriteFileStep => s.kind === 'write-file')!
    expect(file).toMatchObject({ path: '/tmp/pgbackrest-lab/m/pgbackrest.conf', mode: 0o600 })
    expect(file.secret).toBeUndefined()
    expect(argvOf(p, 'stanza-create')).toEqual([...BASE, 'stanza-create'])
    expect(argvOf(p, 'stanza-create')).toEqual(recorded('stanza-create-again').argv)
  })

  it('managed with a credential passed through: the file is written as a secret, never in argv', () => {
    const p = a.planSetup(labEnv({ options: { 'repo1-cipher-type': 'aes-256-cbc', 'repo1-cipher-pass': 'CANARY' } }))
    const file = p.steps.find((s): s is WriteFileStep => s.kind === 'write-file')!
    expect(file.secret).toBe(true)
    expect(file.content).toContain('repo1-cipher-pass=CANARY')
    expect(JSON.stringify(execs(p))).not.toContain('CANARY')
  })

  it('adopted: writes nothing, only creates-or-validates the stanza named in pitrctl.ini', () => {
    const p = a.planSetup(adoptedEnv())
    expect(p.steps.map((s) => s.kind)).toEqual(['exec'])
    expect(argvOf(p, 'stanza-create')).toEqual([...ADOPTED, 'stanza-create'])
  })

  it('adopted without pgbackrest.config: pgBackRest finds its own file, the stanza defaults to the cluster name', () => {
    const p = a.planSetup(adoptedEnv({ options: {} }))
    expect(argvOf(p, 'stanza-create')).toEqual(['pgbackrest', '--stanza=main', '--log-level-console=off', '--log-level-stderr=warn', 'stanza-create'])
  })

  it('adopted with a passthrough option: refused, since the adopted file is never rewritten', () => {
    expect(() => a.planSetup(adoptedEnv({ options: { config: '/etc/pgbackrest.conf', 'process-max': '4' } }))).toThrow(/pgbackrest\.process-max.*never rewrites/)
  })
})

describe('commands (argv as recorded in the lab)', () => {
  const env = labEnv()

  it('version', () => {
    expect(a.planVersion(env).argv).toEqual(recorded('version').argv)
    expect(a.planVersion(env).mutates).toBe(false)
  })

  it('no archive refresh: archive-push stores each file at once', () => {
    expect(a.planArchiveRefresh!(env)).toBeUndefined()
    expect(a.readArchiveRefresh!(new Map())).toEqual([])
  })

  it('check skips only the archive_command text test, which pitrctl wal-push would fail with [068]', () => {
    const p = a.planCheck(env)
    expect(argvOf(p, 'check')).toEqual([...BASE, '--no-archive-check', 'check'])
    expect(argvOf(p, 'check')).toEqual(recorded('check-ok').argv)
  })

  it('wal-push hands the absolute path to archive-push', () => {
    expect(argvOf(a.planWalPush(env, '/tmp/pgbackrest-lab/data/pg_wal/000000010000000000000004'), 'wal-push')).toEqual([
      ...BASE,
      'archive-push',
      '/tmp/pgbackrest-lab/data/pg_wal/000000010000000000000004',
    ])
  })

  it('wal-get', () => {
    const p = a.planWalGet(env, '000000010000000000000099', '/tmp/pgbackrest-lab/get/000000010000000000000099')
    expect(argvOf(p, 'wal-get')).toEqual(recorded('archive-get-missing').argv)
  })

  it('backup: the label becomes an annotation, then a check waits for the backup WAL', () => {
    const p = a.planBackup(env, { type: 'full', label: 'before-upgrade' })
    expect(execs(p).map((s) => s.id)).toEqual(['backup', 'backup-wal'])
    expect(argvOf(p, 'backup')).toEqual(recorded('backup-full').argv)
    expect(argvOf(p, 'backup-wal')).toEqual(recorded('check-after-backup').argv)
  })

  it.each(['diff', 'incr'] as const)('backup --type=%s without a label', (type) => {
    expect(argvOf(a.planBackup(env, { type, label: undefined }), 'backup')).toEqual([...BASE, `--type=${type}`, '--no-archive-check', 'backup'])
  })

  it('a label with blanks and = stays one argv word (pgBackRest splits the annotation at the first =)', () => {
    expect(argvOf(a.planBackup(env, { type: 'incr', label: 'x=y z' }), 'backup')).toContain('--annotation=pitrctl-label=x=y z')
  })

  it('catalog and listing steps are read-only', () => {
    expect(planInfo(env)).toMatchObject({ argv: recorded('info-json').argv, mutates: false })
    expect(planListArchive(env)).toMatchObject({ argv: recorded('repo-ls-archive').argv, mutates: false })
  })

  it('verify prints every backup (--verbose), names bad files on stderr, and cannot be narrowed to one in 2.45', () => {
    const p = a.planVerify(env, {} as Backup, [])
    const named = recorded('verify-named-overwritten').argv
    expect(argvOf(p, 'verify')).toEqual([...recorded('verify-ok').argv.slice(0, -1), '--log-level-stderr=info', 'verify'])
    expect(argvOf(p, 'verify').slice(3)).toEqual(named.slice(3))
    expect(argvOf(p, 'verify').some((w) => w.startsWith('--set'))).toBe(false)
  })

  it('adopted commands carry the adopted file, stanza and pinned log levels', () => {
    expect(argvOf(a.planCheck(adoptedEnv()), 'check')).toEqual([...ADOPTED, '--no-archive-check', 'check'])
    expect(planListArchive(adoptedEnv()).argv).toEqual([...ADOPTED, '--output=json', '--recurse', 'repo-ls', 'archive/prod'])
    // verify's own --log-level-stderr replaces the pinned one: pgBackRest refuses an option twice
    const verify = argvOf(a.planVerify(adoptedEnv(), {} as Backup, []), 'verify')
    expect(verify.filter((w) => w.startsWith('--log-level-stderr='))).toEqual(['--log-level-stderr=info'])
    expect(verify).toContain('--log-level-console=off')
  })
})

describe('planRestore', () => {
  const env = labEnv()
  const backup = { id: '20261121-095913F' } as Backup
  const now = new Date('2026-11-21T10:30:00Z')
  function req(to: string, over: Partial<RestoreRequest> = {}): RestoreRequest {
    return {
      backup,
      dest: '/tmp/pgbackrest-lab/r3',
      target: parseRecoveryTarget(to, { zone: 'UTC', now }),
      inclusive: true,
      timeline: { kind: 'latest' },
      action: 'pause',
      clone: false,
      ...over,
    }
  }
  const head = [...BASE, '--set=20261121-095913F', '--pg1-path=/tmp/pgbackrest-lab/r3']

  it.each<[string, Partial<RestoreRequest>, string[]]>([
    ['latest', {}, ['--type=default', '--target-timeline=latest']],
    ['immediate', { action: 'promote' }, ['--type=immediate', '--target-action=promote']],
    ['2026-11-21 09:59:21.5+00', {}, ['--type=time', '--target=2026-11-21 09:59:21.500000+00', '--target-timeline=latest', '--target-action=pause']],
    ['2026-11-21 18:59:21+09', { inclusive: false }, ['--type=time', '--target=2026-11-21 09:59:21+00', '--target-exclusive', '--target-timeline=latest', '--target-action=pause']],
    ['lsn:0/904f608', { timeline: { kind: 'id', id: 2 } }, ['--type=lsn', '--target=0/904F608', '--target-timeline=2', '--target-action=pause']],
    ['xid:727', { inclusive: false, action: 'shutdown' }, ['--type=xid', '--target=727', '--target-exclusive', '--target-timeline=latest', '--target-action=shutdown']],
    ['name:rp1', { inclusive: false, timeline: { kind: 'current' } }, ['--type=name', '--target=rp1', '--target-timeline=current', '--target-action=pause']],
  ])('--to %s', (to, over, options) => {
    const p = a.planRestore(env, req(to, over))
    expect(argvOf(p, 'restore')).toEqual([...head, ...options, 'restore'])
    expect(p.restoreCommand).toBeUndefined()
    expect(p.recoveryFiles).toEqual([])
  })

  it.each([
    ['restore-time', '2026-11-21 09:59:21.5+00', { inclusive: false }, '/tmp/pgbackrest-lab/r3', '20261121-095913F'],
    ['restore-name', 'name:rp1', { timeline: { kind: 'current' }, action: 'shutdown' }, '/tmp/pgbackrest-lab/r4', '20261121-095913F'],
    ['restore-latest', 'latest', {}, '/tmp/pgbackrest-lab/r2', '20261121-095913F_20261121-095922I'],
    ['restore-immediate', 'immediate', { action: 'promote', clone: true }, '/tmp/pgbackrest-lab/r1', '20261121-095913F_20261121-095919D'],
  ] as const)('builds the argv recorded in %s (apart from the time fraction pitrctl always writes)', (name, to, over, dest, id) => {
    const p = a.planRestore(env, { ...req(to, over as Partial<RestoreRequest>), dest, backup: { id } as Backup })
    expect(argvOf(p, 'restore')).toEqual(recorded(name).argv.map((w) => (w === '--target=2026-11-21 09:59:21.5+00' ? '--target=2026-11-21 09:59:21.500000+00' : w)))
  })

  it('a clone never archives into the repository: --archive-mode=off (PostgreSQL 12+ only)', () => {
    expect(argvOf(a.planRestore(env, req('latest', { clone: true })), 'restore')).toContain('--archive-mode=off')
    expect(argvOf(a.planRestore(labEnv({ pgMajor: 11 }), req('latest', { clone: true })), 'restore')).not.toContain('--archive-mode=off')
  })

  it.each([
    ['restore-default-target-action', 'latest', '--target-action'],
    ['restore-immediate-timeline', 'immediate', '--target-timeline'],
  ])('leaves out what 2.45 refused in %s', (name, to, option) => {
    expect(recorded(name).stderr).toContain(`option '${option.slice(2)}' not valid`)
    expect(argvOf(a.planRestore(env, req(to)), 'restore').some((w) => w.startsWith(option))).toBe(false)
  })

  it('never --delta or --force: the destination is always empty', () => {
    for (const to of ['latest', 'immediate', 'xid:727']) expect(argvOf(a.planRestore(env, req(to, { clone: true })), 'restore').join(' ')).not.toMatch(/--delta|--force/)
  })

  it("keeps pgBackRest's restore_command for plain paths, replaces it where pgBackRest would not quote", () => {
    const odd = a.planRestore(env, req('latest', { dest: "/srv/it's 100%" }))
    expect(odd.restoreCommand).toBe(
      "pgbackrest --config=/tmp/pgbackrest-lab/m/pgbackrest.conf '--pg1-path=/srv/it'\\''s 100%%' --stanza=main archive-get %f %p",
    )
    expect(a.planRestore(adoptedEnv({ options: { stanza: 'prod' } }), req('latest')).restoreCommand).toBeUndefined()
  })
})
