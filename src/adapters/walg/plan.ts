/**
 * WAL-G commands as data. Every command names the configuration file (`--config FILE` before the
 * command word); settings that hold secrets live only in that file, never on a command line.
 */
import path from 'node:path'
import { ConfigError } from '../../errors.js'
import type { Backup } from '../../model/catalog.js'
import { execStep, plan, type ExecStep, type Plan, type Step } from '../../model/plan.js'
import { buildWalCommand } from '../../model/recovery-settings.js'
import type { TablespaceDest } from '../../model/tablespaces.js'
import type { BackupRequest, RestorePlan, RestoreRequest, ToolEnv } from '../adapter.js'
import { programPath } from '../program-path.js'
import { renderConfig, resolveSetup, type WalgSetup } from './config.js'

export const WALG = 'wal-g'

/** the user-data key that carries `pitrctl backup --label` (WAL-G names backups itself) */
export const LABEL_KEY = 'pitrctl-label'

/** WAL-G's storage folder of archived WAL (utility.WalPath, "wal_" + VersionStr "005") */
export const WAL_FOLDER = 'wal_005/'

/**
 * How many deltas may follow a full when pitrctl.ini does not say (walg.WALG_DELTA_MAX_STEPS).
 * WAL-G's own default is 0, which turns deltas off; past the limit WAL-G silently takes a full
 * ("Reached max delta steps. Doing full backup."), which `pitrctl backup` then reports as such.
 */
export const DEFAULT_DELTA_MAX_STEPS = '7'

function command(setup: WalgSetup, id: string, title: string, args: readonly string[], extra: Partial<ExecStep> = {}): ExecStep {
  return execStep(id, title, [setup.program ?? WALG, '--config', setup.configFile, ...args], extra)
}

/** a WAL-G command of this setup (expire.ts builds its own with it) */
export const walgCommand = command

export function planVersion(env: ToolEnv): ExecStep {
  return execStep('version', 'WAL-G version', [programPath(env, WALG), '--version'], { mutates: false })
}

/** `st check read` lists the storage root: a missing or unreadable storage fails (fixture st-check-read-no-storage) */
function storageCheck(setup: WalgSetup): ExecStep {
  return command(setup, 'check', 'WAL-G can read its storage (st check read)', ['st', 'check', 'read'], { mutates: false })
}

export function planSetup(env: ToolEnv): Plan {
  const setup = resolveSetup(env)
  if (setup.mode === 'adopted') return plan(`WAL-G: check the adopted configuration ${setup.configFile}`, storageCheck(setup))
  const steps: Step[] = [
    { kind: 'mkdir', id: 'mkdir-repo-dir', title: `create ${setup.repoDir}`, path: setup.repoDir!, mode: 0o700 },
    // The FS storage root must exist: WAL-G never creates it (fixture wal-push-no-storage).
    { kind: 'mkdir', id: 'mkdir-storage', title: `create ${setup.storageDir}`, path: setup.storageDir!, mode: 0o700 },
    { kind: 'write-file', id: 'write-config', title: `write ${setup.configFile}`, path: setup.configFile, content: renderConfig(env, setup), mode: 0o600, secret: true },
  ]
  return plan(`WAL-G: set up storage in ${setup.storageDir}`, steps, storageCheck(setup))
}

export function planCheck(env: ToolEnv): Plan {
  return plan('WAL-G check', storageCheck(resolveSetup(env)))
}

/**
 * With WALG_PREVENT_WAL_OVERWRITE a file archived with different content exits 1 and is left
 * alone; identical content is success (fixtures wal-push-*). WAL-G's default replaces it silently
 * (fixture wal-push-overwrite-default), so the step sets it in the environment, where it also
 * wins over an adopted file that lacks it (fixture wal-push-overwrite-env) without rewriting it.
 * `.history` files are never overwritten, whatever the setting (wal_push_handler.go).
 */
export function planWalPush(env: ToolEnv, walPath: string): Plan {
  const setup = resolveSetup(env)
  return plan('WAL-G wal-push', command(setup, 'wal-push', `archive ${walPath}`, ['wal-push', walPath], { env: { WALG_PREVENT_WAL_OVERWRITE: 'true' } }))
}

/**
 * A file that is not archived exits 74 (constants.ExIoError; fixture wal-fetch-missing). DEST is
 * opened with O_EXCL, so it must not exist (fixture wal-fetch-dest-exists), and a broken archive
 * can leave a partial DEST behind with exit 1 (fixture wal-fetch-corrupt).
 * WALG_DOWNLOAD_CONCURRENCY=1 turns off wal-fetch's prefetch: otherwise it starts a detached
 * `wal-g wal-prefetch` that downloads the next 10 segments into `<dir of DEST>/.wal-g/prefetch/`
 * (seen in the lab) — right for PostgreSQL's restore_command, wasted on a single fetch.
 */
export function planWalGet(env: ToolEnv, walName: string, destPath: string): Plan {
  const setup = resolveSetup(env)
  return plan(
    'WAL-G wal-fetch',
    command(setup, 'wal-get', `fetch ${walName} from the archive`, ['wal-fetch', walName, destPath], { env: { WALG_DOWNLOAD_CONCURRENCY: '1' }, mutates: false }),
  )
}

/**
 * full: `--full`, so a WALG_DELTA_MAX_STEPS set in a configuration file cannot turn it into a
 * delta. incr/diff: a delta backup, which WAL-G only makes when WALG_DELTA_MAX_STEPS > 0; the
 * origin picks the base: LATEST (the newest backup, full or delta: an incremental chain) or
 * LATEST_FULL (the newest full: a differential). Both are set on the step, where they win over
 * the configuration file (viper: environment before file). Without a backup to start from, or
 * past the step limit, WAL-G takes a full instead (delta_backup_configurator.go). The step count
 * of a differential is that of the newest backup plus one, not its distance from the full (the
 * LATEST_FULL delta of fixture backup-push-delta-latest-full has DeltaCount 3), so the limit
 * counts every backup since the full for both kinds.
 * Names: `base_<start WAL>`, a delta `base_<start WAL>_D_<start WAL of its base>` (fixtures
 * backup-push-*).
 */
export function planBackup(env: ToolEnv, req: BackupRequest): Plan {
  const setup = resolveSetup(env)
  const args = ['backup-push', env.pg.pgdata]
  let stepEnv: Record<string, string> | undefined
  if (req.type === 'full') {
    args.push('--full')
  } else {
    stepEnv = { WALG_DELTA_MAX_STEPS: deltaMaxSteps(env, setup), WALG_DELTA_ORIGIN: req.type === 'incr' ? 'LATEST' : 'LATEST_FULL' }
  }
  // The label goes into the backup's user data, which backup-list --detail prints back.
  if (req.label !== undefined) args.push('--add-user-data', JSON.stringify({ [LABEL_KEY]: req.label }))
  const what = req.type === 'full' ? 'full backup' : `delta backup from the newest ${req.type === 'incr' ? 'backup' : 'full backup'}`
  return plan(`WAL-G ${what}`, command(setup, 'backup', `${what} of ${env.pg.pgdata}`, args, stepEnv ? { env: stepEnv } : {}))
}

function deltaMaxSteps(env: ToolEnv, setup: WalgSetup): string {
  const given = setup.stepOptions.WALG_DELTA_MAX_STEPS
  if (given === undefined) return DEFAULT_DELTA_MAX_STEPS
  if (!/^\d+$/.test(given) || Number(given) < 1)
    throw new ConfigError(env.configPath, env.cluster, 'walg.WALG_DELTA_MAX_STEPS', `'${given}' does not allow delta backups`, 'give a number of deltas between fulls (1 or more), or back up with --type full')
  return given
}

/** wal-push stores each file in the storage at once: the archive never lags */
export function planArchiveRefresh(_env: ToolEnv): Plan | undefined {
  return undefined
}

export function planBackupList(env: ToolEnv): ExecStep {
  return command(resolveSetup(env), 'backup-list', 'read the backup catalog', ['backup-list', '--detail', '--json'], { mutates: false })
}

/** WAL-G's storage folder of base backups (utility.BaseBackupPath); a backup is `<name>/` plus `<name>_backup_stop_sentinel.json` */
export const BACKUP_FOLDER = 'basebackups_005/'

/** every object of one backup's folder, with sizes (fixtures st-ls-backup, st-ls-backup-delta) */
export function planListBackupObjects(env: ToolEnv, backupId: string): ExecStep {
  return command(resolveSetup(env), 'backup-objects', `list the stored objects of ${backupId}`, ['st', 'ls', '-r', `${BACKUP_FOLDER}${backupId}/`], { mutates: false })
}

/** one stored object's bytes as the storage holds them (compressed, encrypted): `st cat` without --decompress */
export function planReadObject(env: ToolEnv, objectPath: string): ExecStep {
  return command(resolveSetup(env), 'read-object', `read ${objectPath} through WAL-G`, ['st', 'cat', objectPath], { mutates: false })
}

/** the names in the WAL folder of whatever storage the configuration points at (any storage type) */
export function planListWal(env: ToolEnv): ExecStep {
  return command(resolveSetup(env), 'wal-list', 'list the WAL archive', ['st', 'ls', WAL_FOLDER], { mutates: false })
}

/**
 * There is no backup verification for PostgreSQL in WAL-G (cmd/pg has only wal-verify): this
 * checks the WAL from the backup's start to the server's current segment, and that no newer
 * timeline was archived. It asks the running server for its current segment and timeline.
 * It exits 0 whatever it finds (fixtures wal-verify-*): read.ts reads the verdict.
 */
export function planVerify(env: ToolEnv, backup: Backup): Plan {
  const setup = resolveSetup(env)
  return plan(
    'WAL-G wal-verify',
    command(setup, 'wal-verify', `WAL from backup ${backup.id} on (wal-verify integrity timeline)`, ['wal-verify', 'integrity', 'timeline', '--json', '--backup-name', backup.id], {
      mutates: false,
    }),
  )
}

/**
 * backup-fetch unpacks the backup and its delta bases into DEST (absent or empty: fixture
 * backup-fetch-nonempty) and writes no recovery settings at all (fixture backup-fetch-delta):
 * pitrctl writes recovery.signal and every target setting, with this restore_command. Tablespaces
 * go back to the locations recorded in the backup (no --restore-spec).
 */
/** a backup's stop sentinel (its tablespaces), through WAL-G's storage tool: any storage */
export function planReadSentinel(env: ToolEnv, backupName: string): ExecStep {
  return command(resolveSetup(env), 'sentinel', `read the sentinel of ${backupName}`, ['st', 'cat', `basebackups_005/${backupName}_backup_stop_sentinel.json`], { mutates: false })
}

export function planRestore(env: ToolEnv, req: RestoreRequest): RestorePlan {
  const setup = resolveSetup(env)
  const tablespaces = req.tablespaces ?? []
  if (tablespaces.length === 0) {
    const step = command(setup, 'restore', `restore backup ${req.backup.id} into ${req.dest}`, ['backup-fetch', req.dest, req.backup.id])
    return { ...plan(`WAL-G restore of ${req.backup.id}`, step), restoreCommand: restoreCommandFor(setup), recoveryFiles: [] }
  }
  // Without a spec WAL-G takes the sentinel's: the old data directory's links and the old paths.
  const specFile = path.join(env.stateDir, 'walg', `restore-spec-${req.backup.id}.json`)
  return {
    ...plan(
      `WAL-G restore of ${req.backup.id}`,
      { kind: 'write-file', id: 'restore-spec', title: 'where each tablespace goes (WAL-G restore spec)', path: specFile, content: renderRestoreSpec(req.dest, tablespaces), mode: 0o600 },
      command(setup, 'restore', `restore backup ${req.backup.id} into ${req.dest}`, ['backup-fetch', req.dest, req.backup.id, '--restore-spec', specFile]),
    ),
    restoreCommand: restoreCommandFor(setup),
    recoveryFiles: [],
  }
}

/**
 * `backup-fetch --restore-spec` (v3.0.8 internal/databases/postgres/tablespace_spec.go): base_prefix
 * is the new data directory, `tablespaces` the pg_tblspc link names (oids), and each oid's `loc`
 * the directory it is restored into, `link` its link relative to base_prefix. The spec replaces
 * the sentinel's whole (backup_fetch_handler.go chooseTablespaceSpecification).
 */
export function renderRestoreSpec(dest: string, tablespaces: readonly TablespaceDest[]): string {
  const spec: Record<string, unknown> = { base_prefix: dest, tablespaces: tablespaces.map((t) => t.oid) }
  for (const t of tablespaces) spec[t.oid] = { loc: t.dest, link: `pg_tblspc/${t.oid}` }
  return `${JSON.stringify(spec, null, 2)}\n`
}

/**
 * PostgreSQL's restore_command: WAL-G's own wal-fetch, with its prefetch (the restored server
 * reads segments in order). A missing file exits 74, which PostgreSQL takes as "not archived".
 */
export function restoreCommandFor(setup: WalgSetup): string {
  return buildWalCommand([setup.program ?? WALG, '--config', setup.configFile, 'wal-fetch', { placeholder: '%f' }, { placeholder: '%p' }])
}
