/**
 * Reading pg_rman back. It has no JSON: `show` lists the backups (text columns), each backup's
 * `backup.ini` (the same key=value block `show DATE` prints) has exact LSNs and sizes, and the
 * catalog-wide `system_identifier` file has the system id. Every time is naive local time of
 * pg_rman's process, read in the catalog's zone (config.ts).
 */
import path from 'node:path'
import { ConfigError, ToolError, ToolOutputError } from '../../errors.js'
import type { Backup, BackupStatus } from '../../model/catalog.js'
import { formatLsn, parseLsn, type Lsn } from '../../model/lsn.js'
import type { Tablespace } from '../../model/tablespaces.js'
import { versionAtLeast } from '../../model/version.js'
import { DEFAULT_SEGMENT_BYTES, segmentName, segmentOf, walFileKind } from '../../model/wal-name.js'
import type { ProcessResult, StepOutputs } from '../../runner/runner.js'
import { summarizeProblems } from '../../model/content-record.js'
import type { CatalogIO, CatalogRead, ContentIO, ToolEnv, VerifyCheck } from '../adapter.js'
import { backupDir, naiveToIso, resolveSetup, type PgRmanSetup } from './config.js'
import { planShow } from './plan.js'

export function readVersion(result: ProcessResult): string {
  // `pg_rman 1.3.19` on stderr (fixture `version`)
  const text = `${result.stderr}\n${result.stdout}`
  return /pg_rman (\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1] ?? text.trim()
}

/** pg_rman_recovery.conf and --recovery-target-action exist from 1.3.13 (docs/index.html) */
export function unsupportedReason(version: string, pgMajor: number): string | undefined {
  if (!/^\d+\.\d+(?:\.\d+)?$/.test(version)) return `cannot read the pg_rman version from ${JSON.stringify(version)}`
  if (pgMajor >= 12 && !versionAtLeast(version, '1.3.13')) return `pg_rman ${version} predates pg_rman_recovery.conf and --recovery-target-action (1.3.13) that PostgreSQL ${pgMajor} restores need`
  return undefined
}

export interface ShowRow {
  /** the start time exactly as pg_rman prints it: the backup id */
  readonly id: string
  readonly end: string
  /** FULL, INCR, ARCH, or '' for an unreadable mode */
  readonly mode: string
  readonly size: string
  readonly timeline: number
  readonly status: string
}

const ROW = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})  (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})  (.*)$/

/**
 * `pg_rman show`: `%-19s  %-19s  %-4s  %6s %5d  %s` per backup, newest first (show.c). The tail
 * after the two times is split on whitespace (the mode column is blank for an unknown mode). A
 * running backup has end time 0, printed as the epoch in local time (fixture `show-running`).
 */
export function parseShowList(stdout: string): ShowRow[] {
  const rows: ShowRow[] = []
  for (const line of stdout.split('\n')) {
    if (line.trim() === '' || /^=+$/.test(line) || line.startsWith(' StartTime')) continue
    const m = ROW.exec(line.trimEnd())
    const rest = m?.[3]!.trim().split(/\s+/) ?? []
    if (!m || rest.length < 3 || rest.length > 4) throw new ToolOutputError('pg_rman', `unexpected line in pg_rman show: ${JSON.stringify(line)}`)
    const [status, tli, size, mode] = [...rest].reverse() as [string, string, string, string | undefined]
    rows.push({ id: m[1]!, end: m[2]!, mode: mode ?? '', size, timeline: Number(tli), status })
  }
  return rows
}

export interface BackupInfo {
  readonly mode: string
  readonly compressData: boolean
  readonly timeline: number
  readonly startLsn: Lsn | null
  readonly stopLsn: Lsn | null
  readonly startTime: string | null
  readonly endTime: string | null
  readonly recoveryTime: string | null
  readonly recoveryXid: string | null
  readonly totalDataBytes: number | null
  readonly writeBytes: number | null
  readonly status: string
}

/**
 * `backup.ini`, or `pg_rman show DATE` (the same text, catalog.c pgBackupWriteIni): KEY=value,
 * times quoted, LSNs `%x/%08x` in lower case with a zero-padded low word, `0/00000000` before the
 * backup started; END_TIME, RECOVERY_TIME and each *_BYTES line are left out when unknown.
 */
export function parseBackupInfo(text: string): BackupInfo {
  const kv = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim())
    if (m) kv.set(m[1]!, m[2]!.replace(/^'(.*)'$/, '$1'))
  }
  const status = kv.get('STATUS')
  if (status === undefined || !kv.has('START_TIME')) throw new ToolOutputError('pg_rman', `not a pg_rman backup.ini: ${JSON.stringify(text.slice(0, 80))}`)
  const lsn = (k: string) => {
    const v = kv.get(k)
    const l = v === undefined ? undefined : parseLsn(v)
    return l === undefined || l === 0n ? null : l
  }
  const int = (k: string) => {
    const v = kv.get(k)
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : null
  }
  return {
    mode: kv.get('BACKUP_MODE') ?? '',
    compressData: kv.get('COMPRESS_DATA') === 'true',
    timeline: int('TIMELINEID') ?? 0,
    startLsn: lsn('START_LSN'),
    stopLsn: lsn('STOP_LSN'),
    startTime: kv.get('START_TIME') ?? null,
    endTime: kv.get('END_TIME') ?? null,
    recoveryTime: kv.get('RECOVERY_TIME') ?? null,
    recoveryXid: kv.get('RECOVERY_XID') ?? null,
    totalDataBytes: int('TOTAL_DATA_BYTES'),
    writeBytes: int('WRITE_BYTES'),
    status,
  }
}

/** `SYSTEM_IDENTIFIER='7710562427550380881'`: kept as text, it does not fit a JS number */
export function parseSystemIdentifier(text: string): string | null {
  return /^SYSTEM_IDENTIFIER='?(\d+)'?\s*$/m.exec(text)?.[1] ?? null
}

/** one `KEY='value'` of pg_rman.ini (pgut.c: keys ignore case and treat - and _ alike) */
export function iniValue(text: string, key: string): string | undefined {
  const want = key.toLowerCase().replace(/-/g, '_')
  let found: string | undefined
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_-]+)\s*=\s*(.*?)\s*$/.exec(line)
    if (!m || m[1]!.toLowerCase().replace(/-/g, '_') !== want) continue
    const v = m[2]!
    found = v.startsWith("'") ? v.slice(1, v.lastIndexOf("'")).replace(/\\(.)/g, '$1') : v.replace(/\s*#.*$/, '')
  }
  return found
}

export function mapStatus(status: string): BackupStatus {
  switch (status) {
    case 'OK':
      return 'ok'
    case 'DONE': // completed, not yet validated: pg_rman will not restore it
      return 'unverified'
    case 'RUNNING':
      return 'running'
    default: // ERROR, CORRUPT, DELETING, DELETED, UNKNOWN
      return 'error'
  }
}

/** the segment that holds the last byte before `lsn`, as PostgreSQL names a backup's stop segment */
function stopSegment(lsn: Lsn, timeline: number): string {
  return segmentName(segmentOf(lsn > 0n ? lsn - 1n : 0n, timeline, DEFAULT_SEGMENT_BYTES))
}

/**
 * One backup for the contract. `stop` is RECOVERY_TIME — taken right after pg_backup_stop()
 * returned, and the bound pg_rman's own restore compares targets with — else END_TIME. Sizes:
 * TOTAL_DATA_BYTES (the cluster's data files) and WRITE_BYTES (what the backup wrote, WAL included).
 */
export function toBackup(id: string, info: BackupInfo, zone: string, extra: { systemId: string | null; pgVersion: string | null; parent: string | null }): Backup {
  const timeline = info.timeline > 0 ? info.timeline : null
  const time = (t: string | null) => (t === null ? null : naiveToIso(t, zone))
  return {
    id,
    tool: 'pg_rman',
    type: info.mode === 'INCREMENTAL' ? 'incr' : 'full',
    status: mapStatus(info.status),
    start: time(info.startTime ?? id),
    stop: time(info.recoveryTime ?? info.endTime),
    startLsn: info.startLsn === null ? null : formatLsn(info.startLsn),
    stopLsn: info.stopLsn === null ? null : formatLsn(info.stopLsn),
    timeline,
    walStart: info.startLsn === null || timeline === null ? null : segmentName(segmentOf(info.startLsn, timeline)),
    walStop: info.stopLsn === null || timeline === null ? null : stopSegment(info.stopLsn, timeline),
    size: info.totalDataBytes,
    storedSize: info.writeBytes,
    parent: extra.parent,
    pgVersion: extra.pgVersion,
    systemId: extra.systemId,
    label: null,
  }
}

function notInitialized(s: PgRmanSetup): ToolError {
  return new ToolError({
    kind: 'not-initialized',
    tool: 'pg_rman',
    summary: `there is no pg_rman catalog at ${s.backupPath} (no system_identifier)`,
    exitCode: undefined,
    argv: [],
    stderrTail: [],
  })
}

export async function readCatalog(env: ToolEnv, io: CatalogIO): Promise<CatalogRead> {
  const s = resolveSetup(env)
  const sysidText = await io.readFile(path.join(s.backupPath, 'system_identifier'))
  if (sysidText === undefined) throw notInitialized(s)
  const systemId = parseSystemIdentifier(sysidText)
  if (s.mode === 'adopted') {
    const configured = iniValue((await io.readFile(path.join(s.backupPath, 'pg_rman.ini'))) ?? '', 'ARCLOG_PATH')
    if (configured !== undefined && path.resolve(configured) !== s.arclogPath)
      throw new ConfigError(env.configPath, env.cluster, 'pg_rman.arclog-path', `is ${s.arclogPath} but the catalog's pg_rman.ini says ARCLOG_PATH='${configured}'`, 'point pg_rman.arclog-path at the catalog’s archive')
  }
  // Oldest first, so an incremental finds its parent's values already read.
  const rows = parseShowList((await io.run(planShow(env))).stdout).reverse()
  const backups: Backup[] = []
  for (const row of rows) {
    // ARCH backups hold only archived WAL: nothing to restore from.
    if (row.mode === 'ARCH') continue
    const dir = backupDir(s, row.id)
    const text = (await io.readFile(path.join(dir, 'backup.ini'))) ?? (await io.run(planShow(env, row.id))).stdout
    const info = parseBackupInfo(text)
    const parent = info.mode === 'INCREMENTAL' ? incrementalParent(backups, info) : null
    // An incremental keeps PG_VERSION only when it changed since its parent.
    const pgVersion = (await io.readFile(path.join(dir, 'database', 'PG_VERSION')))?.trim() ?? backups.find((b) => b.id === parent)?.pgVersion ?? null
    backups.push(toBackup(row.id, info, s.timezone, { systemId, pgVersion, parent }))
  }
  const walFiles = (await io.listDir(s.arclogPath)).filter((n) => ['segment', 'history'].includes(walFileKind(n) ?? '')).sort()
  return { backups, walFiles }
}

/**
 * pg_rman takes an incremental against the newest OK backup with data on the same timeline
 * (backup.c catalog_get_last_data_backup), and restores a full with every later OK incremental
 * of its timeline: the newest OK full/incr before it on its timeline is the parent.
 */
function incrementalParent(older: readonly Backup[], info: BackupInfo): string | null {
  for (let i = older.length - 1; i >= 0; i--) {
    const b = older[i]!
    if (b.status === 'ok' && b.timeline === info.timeline) return b.id
  }
  return null
}

/**
 * The verdict of planVerify: pg_rman's status after validate, then pitrctl's own re-read of every
 * file against the size and CRC pg_rman recorded for it. pg_rman validate reads only backups not
 * validated yet (validate.c do_validate: DONE only), so once a backup is OK it never reads it
 * again (fixture validate-noop), and it has no flag to make it: pitrctl reads the files itself.
 */
export async function readVerify(env: ToolEnv, backup: Backup, outputs: StepOutputs, io: ContentIO): Promise<VerifyCheck[]> {
  const status = readValidate(backup, outputs)
  if (/has no backup|did not run/.test(status.detail)) return [status]
  return [status, await readFileCheck(env, backup, io)]
}

/** validate's own lines, then the status `show DATE` read back, which is the verdict (validate exits 0 on CORRUPT) */
export function readValidate(backup: Backup, outputs: StepOutputs): VerifyCheck {
  const backupId = backup.id
  const name = 'pg_rman validate (catalog status)'
  const validate = outputs.get('validate')
  const show = outputs.get('show-backup')
  if (!validate || !show) return { name, ok: false, detail: 'pg_rman validate did not run' }
  if (/does not exist/.test(show.stderr) || show.stdout.trim() === '') return { name, ok: false, detail: `pg_rman has no backup ${backupId}` }
  const status = parseBackupInfo(show.stdout).status
  const warnings = validate.stderr.split('\n').filter((l) => l.startsWith('WARNING: ')).map((l) => l.slice('WARNING: '.length))
  const checkedNow = new RegExp(`backup "${backupId}" is (valid|corrupted)`).test(validate.stderr)
  if (status === 'OK')
    return { name, ok: true, detail: checkedNow ? 'pg_rman read every file now: each matches its recorded size and CRC (status OK)' : 'status OK (pg_rman validated it earlier and does not read it again)' }
  if (status === 'CORRUPT') return { name, ok: false, detail: `pg_rman marked the backup CORRUPT${warnings.length ? `: ${warnings.join('; ')}` : ''}` }
  return { name, ok: false, detail: `status ${status}: pg_rman will not restore this backup` }
}

/** one line of a pg_rman file list (dir.c dir_print_file_list: `path type write_size crc mode date time`) */
export interface ListedFile {
  readonly path: string
  /** f, F (data file in pg_rman's page format), d, l, s */
  readonly type: string
  /** null: not in this backup (an incremental skipped it: BYTES_INVALID, printed as 2^64-1) */
  readonly sizeBytes: number | null
  readonly crc32c: number
}

/** file_database.txt / file_arclog.txt / file_srvlog.txt (fixtures file-list-full, file-list-incr) */
export function parseFileList(text: string): ListedFile[] {
  const files: ListedFile[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const m = /^(\S+) ([fFdls]) (\d+) (\d+) 0?[0-7]+ /.exec(line)
    if (!m) throw new ToolOutputError('pg_rman', `unexpected line in a pg_rman file list: ${JSON.stringify(line.slice(0, 120))}`)
    const size = m[3]!.length >= 19 && BigInt(m[3]!) >= 2n ** 63n ? null : Number(m[3])
    files.push({ path: m[1]!, type: m[2]!, sizeBytes: size, crc32c: Number(m[4]) })
  }
  return files
}

/** the regular files pg_rman stored (what validate reads): skipped ones and directories are not */
export function storedFiles(list: readonly ListedFile[]): ListedFile[] {
  return list.filter((f) => (f.type === 'f' || f.type === 'F') && f.sizeBytes !== null)
}

export interface FileProblem {
  readonly path: string
  readonly detail: string
}

/** each stored file against what was found on disk (absent from `found`: missing) */
export function compareFileList(prefix: string, files: readonly ListedFile[], found: ReadonlyMap<string, { sizeBytes: number; crc32c: number } | undefined>): FileProblem[] {
  const problems: FileProblem[] = []
  for (const f of files) {
    const p = `${prefix}${f.path}`
    const d = found.get(f.path)
    if (d === undefined) problems.push({ path: p, detail: `${p} is missing` })
    else if (d.sizeBytes !== f.sizeBytes) problems.push({ path: p, detail: `${p} is ${d.sizeBytes} bytes, pg_rman recorded ${f.sizeBytes}` })
    else if (d.crc32c !== f.crc32c) problems.push({ path: p, detail: `${p} has CRC ${d.crc32c}, pg_rman recorded ${f.crc32c}` })
  }
  return problems
}

const FILE_LISTS = [
  { list: 'file_database.txt', dir: 'database', required: true },
  { list: 'file_arclog.txt', dir: 'arclog', required: false },
  { list: 'file_srvlog.txt', dir: 'srvlog', required: false },
] as const

/** every file pg_rman stored for the backup, re-read by pitrctl: its size and CRC-32C against the file lists */
export async function readFileCheck(env: ToolEnv, backup: Backup, io: ContentIO): Promise<VerifyCheck> {
  const name = 'backup files (size and CRC of every file against pg_rman\'s file lists, read by pitrctl)'
  const dir = backupDir(resolveSetup(env), backup.id)
  const problems: FileProblem[] = []
  let checked = 0
  for (const l of FILE_LISTS) {
    const text = await io.readFile(path.join(dir, l.list))
    if (text === undefined) {
      if (l.required) problems.push({ path: l.list, detail: `${l.list} is missing: pg_rman cannot restore this backup` })
      continue
    }
    const files = storedFiles(parseFileList(text))
    const found = new Map<string, { sizeBytes: number; crc32c: number } | undefined>()
    for (const f of files) {
      const d = await io.digestFile(path.join(dir, l.dir, f.path))
      if (d !== undefined) found.set(f.path, d)
    }
    checked += files.length
    problems.push(...compareFileList(`${l.dir}/`, files, found))
  }
  return { name, ok: problems.length === 0 && checked > 0, detail: checked === 0 && problems.length === 0 ? 'the file lists name no stored file' : summarizeProblems(problems, checked, 'files') }
}

/**
 * What `pg_rman restore` actually took (its INFO lines on stderr): the full backup, then the
 * incrementals in order. The last one must be the backup pitrctl asked for.
 */
export function parseRestoredBackups(stderr: string): string[] {
  const taken: string[] = []
  for (const m of stderr.matchAll(/^INFO: restoring database files from the (?:full|incremental) mode backup "([^"]+)"$/gm)) taken.push(m[1]!)
  return taken
}

/** wal-push copies each file into ARCLOG_PATH, which is the archive: nothing to refresh */
export function readArchiveRefresh(_outputs: StepOutputs): readonly string[] {
  return []
}

/**
 * The backup's `mkdirs.sh` recreates its directories and links (dir.c dir_print_mkdirs_sh, 1.3.x):
 * `rm -f pg_tblspc/<oid>` then `ln -s <location> pg_tblspc/<oid>` per tablespace. pg_rman keeps no
 * names, and restores each tablespace only at that old location.
 */
export function parseMkdirsTablespaces(text: string): Tablespace[] {
  const out: Tablespace[] = []
  for (const m of text.matchAll(/^ln -s (\/.*) pg_tblspc\/(\d+)$/gm)) out.push({ oid: m[2]!, name: null, location: m[1]! })
  return out
}

export async function readTablespaces(env: ToolEnv, backup: Backup, io: CatalogIO): Promise<readonly Tablespace[]> {
  const file = path.join(backupDir(resolveSetup(env), backup.id), 'mkdirs.sh')
  const text = await io.readFile(file)
  if (text === undefined) throw new ToolOutputError('pg_rman', `backup ${backup.id} has no ${file}`, 'run `pitrctl verify` on it; pitrctl reads its tablespaces from there')
  return parseMkdirsTablespaces(text)
}
