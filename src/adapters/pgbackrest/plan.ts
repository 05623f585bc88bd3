/**
 * pgBackRest commands as data. Every command names the configuration file and the stanza
 * (`--config`, `--stanza`); options come before the command word, arguments after it.
 */
import type { Backup } from '../../model/catalog.js'
import { formatLsn } from '../../model/lsn.js'
import { execStep, plan, type ExecStep, type Plan, type Step } from '../../model/plan.js'
import { buildWalCommand, timelineSetting } from '../../model/recovery-settings.js'
import { pgUtcFromMicros } from '../../model/time.js'
import type { BackupRequest, RestorePlan, RestoreRequest, ToolEnv } from '../adapter.js'
import { programPath } from '../program-path.js'
import { holdsSecret, managedPaths, renderConfig, resolveSetup, type PgbackrestSetup } from './config.js'

export const PGBACKREST = 'pgbackrest'

/** the annotation key that carries `pitrctl backup --label` (pgBackRest generates its own labels) */
export const LABEL_ANNOTATION = 'pitrctl-label'

/**
 * An adopted configuration may log to the console, which would be interleaved with the output
 * pitrctl parses, or keep errors off stderr: pin both on the command line. restore leaves them
 * out of the restore_command it writes (restore.c nulls the log options).
 */
const ADOPTED_LOG_OPTIONS = ['--log-level-console=off', '--log-level-stderr=warn'] as const

/**
 * `check` and `backup` refuse with [068] an archive_command that does not contain "pgbackrest"
 * (2.45 src/command/check/common.c checkArchiveCommand, called by checkDbConfig from both when
 * archive-check is on). pitrctl's archive_command is its own wal-push, so both run with
 * --no-archive-check, which skips only that string test and the archive_mode test (pitrctl's own
 * check covers those); `check` still switches WAL and waits until the segment is archived.
 */
const NO_ARCHIVE_CHECK = '--no-archive-check'

function baseArgv(setup: PgbackrestSetup, options: readonly string[] = []): string[] {
  // an option the step sets itself replaces the pinned one (pgBackRest refuses an option twice: [031])
  const pinned = ADOPTED_LOG_OPTIONS.filter((o) => !options.some((w) => w.startsWith(o.slice(0, o.indexOf('=') + 1))))
  return [
    setup.program ?? PGBACKREST,
    ...(setup.configFile === undefined ? [] : [`--config=${setup.configFile}`]),
    `--stanza=${setup.stanza}`,
    ...(setup.mode === 'adopted' ? pinned : []),
  ]
}

function command(setup: PgbackrestSetup, id: string, title: string, options: readonly string[], verb: string, args: readonly string[] = [], extra: Parameters<typeof execStep>[3] = {}): ExecStep {
  const [program, ...rest] = [...baseArgv(setup, options), ...options, verb, ...args]
  return execStep(id, title, [program!, ...rest], extra)
}

/** a pgBackRest command of this setup (expire.ts builds its own with it) */
export const pgbackrestCommand = command

export function planVersion(env: ToolEnv): ExecStep {
  return execStep('version', 'pgBackRest version', [programPath(env, PGBACKREST), 'version'], { mutates: false })
}

export function planSetup(env: ToolEnv): Plan {
  const setup = resolveSetup(env)
  // stanza-create is idempotent: on an existing stanza it only validates it against the cluster
  // ("already exists and is valid"), so an adopted setup is checked, never rewritten.
  const stanzaCreate = command(setup, 'stanza-create', `create or validate pgBackRest stanza '${setup.stanza}'`, [], 'stanza-create')
  if (setup.mode === 'adopted') return plan(`pgBackRest: validate adopted stanza '${setup.stanza}'`, stanzaCreate)

  const repoDir = setup.repoDir!
  const paths = managedPaths(repoDir)
  // pgBackRest makes its directories 0750 and files 0640 (reliability.md L26): 0700 parents keep
  // them private. It creates the lock path itself but not the log path.
  const dirs: Step[] = [
    { kind: 'mkdir', id: 'mkdir-repo-dir', title: `create ${repoDir}`, path: repoDir, mode: 0o700 },
    { kind: 'mkdir', id: 'mkdir-repo', title: `create ${paths.repo}`, path: paths.repo, mode: 0o700 },
    { kind: 'mkdir', id: 'mkdir-log', title: `create ${paths.log}`, path: paths.log, mode: 0o700 },
    { kind: 'mkdir', id: 'mkdir-lock', title: `create ${paths.lock}`, path: paths.lock, mode: 0o700 },
  ]
  const config: Step = {
    kind: 'write-file',
    id: 'write-config',
    title: `write ${setup.configFile}`,
    path: setup.configFile!,
    content: renderConfig(env, setup),
    mode: 0o600,
    ...(holdsSecret(setup.passthrough) ? { secret: true } : {}),
  }
  return plan(`pgBackRest: set up stanza '${setup.stanza}' in ${paths.repo}`, dirs, config, stanzaCreate)
}

export function planCheck(env: ToolEnv): Plan {
  const setup = resolveSetup(env)
  return plan(
    'pgBackRest check',
    command(setup, 'check', 'pgbackrest check: configuration, server, stanza, and a WAL switch archived', [NO_ARCHIVE_CHECK], 'check'),
  )
}

export function planWalPush(env: ToolEnv, walPath: string): Plan {
  const setup = resolveSetup(env)
  return plan('pgBackRest archive-push', command(setup, 'wal-push', `archive ${walPath}`, [], 'archive-push', [walPath]))
}

/** a file that is not archived exits 1 without a message (fixture archive-get-missing) */
export function planWalGet(env: ToolEnv, walName: string, destPath: string): Plan {
  const setup = resolveSetup(env)
  return plan('pgBackRest archive-get', command(setup, 'wal-get', `fetch ${walName} from the archive`, [], 'archive-get', [walName, destPath], { mutates: false }))
}

export function planBackup(env: ToolEnv, req: BackupRequest): Plan {
  const setup = resolveSetup(env)
  const options = [`--type=${req.type}`, NO_ARCHIVE_CHECK, ...(req.label === undefined ? [] : [`--annotation=${LABEL_ANNOTATION}=${req.label}`])]
  return plan(
    `pgBackRest ${req.type} backup`,
    command(setup, 'backup', `${req.type} backup of stanza '${setup.stanza}'`, options, 'backup'),
    // What --no-archive-check gives up: waiting until the backup's WAL is archived. The archiver
    // archives in order, so the segment `check` switches to and waits for comes after the
    // backup's last one (pg_backup_stop switched away from it).
    command(setup, 'backup-wal', 'wait until the WAL the backup needs is archived (pgbackrest check)', [NO_ARCHIVE_CHECK], 'check'),
  )
}

/** archive-push stores each file in the repository at once: the archive never lags */
export function planArchiveRefresh(_env: ToolEnv): Plan | undefined {
  return undefined
}

export function planInfo(env: ToolEnv): ExecStep {
  const setup = resolveSetup(env)
  return command(setup, 'info', 'read the backup catalog', ['--output=json'], 'info', [], { mutates: false })
}

/** one backup's details: with --set, info also lists its tablespaces */
export function planInfoSet(env: ToolEnv, label: string): ExecStep {
  const setup = resolveSetup(env)
  return command(setup, 'info-set', `read backup ${label}`, ['--output=json', `--set=${label}`], 'info', [], { mutates: false })
}

/** the stanza's WAL archive, through the repository (any repo type): adopted mode */
export function planListArchive(env: ToolEnv): ExecStep {
  const setup = resolveSetup(env)
  return command(setup, 'repo-ls', 'list the WAL archive', ['--output=json', '--recurse'], 'repo-ls', [`archive/${setup.stanza}`], { mutates: false })
}

/**
 * `verify` checks the whole repository: --set is internal in 2.45 and cmdVerify never reads it
 * (fixture verify-set lists every backup). --verbose prints every backup and archive, not only
 * failures (without it an intact repository prints nothing: fixture verify-quiet-ok). The text
 * only counts bad files; each one is named in an INFO log line (verifyLogInvalidResult), which
 * --log-level-stderr=info sends to stderr, apart from the text on stdout (fixtures verify-named-*).
 */
export function planVerify(env: ToolEnv, _backup: Backup): Plan {
  const setup = resolveSetup(env)
  return plan(
    'pgBackRest verify',
    command(setup, 'verify', 'pgbackrest verify: re-read every backup and WAL file', ['--output=text', '--verbose', '--log-level-stderr=info'], 'verify', [], { mutates: false }),
  )
}

export function planRestore(env: ToolEnv, req: RestoreRequest): RestorePlan {
  const setup = resolveSetup(env)
  const t = req.target
  const options = [`--set=${req.backup.id}`, `--pg1-path=${req.dest}`]
  switch (t.kind) {
    case 'latest':
      options.push('--type=default')
      break
    case 'immediate':
      options.push('--type=immediate')
      break
    case 'time':
      options.push('--type=time', `--target=${pgUtcFromMicros(t.at)}`)
      break
    case 'lsn':
      options.push('--type=lsn', `--target=${formatLsn(t.lsn)}`)
      break
    case 'xid':
      options.push('--type=xid', `--target=${t.xid}`)
      break
    case 'name':
      options.push('--type=name', `--target=${t.name}`)
      break
  }
  if (!req.inclusive && (t.kind === 'time' || t.kind === 'xid' || t.kind === 'lsn')) options.push('--target-exclusive')
  // 2.45 refuses --target-timeline with immediate ([031], fixture restore-immediate-timeline) and
  // writes 'current' itself there; pitrctl reconciles that line afterwards.
  if (t.kind !== 'immediate') options.push(`--target-timeline=${timelineSetting(req.timeline)}`)
  // --target-action is refused with --type=default ([031], fixture restore-default-target-action);
  // pause is PostgreSQL's default and pgBackRest does not write it.
  if (t.kind !== 'latest') options.push(`--target-action=${req.action}`)
  // archive_mode=off is written by pgBackRest from PostgreSQL 12; pitrctl sets it for clones anyway.
  if (req.clone && (env.pgMajor === undefined || env.pgMajor >= 12)) options.push('--archive-mode=off')
  // Each tablespace where pitrctl decided (by oid, which pgBackRest takes like a name): the list
  // is pgBackRest's own (info --set), so none is left to land at its old path (L15).
  for (const ts of req.tablespaces ?? []) options.push(`--tablespace-map=${ts.oid}=${ts.dest}`)

  const step = command(setup, 'restore', `restore backup ${req.backup.id} into ${req.dest}`, options, 'restore')
  return { ...plan(`pgBackRest restore of ${req.backup.id}`, step), restoreCommand: restoreCommandFor(setup, req.dest), recoveryFiles: [] }
}

// restore.c writes `restore_command = '<cmd> --config=… --pg1-path=… --stanza=… archive-get %f "%p"'`
// (fixture restore-immediate): the same user and files work for the restored server. It quotes
// values with " only when they hold a space and escapes neither ' nor %, so a path outside this
// charset gets pitrctl's own, properly quoted command instead.
const PLAIN = /^[A-Za-z0-9_./:,+@=-]+$/

export function restoreCommandFor(setup: PgbackrestSetup, dest: string): string | undefined {
  const values = [setup.configFile ?? '', setup.stanza, dest]
  if (values.every((v) => v === '' || PLAIN.test(v))) return undefined
  return buildWalCommand([
    setup.program ?? PGBACKREST,
    ...(setup.configFile === undefined ? [] : [`--config=${setup.configFile}`]),
    `--pg1-path=${dest}`,
    `--stanza=${setup.stanza}`,
    'archive-get',
    { placeholder: '%f' },
    { placeholder: '%p' },
  ])
}
