/**
 * Barman's commands as data. Every command runs as the OS user in barman_user with `-c <config>`;
 * options that take a value are passed as `--opt=value`, so a value starting with `-` (a
 * restore point name) cannot be read as another option.
 */
import path from 'node:path'
import { UsageError } from '../../errors.js'
import type { Backup } from '../../model/catalog.js'
import { formatLsn } from '../../model/lsn.js'
import { execStep, plan, type ExecStep, type Plan, type Step } from '../../model/plan.js'
import { buildWalCommand, timelineSetting } from '../../model/recovery-settings.js'
import { pgUtcFromMicros } from '../../model/time.js'
import { walFileKind } from '../../model/wal-name.js'
import type { BackupRequest, RestorePlan, RestoreRequest, ToolEnv } from '../adapter.js'
import { programPath } from '../program-path.js'
import { configHoldsSecrets, incomingDir, renderBarmanConf, resolveSetup } from './config.js'

/** seconds Barman waits for a backup's WAL to be archived before giving up (exit 1) */
export const WAL_WAIT_SECONDS = 300

export function barmanArgv(env: ToolEnv, ...args: string[]): [string, ...string[]] {
  return [programPath(env, 'barman'), '-c', resolveSetup(env).config, ...args]
}

export function planVersion(env: ToolEnv): ExecStep {
  return execStep('version', 'barman version', [programPath(env, 'barman'), '--version'], { mutates: false })
}

export function planSetup(env: ToolEnv): Plan {
  const l = resolveSetup(env)
  if (l.mode === 'adopted') return plan(`barman: adopted setup (${l.config}, server ${l.server}) is left as it is`)
  // Barman would create these itself with the process umask; made here 0700 first (rule 17),
  // and incoming/ must exist before the first wal-push.
  const dirs = [l.repo, l.home, l.serverDir, l.basebackups, l.incoming, l.wals, l.errors, l.streaming]
  return plan(
    `barman: configure server ${l.server}`,
    dirs.map((p, i): Step => ({ kind: 'mkdir', id: `mkdir-${i}`, title: `create ${p}`, path: p, mode: 0o700 })),
    { kind: 'write-file', id: 'config', title: `write ${l.config}`, path: l.config, content: renderBarmanConf(env), mode: 0o600, secret: configHoldsSecrets(env) },
  )
}

export function planCheck(env: ToolEnv): Plan {
  const { server } = resolveSetup(env)
  // Exit 1 when any check fails, including `archiver errors` (a mismatched duplicate segment
  // moved to errors/, which archive-wal itself reports with exit 0: fixture archive-wal-duplicates).
  return plan(`barman: check server ${server}`, execStep('check', `barman check ${server}`, barmanArgv(env, 'check', server), { mutates: false }))
}

/**
 * Hand one WAL file to Barman: pitrctl's own durable copy into the incoming directory, which
 * refuses a different file already there. Barman skips hidden and `*.tmp` names in incoming
 * (wal_archiver.py get_next_batch), so the copy's temp file is never picked up half-written.
 */
export function planWalPush(env: ToolEnv, walPath: string): Plan {
  const name = path.basename(walPath)
  if (!walFileKind(name)) throw new UsageError(`${name} is not a WAL file name`, { hint: 'archive_command passes %p: a segment, .history, .backup or .partial file' })
  const dest = incomingDir(env)
  return plan(`barman: archive ${name}`, { kind: 'archive-copy', id: 'archive', title: `copy ${name} into Barman's incoming directory`, src: walPath, destDir: dest })
}

/**
 * Move what wal-push left in incoming/ into Barman's catalog (wals/, xlog.db). Barman does this
 * only in `archive-wal` or `cron`; cron also applies retention policies and starts receive-wal
 * for every server, so pitrctl runs archive-wal alone. The service runs this before list, verify
 * and restore (WAL waits in incoming/ until archive-wal moves it). Exit 0 even when a segment
 * differs from the archived one (it is moved to errors/): `readArchiveRefresh` finds those lines.
 */
export function planArchiveRefresh(env: ToolEnv): Plan | undefined {
  const { server } = resolveSetup(env)
  return plan(`barman: archive incoming WAL of ${server}`, execStep('archive-wal', `barman archive-wal ${server}`, barmanArgv(env, 'archive-wal', server)))
}

/** a missing file exits 1 with `ERROR: WAL file '…' not found in server '…'` (fixture get-wal-missing) */
export function planWalGet(env: ToolEnv, walName: string, destPath: string): Plan {
  if (!walFileKind(walName)) throw new UsageError(`${walName} is not a WAL file name`, { hint: 'a segment, .history, .backup or .partial file name' })
  const { server } = resolveSetup(env)
  return plan(
    `barman: fetch ${walName}`,
    execStep('wal-get', `barman get-wal ${walName}`, barmanArgv(env, 'get-wal', server, walName), { mutates: false, stdoutFile: destPath, timeoutMs: 120_000 }),
  )
}

const RESERVED_BACKUP_IDS = ['latest', 'last', 'oldest', 'first', 'last-failed']

/**
 * Labels Barman would refuse, or accept and later resolve to another backup: 3.4's
 * parse_backup_id tests `backup_id in ("last-failed")`, a substring test on a string, so a name
 * such as `fail` or `last` means the last failed backup (fixture backup-name-ambiguous-lookup).
 */
export function barmanLabelProblem(label: string): string | undefined {
  if (label === '') return 'it is empty'
  // biome-ignore lint: control characters are exactly what is being refused
  if (/[\u0000-\u001f\u007f]/.test(label)) return 'it holds a control character (backup.info is one line per key)'
  if (/^\d{8}T\d{6}$/.test(label)) return 'it looks like a Barman backup id'
  if (RESERVED_BACKUP_IDS.includes(label)) return `"${label}" is a reserved Barman backup id`
  if ('last-failed'.includes(label)) return `Barman 3.4 would read the name "${label}" as last-failed`
  return undefined
}

/**
 * `--wait` makes Barman wait for the backup's last WAL and mark it DONE. With a label it cannot
 * be used: 3.4.0 sets the name after the final save when --wait is given, so it is lost
 * (fixture backup-wait-named; fixed in 3.5.0). Without --wait the name is saved, and the backup
 * may end WAITING_FOR_WALS when its last WAL is not archived yet (fixture labeled-1-backup).
 * So a labeled backup is three steps: the backup; switch-wal, which closes a segment after the
 * backup's end and waits until Barman has archived it (segments arrive in order, so the backup's
 * WAL is then there too); check-backup by name, which turns WAITING_FOR_WALS into DONE.
 */
export function planBackup(env: ToolEnv, req: BackupRequest): Plan {
  if (req.type !== 'full')
    throw new UsageError(`Barman takes ${req.type} backups only with PostgreSQL 17 incremental backups (Barman 3.11+)`, { hint: 'use --type full with Barman' })
  const { server } = resolveSetup(env)
  const wait = String(WAL_WAIT_SECONDS)
  if (req.label === undefined)
    return plan(
      `barman: backup ${server}`,
      execStep('backup', `barman backup ${server}`, barmanArgv(env, 'backup', '--wait', `--wait-timeout=${wait}`, '--immediate-checkpoint', server)),
    )
  const problem = barmanLabelProblem(req.label)
  if (problem) throw new UsageError(`--label ${JSON.stringify(req.label)} cannot be a Barman backup name: ${problem}`, { hint: 'choose another label' })
  return plan(
    `barman: backup ${server} named ${req.label}`,
    execStep('backup', `barman backup ${server} --name ${req.label}`, barmanArgv(env, 'backup', `--name=${req.label}`, '--immediate-checkpoint', server)),
    execStep('switch-wal', 'wait until the backup\'s WAL is archived', barmanArgv(env, 'switch-wal', '--force', '--archive', `--archive-timeout=${wait}`, server)),
    execStep('check-backup', `mark backup ${req.label} complete`, barmanArgv(env, 'check-backup', server, req.label)),
  )
}

/**
 * check-backup exits 0 whatever it finds and prints nothing (fixtures check-backup-ok,
 * check-backup-missing-wal): the verdict is the status show-backup reports after it. Every
 * step that exits 1 on a finding is allowed to, so readVerify sees all of them.
 */
export function planVerify(env: ToolEnv, backup: Backup): Plan {
  const backupId = backup.id
  const { server } = resolveSetup(env)
  return plan(
    `barman: verify backup ${backupId}`,
    execStep('check-backup', `barman check-backup ${backupId}`, barmanArgv(env, 'check-backup', server, backupId), { okExitCodes: [0, 1] }),
    execStep('show-backup', `barman show-backup ${backupId}`, barmanArgv(env, '-f', 'json', 'show-backup', server, backupId), { mutates: false }),
    execStep('verify-backup', `barman verify-backup ${backupId}`, barmanArgv(env, '-f', 'json', 'verify-backup', server, backupId), { mutates: false, okExitCodes: [0, 1] }),
    execStep('check', `barman check ${server}`, barmanArgv(env, '-f', 'json', 'check', server), { mutates: false, okExitCodes: [0, 1] }),
  )
}

/**
 * The restore_command for the restored server. Barman 3.4 writes
 * `sudo -u <barman_user> barman get-wal -P <server> %f > %p` (fixture recover-latest-get-wal):
 * sudo is not there for the run-as user, and without `-c` it reads /etc/barman.conf. This one
 * runs as the same user with the same config; `-P` as Barman's own (also serves .partial files).
 */
export function barmanRestoreCommand(env: ToolEnv): string {
  const { config, server } = resolveSetup(env)
  return `${buildWalCommand([programPath(env, 'barman'), '-c', config, 'get-wal', '-P', server, { placeholder: '%f' }])} > %p`
}

/**
 * `barman recover --get-wal`: the WAL is fetched at recovery time, never copied. Without it,
 * a restore with no target copies WAL into pg_wal and PostgreSQL only does crash recovery, on the
 * same timeline, with no recovery.signal (tool-reference §3.5), so `latest` must use it; using it
 * for every target keeps one restore_command. Barman refuses --target-action without a target
 * (fixture recover-action-without-pitr) and a time before the backup's end_time (the Backup's
 * `stop`, so pitrctl's own choice agrees).
 */
export function planRestore(env: ToolEnv, req: RestoreRequest): RestorePlan {
  const { server } = resolveSetup(env)
  const t = req.target
  const args: string[] = ['recover', '--get-wal']
  switch (t.kind) {
    case 'time':
      // The +00 form: Barman 3.4 writes the string through unchanged (fixture recover-time-get-wal).
      args.push(`--target-time=${pgUtcFromMicros(t.at)}`)
      break
    case 'xid':
      args.push(`--target-xid=${t.xid}`)
      break
    case 'lsn':
      args.push(`--target-lsn=${formatLsn(t.lsn)}`)
      break
    case 'name':
      args.push(`--target-name=${t.name}`)
      break
    case 'immediate':
      args.push('--target-immediate')
      break
    case 'latest':
      break
  }
  if (!req.inclusive && (t.kind === 'time' || t.kind === 'xid' || t.kind === 'lsn')) args.push('--exclusive')
  args.push(`--target-tli=${timelineSetting(req.timeline)}`)
  if (t.kind !== 'latest') args.push(`--target-action=${req.action}`)
  // Barman restores a tablespace it is not told about at its old path: each is named here.
  for (const ts of req.tablespaces ?? []) {
    if (ts.name === null) throw new Error(`barman: tablespace ${ts.oid} has no name (barman show-backup lists every name)`)
    args.push(`--tablespace=${ts.name}:${ts.dest}`)
  }
  args.push(server, req.backup.id, req.dest)
  return {
    ...plan(`barman: restore ${req.backup.id} into ${req.dest}`, execStep('recover', `barman recover ${req.backup.id}`, barmanArgv(env, ...args))),
    restoreCommand: barmanRestoreCommand(env),
    // PostgreSQL 12+: Barman appends to postgresql.auto.conf and comments `archive_command` out
    // as `#BARMAN#…` with `archive_command = false` in postgresql.conf (fixture recover-latest-get-wal).
    recoveryFiles: [],
  }
}
