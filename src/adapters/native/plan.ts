/**
 * The native tool's commands as data: pg_basebackup for backups, pitrctl's own durable copy for
 * archiving, pg_verifybackup for verification, a plain copy of the backup for restore (pitrctl
 * then writes every recovery setting itself).
 */
import path from 'node:path'
import { execStep, plan, type ExecStep, type Plan } from '../../model/plan.js'
import { buildWalCommand } from '../../model/recovery-settings.js'
import type { Backup } from '../../model/catalog.js'
import type { BackupRequest, RestorePlan, RestoreRequest, ToolEnv, WalNeeded } from '../adapter.js'
import { walIndexEntry } from '../../config/paths.js'
import { RECORD_FILE, backupDir, nativeBackupId, renderRecord, resolveSetup, tablespaceBackupDir } from './config.js'
import { programPath } from '../program-path.js'

function bin(env: ToolEnv, program: string): string {
  return programPath(env, program, path.join(env.pg.binDir, program))
}

export function planVersion(env: ToolEnv): ExecStep {
  return execStep('version', 'pg_basebackup version', [bin(env, 'pg_basebackup'), '--version'], { mutates: false })
}

export function planSetup(env: ToolEnv): Plan {
  const l = resolveSetup(env)
  return plan(
    'native: create the repository',
    [l.root, l.walDir, l.backupsDir].map((p, i) => ({ kind: 'mkdir' as const, id: `mkdir-${i}`, title: `create ${p}`, path: p, mode: 0o700 })),
  )
}

export function planCheck(env: ToolEnv): Plan {
  return plan('native: programs present', planVersion(env), execStep('verifybackup', 'pg_verifybackup version', [bin(env, 'pg_verifybackup'), '--version'], { mutates: false }))
}

export function planWalPush(env: ToolEnv, walPath: string): Plan {
  const l = resolveSetup(env)
  return plan(`native: archive ${path.basename(walPath)}`, { kind: 'archive-copy', id: 'archive', title: `archive ${path.basename(walPath)}`, src: walPath, destDir: l.walDir })
}

export function planWalGet(env: ToolEnv, walName: string, destPath: string): Plan {
  const src = path.join(resolveSetup(env).walDir, walName)
  return plan(`native: fetch ${walName}`, { kind: 'archive-fetch', id: 'wal-get', title: `fetch ${walName}`, src, dest: destPath, indexEntry: walIndexEntry(env.stateDir, walName) })
}

export function planBackup(env: ToolEnv, req: BackupRequest): Plan {
  const startedAt = req.startedAt ?? new Date()
  const id = nativeBackupId(startedAt)
  const dir = backupDir(env, id)
  const tablespaces = req.tablespaces ?? []
  const record = { id, type: 'full' as const, label: req.label ?? null, startedAt: startedAt.toISOString(), ...(tablespaces.length ? { tablespaces } : {}) }
  return plan(
    `native: backup ${id}`,
    { kind: 'mkdir', id: 'mkdir', title: `create ${dir}`, path: dir, mode: 0o700, exclusive: true },
    { kind: 'write-file', id: 'record-running', title: 'mark the backup in progress', path: path.join(dir, RECORD_FILE), content: renderRecord({ ...record, status: 'running' }), mode: 0o600 },
    execStep(
      'basebackup',
      'pg_basebackup',
      [
        bin(env, 'pg_basebackup'),
        '--pgdata', path.join(dir, 'data'),
        '--format=plain',
        // The WAL needed for consistency goes inside the backup too: it restores even if the archive lost a segment.
        '--wal-method=stream',
        '--checkpoint=fast',
        '--manifest-checksums=SHA256',
        '--no-password',
        '--label', req.label ?? `pitrctl native ${id}`,
        '--host', env.pg.host,
        '--port', String(env.pg.port),
        '--username', env.pg.user,
        // Plain format writes each tablespace to its old path unless mapped, and those are the
        // live cluster's: each goes into the backup instead (restore puts it where it belongs).
        ...tablespaces.map((t) => `--tablespace-mapping=${mappingArg(t.location)}=${mappingArg(tablespaceBackupDir(env, id, t.oid))}`),
      ],
      { timeoutMs: undefined },
    ),
    // Written last: only now is the backup usable.
    { kind: 'write-file', id: 'record-done', title: 'mark the backup complete', path: path.join(dir, RECORD_FILE), content: renderRecord({ ...record, status: 'done' }), mode: 0o600 },
  )
}

/** pg_basebackup -T takes OLDDIR=NEWDIR and reads `\=` as a literal = */
function mappingArg(dir: string): string {
  return dir.replace(/=/g, '\\=')
}

export function planVerify(env: ToolEnv, backup: Backup, wal: readonly WalNeeded[]): Plan {
  const data = path.join(backupDir(env, backup.id), 'data')
  // Exit 1 means "found a problem": readVerify reads it, so it is not a failed step.
  const verify = execStep('verifybackup', `pg_verifybackup ${backup.id}`, [bin(env, 'pg_verifybackup'), data], { mutates: false, okExitCodes: [0, 1] })
  // native keeps plain files: each archived segment the backup needs is re-hashed against the
  // sha256 its wal-push recorded (sha256sum exits 1 on a mismatch or a missing file: read, not failed).
  const recorded = wal.filter((w) => w.sha256 !== null)
  if (recorded.length === 0) return plan(`native: verify ${backup.id}`, verify)
  const walDir = resolveSetup(env).walDir
  const list = path.join(env.stateDir, 'verify', `${backup.id}.sha256`)
  return plan(
    `native: verify ${backup.id}`,
    verify,
    { kind: 'write-file', id: 'checksum-list', title: 'archive-time checksums of the WAL it needs', path: list, content: recorded.map((w) => `${w.sha256}  ${path.join(walDir, w.name)}\n`).join(''), mode: 0o600 },
    execStep('wal-checksums', 'sha256sum --check of the archived WAL', ['sha256sum', '--check', '--strict', list], { mutates: false, okExitCodes: [0, 1] }),
  )
}

export function nativeRestoreCommand(env: ToolEnv): string {
  return buildWalCommand([...env.pitrctl, 'wal-fetch', '--config', env.configPath, '--cluster', env.cluster, '--tool', 'native', { placeholder: '%f' }, { placeholder: '%p' }])
}

export function planRestore(env: ToolEnv, req: RestoreRequest): RestorePlan {
  const data = path.join(backupDir(env, req.backup.id), 'data')
  // The copied pg_tblspc links point into the backup: each tablespace is copied to its
  // destination and its link pointed there.
  const tablespaces = (req.tablespaces ?? []).flatMap((t) => [
    { kind: 'mkdir' as const, id: `mkdir-ts-${t.oid}`, title: `create ${t.dest}`, path: t.dest, mode: 0o700 },
    execStep(`copy-ts-${t.oid}`, `copy tablespace ${t.name ?? t.oid} to ${t.dest}`, ['cp', '-a', '--', `${tablespaceBackupDir(env, req.backup.id, t.oid)}/.`, `${t.dest}/`]),
    execStep(`link-ts-${t.oid}`, `point pg_tblspc/${t.oid} at ${t.dest}`, ['ln', '-sfn', '--', t.dest, path.join(req.dest, 'pg_tblspc', t.oid)]),
  ])
  return {
    ...plan(
      `native: restore ${req.backup.id} into ${req.dest}`,
      { kind: 'mkdir', id: 'mkdir', title: `create ${req.dest}`, path: req.dest, mode: 0o700 },
      execStep('copy', `copy backup ${req.backup.id}`, ['cp', '-a', '--', `${data}/.`, `${req.dest}/`]),
      tablespaces,
    ),
    restoreCommand: nativeRestoreCommand(env),
    recoveryFiles: [],
  }
}

/** nothing lags behind: wal-push writes straight into the archive */
export function planArchiveRefresh(_env: ToolEnv): Plan | undefined {
  return undefined
}
