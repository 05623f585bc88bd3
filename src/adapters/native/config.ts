/**
 * Where the native tool keeps things: `<repo>/native/wal/` holds the archived WAL files (flat),
 * `<repo>/native/backups/<id>/` one pg_basebackup each (`data/`) with pitrctl's record
 * `pitrctl-backup.json` — written "running" first and "done" last, so an interrupted backup never
 * looks usable (reliability.md rule 12).
 */
import path from 'node:path'
import type { Tablespace } from '../../model/tablespaces.js'
import type { ToolEnv } from '../adapter.js'

export interface NativeLayout {
  readonly root: string
  readonly walDir: string
  readonly backupsDir: string
}

export function resolveSetup(env: ToolEnv): NativeLayout {
  if (!env.repoDir) throw new Error('native needs repo (managed mode only)')
  return { root: env.repoDir, walDir: path.join(env.repoDir, 'wal'), backupsDir: path.join(env.repoDir, 'backups') }
}

export function backupDir(env: ToolEnv, id: string): string {
  return path.join(resolveSetup(env).backupsDir, id)
}

export const RECORD_FILE = 'pitrctl-backup.json'

export interface NativeBackupRecord {
  readonly id: string
  readonly status: 'running' | 'done'
  readonly type: 'full'
  readonly label: string | null
  readonly startedAt: string
  /**
   * The cluster's tablespaces when the backup started: pg_basebackup wrote each into
   * `tablespaces/<oid>/` beside `data/` (whose pg_tblspc links point there); restore puts each
   * at its destination. Absent in records of backups without tablespaces.
   */
  readonly tablespaces?: readonly Tablespace[]
}

/** `20261121T093115Z`: sortable, unique per second (a lock serialises backups of one cluster) */
export function nativeBackupId(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
}

/** where pg_basebackup puts a tablespace of backup `id` (the `--tablespace-mapping` target) */
export function tablespaceBackupDir(env: ToolEnv, id: string, oid: string): string {
  return path.join(backupDir(env, id), 'tablespaces', oid)
}

export function renderRecord(r: NativeBackupRecord): string {
  return `${JSON.stringify(r, null, 2)}\n`
}
