/**
 * Reading Barman back: `-f json list-backups` says which backups exist and their status;
 * each backup's `backup.info` (key=value, stable since 2.x) has the details; the `.backup`
 * history file in wals/ has the true stop position; wals/ itself is the archive. The JSON shapes
 * differ between 3.4 and 3.11+ (backup_type added, sizes renamed): only fields both have are read.
 */
import path from 'node:path'
import { ToolOutputError } from '../../errors.js'
import { sortBackups, type Backup, type BackupStatus, type BackupType } from '../../model/catalog.js'
import { backupHistoryName as historyFileName, parseBackupHistory, type BackupHistory } from '../../model/backup-history.js'
import { normalizeLsn } from '../../model/lsn.js'
import { versionAtLeast } from '../../model/version.js'
import type { Tablespace } from '../../model/tablespaces.js'
import { execStep } from '../../model/plan.js'
import { isoFromMicros, microsFromIso } from '../../model/time.js'
import { timelineOfWalName, walFileKind } from '../../model/wal-name.js'
import type { ProcessResult, StepOutputs } from '../../runner/runner.js'
import { parseJsonLossless } from '../../util/json.js'
import type { CatalogIO, CatalogRead, ToolEnv, VerifyCheck } from '../adapter.js'
import { resolveSetup, type BarmanDirs } from './config.js'
import { barmanArgv } from './plan.js'

/** `3.4.0 Barman by EnterpriseDB (www.enterprisedb.com)` (fixture version) */
export function readVersion(result: ProcessResult): string {
  return /^(\d+\.\d+(?:\.\d+)?)/.exec(result.stdout.trim())?.[1] ?? result.stdout.trim()
}

/**
 * From the release notes and source: the documented minimum is PostgreSQL 10 up to 3.5.x and 11
 * from 3.6.0 (PostgreSQL 10 dropped; code still says 9.6, postgres.py MINIMAL_VERSION). Releases
 * before 3.9.0 (2023-10-03) predate PostgreSQL 16 (no release note claims it); before 3.15.0 `backup --wait` can hang on an
 * idle PostgreSQL 17+ server, whose backup end WAL is the segment still being written
 * (barman#1041), and pitrctl waits that way.
 */
export function unsupportedReason(version: string, pgMajor: number): string | undefined {
  const min = versionAtLeast(version, '3.6') ? 11 : 10
  if (pgMajor < min) return `Barman ${version} supports PostgreSQL ${min} and later`
  if (!versionAtLeast(version, '3.9') && pgMajor >= 16) return `Barman ${version} was released before PostgreSQL 16 and is not known to work with it: use Barman 3.9 or later`
  if (!versionAtLeast(version, '3.15') && pgMajor >= 17) return `Barman ${version}'s backup --wait can hang on PostgreSQL 17 and later (fixed in 3.15.0): use Barman 3.15 or later`
  return undefined
}

export interface ListedBackup {
  readonly id: string
  readonly status: string
  readonly name: string | null
  /** 3.11+ only: full | incremental | rsync | snapshot */
  readonly backupType: string | null
}

type Json = Record<string, unknown>

function serverValue(stdout: string, server: string): unknown {
  let doc: Json
  try {
    doc = parseJsonLossless(stdout) as Json
  } catch {
    throw new ToolOutputError('barman', `printed no JSON for server ${server}: ${JSON.stringify(stdout.trim().slice(0, 80))}`)
  }
  return doc?.[server]
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}

/** `{"<server>": [{backup_id, status, backup_name?, backup_type? (3.11+), …}]}`, newest first */
export function parseListBackups(stdout: string, server: string): ListedBackup[] {
  const list = serverValue(stdout, server)
  if (!Array.isArray(list)) throw new ToolOutputError('barman', `list-backups printed no list for server ${server}`)
  return list.map((e: Json) => ({ id: String(e.backup_id), status: String(e.status), name: str(e.backup_name), backupType: str(e.backup_type) }))
}

/** `backup.info`: one `key=value` per line; Python's `None` means unset */
export function parseBackupInfo(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const value = line.slice(eq + 1)
    if (value !== 'None') out.set(line.slice(0, eq), value)
  }
  return out
}

/** the `.backup` file PostgreSQL names after the backup's first segment and offset in it */
export function backupHistoryName(info: ReadonlyMap<string, string>): string | undefined {
  const wal = info.get('begin_wal')
  const offset = Number(info.get('begin_offset'))
  if (!wal || walFileKind(wal) !== 'segment' || !Number.isInteger(offset)) return undefined
  return historyFileName(wal, offset)
}

const STATUS: Readonly<Record<string, BackupStatus>> = {
  DONE: 'ok',
  FAILED: 'error',
  // Copied, but Barman has not yet seen every WAL file the backup needs (fixture list-backups-waiting).
  WAITING_FOR_WALS: 'unverified',
  STARTED: 'running',
  EMPTY: 'running',
  SYNCING: 'running',
}

/** `2026-11-21 09:58:15.788644+00:00` (backup.info, Python isoformat with a space) */
function isoFromPython(text: string | undefined, roundUp: boolean): string | null {
  if (!text) return null
  let us: bigint
  try {
    us = microsFromIso(text.trim().replace(' ', 'T'))
  } catch {
    return null
  }
  return isoFromMicros(roundUp && us % 1000n !== 0n ? us + 1000n - (us % 1000n) : us)
}

/** `version=150020` → "15"; `90624` → "9.6" */
function pgMajorText(version: string | undefined): string | null {
  const v = Number(version)
  if (!Number.isInteger(v) || v <= 0) return null
  return v >= 100000 ? String(Math.floor(v / 10000)) : `${Math.floor(v / 10000)}.${Math.floor(v / 100) % 100}`
}

function backupType(listed: ListedBackup, info: ReadonlyMap<string, string>): BackupType {
  // 3.11+ PostgreSQL 17 incremental backups; 3.4 only takes full ones.
  return listed.backupType === 'incremental' || info.has('parent_backup_id') ? 'incr' : 'full'
}

function num(v: string | undefined): number | null {
  const n = Number(v)
  return v !== undefined && Number.isSafeInteger(n) ? n : null
}

/**
 * One Backup from list-backups' entry, backup.info and the `.backup` history file.
 * `stop` is Barman's end_time, read after pg_basebackup finished: Barman refuses a time target
 * before it, so pitrctl must not choose the backup for one either; rounded up to the
 * millisecond for the same reason. `stopLsn` is the true stop from the history file: end_xlog is
 * pg_current_wal_lsn() after the backup (catalog-snapshot: end_xlog 0/3000060, true stop
 * 0/2000100), used only when the history file is gone, as an upper bound.
 */
export function toBackup(listed: ListedBackup, info: ReadonlyMap<string, string> | undefined, history: BackupHistory | undefined): Backup {
  const i = info ?? new Map<string, string>()
  const beginWal = i.get('begin_wal') ?? null
  const size = num(i.get('size'))
  return {
    id: listed.id,
    tool: 'barman',
    type: backupType(listed, i),
    status: STATUS[listed.status] ?? 'error',
    start: isoFromPython(i.get('begin_time'), false),
    stop: isoFromPython(i.get('end_time'), true),
    startLsn: history?.startLsn ?? normalizeLsn(i.get('begin_xlog') ?? '') ?? null,
    stopLsn: history?.stopLsn ?? normalizeLsn(i.get('end_xlog') ?? '') ?? null,
    timeline: num(i.get('timeline')) ?? (beginWal ? timelineOfWalName(beginWal) ?? null : null),
    walStart: beginWal,
    walStop: history?.stopWal ?? i.get('end_wal') ?? null,
    size,
    storedSize: num(i.get('deduplicated_size')) ?? size,
    parent: i.get('parent_backup_id') ?? null,
    pgVersion: pgMajorText(i.get('version')),
    systemId: i.get('systemid') ?? null,
    label: listed.name ?? i.get('backup_name') ?? null,
  }
}

/** `-f json show-servers`: the server's `*_directory` keys (also printed when PostgreSQL is down) */
export function parseShowServers(stdout: string, server: string): BarmanDirs {
  const s = serverValue(stdout, server) as Json | undefined
  const basebackups = str(s?.basebackups_directory)
  const wals = str(s?.wals_directory)
  const incoming = str(s?.incoming_wals_directory)
  if (!basebackups || !wals || !incoming) throw new ToolOutputError('barman', `show-servers printed no directories for server ${server}`)
  return { basebackups, wals, incoming }
}

async function serverDirs(env: ToolEnv, io: CatalogIO): Promise<BarmanDirs> {
  const setup = resolveSetup(env)
  if (setup.mode === 'managed') return setup
  const { server } = setup
  const r = await io.run(execStep('show-servers', `barman show-servers ${server}`, barmanArgv(env, '-f', 'json', 'show-servers', server), { mutates: false }))
  return parseShowServers(r.stdout, server)
}

const HASH_DIR = /^[0-9A-F]{16}$/

/**
 * wals/ holds `.history` files at its top and everything else in one directory per 4 GiB of WAL
 * (`<timeline><log>`, xlog.hash_dir). Names never carry a compression suffix: a compressed file
 * keeps its name (catalog-snapshot/find.txt). Listing the files, rather than trusting xlog.db,
 * is what shows a segment removed behind Barman's back.
 */
async function listWals(io: CatalogIO, walsDir: string): Promise<Map<string, string[]>> {
  const byDir = new Map<string, string[]>([['', []]])
  for (const name of (await io.listDir(walsDir)).sort()) {
    if (HASH_DIR.test(name)) byDir.set(name, (await io.listDir(path.join(walsDir, name))).sort())
    else byDir.get('')!.push(name)
  }
  return byDir
}

async function readHistory(env: ToolEnv, io: CatalogIO, walsDir: string, byDir: ReadonlyMap<string, string[]>, name: string): Promise<BackupHistory | undefined> {
  const dir = name.slice(0, 16)
  if (!byDir.get(dir)?.includes(name)) return undefined
  const parsed = parseBackupHistory((await io.readFile(path.join(walsDir, dir, name))) ?? '')
  if (parsed) return parsed
  // With `compression` set the file is stored compressed under the same name: let Barman read it.
  const { server } = resolveSetup(env)
  const r = await io.run(execStep('get-backup-history', `barman get-wal ${name}`, barmanArgv(env, 'get-wal', server, name), { mutates: false }))
  return parseBackupHistory(r.stdout)
}

export async function readCatalog(env: ToolEnv, io: CatalogIO): Promise<CatalogRead> {
  const { server } = resolveSetup(env)
  const dirs = await serverDirs(env, io)
  const listed = parseListBackups((await io.run(execStep('list-backups', `barman list-backups ${server}`, barmanArgv(env, '-f', 'json', 'list-backups', server), { mutates: false }))).stdout, server)
  const byDir = await listWals(io, dirs.wals)
  const backups: Backup[] = []
  for (const entry of listed) {
    const text = await io.readFile(path.join(dirs.basebackups, entry.id, 'backup.info'))
    const info = text === undefined ? undefined : parseBackupInfo(text)
    const historyName = info ? backupHistoryName(info) : undefined
    const history = historyName ? await readHistory(env, io, dirs.wals, byDir, historyName) : undefined
    backups.push(toBackup(entry, info, history))
  }
  const walFiles = [...byDir.values()].flat().filter((n) => walFileKind(n) === 'segment' || walFileKind(n) === 'history')
  return { backups: sortBackups(backups), walFiles: walFiles.sort() }
}

/** `-f json show-backup`: `{"<server>": {backup_id, status, error?, …}}` (both layouts) */
export function parseShowBackupStatus(stdout: string, server: string): { status: string; error: string | null } | undefined {
  try {
    const b = serverValue(stdout, server) as Json | undefined
    return b && typeof b.status === 'string' ? { status: b.status, error: str(b.error) } : undefined
  } catch {
    return undefined
  }
}

/** Barman's JSON output puts messages under `_INFO`, `_WARNING`, `_ERROR` */
function messages(stdout: string, key: '_INFO' | '_ERROR'): string[] {
  try {
    const v = (parseJsonLossless(stdout) as Json)[key]
    return Array.isArray(v) ? v.map((m) => String(m).trim()) : []
  } catch {
    return []
  }
}

/** `ERROR: …` lines of Barman's console output */
export function errorLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('ERROR: ')).map((l) => l.slice(7).trim())
}

export interface CheckResult {
  readonly name: string
  readonly ok: boolean
  readonly hint: string
}

/** `-f json check`: `{"<server>": {"<check_name>": {"status": "OK|FAILED", "hint": "…"}}}` */
export function parseCheckJson(stdout: string, server: string): CheckResult[] {
  const s = serverValue(stdout, server) as Record<string, { status?: string; hint?: string }> | undefined
  return Object.entries(s ?? {}).map(([name, c]) => ({ name, ok: c.status === 'OK', hint: c.hint ?? '' }))
}

/**
 * The server checks that say whether the archive itself can be trusted. The others describe the
 * live server (down during an in-place restore) or other backups (`failed backups` is the
 * check-backup verdict of some other backup), and stay with `pitrctl check`.
 */
const ARCHIVE_HEALTH = new Set(['archiver_errors', 'wal_archive', 'systemid_coherence', 'directories'])

export function readVerify(env: ToolEnv, backup: Backup, outputs: StepOutputs): VerifyCheck[] {
  const backupId = backup.id
  const { server } = resolveSetup(env)
  const checks: VerifyCheck[] = []

  const shown = outputs.get('show-backup')
  const status = shown ? parseShowBackupStatus(shown.stdout, server) : undefined
  const checkBackupErrors = errorLines(outputs.get('check-backup')?.stderr ?? '')
  checks.push({
    name: 'barman check-backup (WAL from the backup start to its end is archived)',
    ok: status?.status === 'DONE',
    detail: !status
      ? 'show-backup did not report a status'
      : status.status === 'DONE'
        ? `backup ${backupId} is DONE`
        : [`backup ${backupId} is ${status.status}`, status.error, ...checkBackupErrors].filter(Boolean).join(': '),
  })

  const verify = outputs.get('verify-backup')
  if (!verify) checks.push({ name: 'barman verify-backup (pg_verifybackup)', ok: false, detail: 'did not run' })
  else {
    const errors = messages(verify.stdout, '_ERROR')
    const ok = verify.exitCode === 0 && errors.length === 0 && messages(verify.stdout, '_INFO').some((m) => m === 'backup successfully verified')
    checks.push({
      name: 'barman verify-backup (pg_verifybackup)',
      ok,
      detail: ok ? 'backup successfully verified' : errors.join('; ') || errorLines(verify.stderr).join('; ') || `exit code ${verify.exitCode}`,
    })
  }

  const check = outputs.get('check')
  if (check) {
    let results: CheckResult[] = []
    try {
      results = parseCheckJson(check.stdout, server)
    } catch {
      results = []
    }
    const failed = results.filter((c) => !c.ok)
    const counted = failed.filter((c) => ARCHIVE_HEALTH.has(c.name))
    const describe = (c: CheckResult) => `${c.name.replace(/_/g, ' ')}${c.hint ? ` (${c.hint})` : ''}`
    const others = failed.filter((c) => !ARCHIVE_HEALTH.has(c.name))
    checks.push({
      name: 'barman check (archive health)',
      ok: results.length > 0 && counted.length === 0,
      detail:
        results.length === 0
          ? `barman check printed no results (exit code ${check.exitCode})`
          : [counted.length ? `FAILED: ${counted.map(describe).join(', ')}` : 'archive OK', ...(others.length ? [`not counted here: ${others.map(describe).join(', ')}`] : [])].join('; '),
    })
  }
  return checks
}

/** the problems planArchiveRefresh's archive-wal reported; none when it did not run */
export function readArchiveRefresh(outputs: StepOutputs): readonly string[] {
  const r = outputs.get('archive-wal')
  return r ? readArchiveWalProblems(r) : []
}

/**
 * archive-wal exits 0 when it moves a file to errors/: a segment already archived with different
 * content (`Error: <name> is already present in server <server>. File moved to errors
 * directory.`, fixture archive-wal-duplicates; an identical one is dropped silently) or a name
 * that is no WAL file. These lines are what the service must not ignore.
 */
export function readArchiveWalProblems(result: ProcessResult): string[] {
  const out: string[] = []
  const lines = result.stdout.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (/^Error: .* is already present in server /.test(line)) out.push(line.slice(7))
    if (/^Some unknown objects have been found/.test(line)) {
      const moved: string[] = []
      while (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1]!)) moved.push(lines[++i]!.trim())
      out.push(`not WAL files, moved to errors directory: ${moved.join(', ')}`)
    }
  }
  return out
}

/** `-f json show-backup`: `tablespaces[]{location,name,oid}`, null or absent when there are none (fixture show-backup-tablespaces-json) */
export function parseShowBackupTablespaces(stdout: string, server: string): Tablespace[] {
  const b = serverValue(stdout, server) as Json | undefined
  if (!b || typeof b !== 'object') throw new ToolOutputError('barman', `show-backup printed nothing for server ${server}`)
  const list = b.tablespaces ?? []
  if (!Array.isArray(list)) throw new ToolOutputError('barman', 'show-backup: tablespaces is not a list')
  return list.map((t: Json) => {
    const oid = t?.oid
    if ((typeof oid !== 'number' && typeof oid !== 'string') || typeof t.location !== 'string' || typeof t.name !== 'string')
      throw new ToolOutputError('barman', 'show-backup: a tablespace without name, oid or location')
    return { oid: String(oid), name: t.name, location: t.location }
  })
}

export async function readTablespaces(env: ToolEnv, backup: Backup, io: CatalogIO): Promise<readonly Tablespace[]> {
  const { server } = resolveSetup(env)
  const result = await io.run(execStep('show-backup', `barman show-backup ${backup.id}`, barmanArgv(env, '-f', 'json', 'show-backup', server, backup.id), { mutates: false }))
  return parseShowBackupTablespaces(result.stdout, server)
}
