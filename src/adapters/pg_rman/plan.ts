/**
 * pg_rman's commands as data. Every pg_rman step gets `-B` and the catalog's `TZ` (config.ts);
 * paths are always given on the command line, where they override pg_rman.ini and the
 * BACKUP_PATH/ARCLOG_PATH/… environment variables (pgut.c: command line > file > environment).
 */
import path from 'node:path'
import { UsageError } from '../../errors.js'
import type { Backup } from '../../model/catalog.js'
import { execStep, plan, type ExecStep, type Plan, type Step } from '../../model/plan.js'
import { buildWalCommand } from '../../model/recovery-settings.js'
import { microsFromIso } from '../../model/time.js'
import { walFileKind } from '../../model/wal-name.js'
import type { BackupRequest, RestorePlan, RestoreRequest, ToolEnv } from '../adapter.js'
import { programPath } from '../program-path.js'
import { pgRmanEnv, resolveSetup, renderIni, restoreWorkWalDir, microsToNaive, type PgRmanSetup } from './config.js'

export function pgRmanBin(env: ToolEnv): string {
  // `make USE_PGXS=1 install` puts pg_rman beside the server programs of the PostgreSQL it was built for.
  // Elsewhere (/usr/local/bin) it is found on PATH like any tool (program-path.ts).
  return programPath(env, 'pg_rman', path.join(env.pg.binDir, 'pg_rman'))
}

/** `pg_rman <command> -B <BACKUP_PATH> <options…> [DATE]`, the order of pg_rman's own docs */
function rman(env: ToolEnv, setup: PgRmanSetup, id: string, title: string, command: string, options: readonly string[], mutates: boolean, date?: string): ExecStep {
  const argv: [string, ...string[]] = [pgRmanBin(env), command, '-B', setup.backupPath, ...options]
  if (date !== undefined) argv.push(date)
  return execStep(id, title, argv, { env: pgRmanEnv(setup), mutates })
}

export function planVersion(env: ToolEnv): ExecStep {
  // `--version` prints to stderr and exits 1 (pgut_getopt → exit_or_abort(HELP)): fixture `version`.
  return execStep('version', 'pg_rman version', [pgRmanBin(env), '--version'], { mutates: false, okExitCodes: [1] })
}

export function planSetup(env: ToolEnv): Plan {
  const s = resolveSetup(env)
  if (s.mode === 'adopted') throw new UsageError('pg_rman is adopted here: pitrctl does not create or rewrite its catalog', { hint: `the catalog ${s.backupPath} is used as it is` })
  const repoDir = path.dirname(s.backupPath)
  return plan(
    `pg_rman: create the catalog ${s.backupPath}`,
    { kind: 'mkdir', id: 'mkdir-repo', title: `create ${repoDir}`, path: repoDir, mode: 0o700 },
    { kind: 'mkdir', id: 'mkdir-arclog', title: `create the WAL archive ${s.arclogPath}`, path: s.arclogPath, mode: 0o700 },
    // init refuses a BACKUP_PATH that exists and is not empty (exit 2): fixture `init-exists`.
    rman(env, s, 'init', 'pg_rman init', 'init', ['-D', env.pg.pgdata, '-A', s.arclogPath, '-S', s.srvlogPath!], true),
    { kind: 'write-file', id: 'ini', title: 'pg_rman.ini', path: path.join(s.backupPath, 'pg_rman.ini'), content: renderIni(s), mode: 0o600 },
  )
}

/** pg_rman has no check command: the catalog and the archive exist, and `show` can read the catalog */
export function planCheck(env: ToolEnv): Plan {
  const s = resolveSetup(env)
  return plan(
    'pg_rman: catalog and archive',
    execStep('catalog', `catalog initialised (${s.backupPath}/system_identifier)`, ['test', '-f', path.join(s.backupPath, 'system_identifier')], { mutates: false }),
    execStep('arclog', `WAL archive ${s.arclogPath} exists`, ['test', '-d', s.arclogPath], { mutates: false }),
    planShow(env),
  )
}

export function planShow(env: ToolEnv, id?: string): ExecStep {
  const s = resolveSetup(env)
  return id === undefined ? rman(env, s, 'show', 'pg_rman show', 'show', [], false) : rman(env, s, 'show-backup', `pg_rman show ${id}`, 'show', [], false, id)
}

export function planWalPush(env: ToolEnv, walPath: string): Plan {
  const s = resolveSetup(env)
  const name = path.basename(walPath)
  return plan(`pg_rman: archive ${name}`, { kind: 'archive-copy', id: 'archive', title: `archive ${name} into ${s.arclogPath}`, src: walPath, destDir: s.arclogPath })
}

export function planWalGet(env: ToolEnv, walName: string, destPath: string): Plan {
  if (walFileKind(walName) === undefined) throw new Error(`not a WAL file name: ${JSON.stringify(walName)}`)
  const s = resolveSetup(env)
  // cp fails at once on a missing file (fixture `wal-get-missing`) and follows symlinks.
  return plan(`pg_rman: fetch ${walName}`, execStep('wal-get', `fetch ${walName}`, ['cp', '--', path.join(s.arclogPath, walName), destPath], { mutates: false }))
}

/**
 * A new backup is DONE, which pg_rman will neither restore nor build an incremental on: validate
 * (CRC of every file) belongs to taking it. validate without a date checks every DONE backup.
 */
export function planBackup(env: ToolEnv, req: BackupRequest): Plan {
  if (req.type === 'diff') throw new UsageError('pg_rman has no differential backups', { hint: 'use --type full or --type incr' })
  // There is nowhere to keep one: the backup's id (its start time) is only known once it ran.
  if (req.label !== undefined) throw new UsageError('pg_rman backups have no label', { hint: 'run without --label; the backup is named by its start time' })
  const s = resolveSetup(env)
  const mode = req.type === 'full' ? 'full' : 'incremental'
  return plan(
    `pg_rman: ${mode} backup`,
    rman(env, s, 'backup', `pg_rman backup -b ${mode}`, 'backup', [
      '-b', mode,
      '-D', env.pg.pgdata,
      '-A', s.arclogPath,
      ...(s.srvlogPath === undefined ? [] : ['-S', s.srvlogPath]),
      '-h', env.pg.host, '-p', String(env.pg.port), '-U', env.pg.user, '-d', env.pg.database,
      // never prompt for a password: a hidden prompt would hang the run
      '-w',
    ], true),
    rman(env, s, 'validate', 'pg_rman validate', 'validate', [], true),
  )
}

/**
 * validate re-checks only DONE backups and exits 0 even when it marks one CORRUPT (fixture
 * `validate-corrupt`): the verdict is the status `show` reads back afterwards.
 */
export function planVerify(env: ToolEnv, backup: Backup): Plan {
  const backupId = backup.id
  const s = resolveSetup(env)
  return plan(`pg_rman: validate ${backupId}`, rman(env, s, 'validate', `pg_rman validate ${backupId}`, 'validate', [], true, backupId), planShow(env, backupId))
}

/** wal-push copies each file into ARCLOG_PATH, which is the archive: it never lags */
export function planArchiveRefresh(_env: ToolEnv): Plan | undefined {
  return undefined
}

/** `cp <ARCLOG_PATH>/%f %p`, quoted for any path (pg_rman writes the path unquoted) */
export function restoreCommand(setup: PgRmanSetup): string {
  return `${buildWalCommand(['cp', setup.arclogPath])}/%f %p`
}

/**
 * pg_rman picks the base backup itself (restore.c): the newest OK FULL on the target timeline
 * whose RECOVERY_TIME ≤ --recovery-target-time, then every later OK INCR on its timeline that
 * satisfies the same bound. Passing req.backup's own RECOVERY_TIME (its `stop`, read.ts) as the
 * bound therefore restores exactly req.backup — a FULL alone, an INCR on top of its chain — for
 * every target kind. Two backups ending in the same second would blur this (never seen: a backup
 * waits for a checkpoint and for its WAL to be archived); `parseRestoredBackups` tells what pg_rman
 * took. The bound is a selector only: pitrctl's reconcile step afterwards replaces
 * recovery_target_time in pg_rman_recovery.conf with the exact target (or comments it out), so
 * rounding to pg_rman's whole seconds loses nothing. Its native xid target is not used: it selects
 * by RECOVERY_XID (txid_current() after the backup), not by the commit pitrctl located.
 *
 * The timeline is always the backup's own number: `latest` resolves in pg_rman from pg_control of
 * -D, which a new or emptied directory lacks, so it becomes timeline 0 and no backup qualifies (exit
 * 21, fixture `restore-latest-newdir`); a later timeline needs a history pg_rman's own catalog may
 * not hold (its timeline_history/ only learns of timelines it backed up), and again nothing
 * qualifies. The backup's own timeline selects exactly that backup; pitrctl's reconcile then writes
 * the timeline the restore really follows.
 *
 * -A and -S point into a scratch directory: pg_rman replaces archived WAL in -A with symlinks into
 * its backups, and its next backup deletes every symlink in ARCLOG_PATH — with the real archive that
 * loses WAL (fixtures `restore-inplace`, `backup-full-tli2`). With -S it would copy the cluster's
 * server logs into the catalog. The restore work directory is emptied first: pg_rman reuses
 * online WAL it saved there in an earlier restore and copies it into the new pg_wal (fixture
 * `restore-incr-scratch`); pitrctl rescues an in-place cluster's WAL itself.
 */
export function planRestore(env: ToolEnv, req: RestoreRequest): RestorePlan {
  const s = resolveSetup(env)
  const b = req.backup
  if (b.tool !== 'pg_rman') throw new Error(`backup ${b.id} is not a pg_rman backup`)
  if (b.stop === null || b.timeline === null) throw new Error(`backup ${b.id} has no RECOVERY_TIME or timeline: it cannot be restored`)
  const selector = microsToNaive(microsFromIso(b.stop), s.timezone)
  const timeline = b.timeline
  // pg_rman's mkdirs.sh recreates each tablespace at its old path: pitrctl moved it aside (in place)
  // or refused (a copy) in model/tablespaces.ts.
  const moved = (req.tablespaces ?? []).find((ts) => ts.dest !== ts.location)
  if (moved) throw new Error(`pg_rman restores tablespace ${moved.name ?? moved.oid} only at ${moved.location}, not ${moved.dest}`)
  const scratch = path.join(env.stateDir, 'pg_rman-restore')
  const scratchArclog = path.join(scratch, 'arclog')
  const scratchSrvlog = path.join(scratch, 'srvlog')
  const t = req.target
  const steps: Step[] = [
    { kind: 'mkdir', id: 'mkdir-work', title: 'pg_rman restore work directory', path: restoreWorkWalDir(s), mode: 0o700 },
    execStep('clear-work', 'forget online WAL saved by an earlier pg_rman restore', ['find', restoreWorkWalDir(s), '-mindepth', '1', '-delete']),
    { kind: 'mkdir', id: 'mkdir-scratch', title: 'scratch directory for pg_rman restore', path: scratch, mode: 0o700 },
    execStep('clear-scratch', 'empty the scratch directory', ['find', scratch, '-mindepth', '1', '-delete']),
    { kind: 'mkdir', id: 'mkdir-scratch-arclog', title: 'scratch ARCLOG_PATH', path: scratchArclog, mode: 0o700 },
    { kind: 'mkdir', id: 'mkdir-scratch-srvlog', title: 'scratch SRVLOG_PATH', path: scratchSrvlog, mode: 0o700 },
    rman(env, s, 'restore', `pg_rman restore ${b.id}`, 'restore', [
      '-D', req.dest,
      '-A', scratchArclog,
      '-S', scratchSrvlog,
      `--recovery-target-time=${selector}`,
      `--recovery-target-timeline=${timeline}`,
      ...(t.kind === 'time' || t.kind === 'xid' || t.kind === 'lsn' ? [`--recovery-target-inclusive=${req.inclusive ? 'on' : 'off'}`] : []),
      ...(t.kind === 'latest' ? [] : [`--recovery-target-action=${req.action}`]),
    ], true),
  ]
  return {
    ...plan(`pg_rman: restore ${b.id} into ${req.dest}`, steps),
    restoreCommand: restoreCommand(s),
    recoveryFiles: [path.join(req.dest, 'pg_rman_recovery.conf')],
  }
}
