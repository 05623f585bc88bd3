/**
 * WAL-G output to pitrctl's model: `backup-list --detail --json`, the WAL folder listing of
 * `st ls`, `wal-verify --json` and `--version`. Shapes are those recorded from v3.0.9
 * (test/fixtures/walg/3.0.9/).
 */
import { ToolOutputError } from '../../errors.js'
import type { Backup, BackupStatus } from '../../model/catalog.js'
import { formatLsn, lsnFromDecimal } from '../../model/lsn.js'
import { parseSegmentName, segmentName, segmentOf, timelineOfWalName } from '../../model/wal-name.js'
import type { ProcessResult, StepOutputs } from '../../runner/runner.js'
import { integerText, parseJsonLossless } from '../../util/json.js'
import { contentRecordPath } from '../../config/paths.js'
import { compareStoredObjects, parseContentRecord, summarizeProblems } from '../../model/content-record.js'
import type { Tablespace } from '../../model/tablespaces.js'
import type { CatalogIO, CatalogRead, ContentIO, StoredObject, ToolEnv, VerifyCheck } from '../adapter.js'
import { BACKUP_FOLDER, LABEL_KEY, planBackupList, planListBackupObjects, planListWal, planReadObject, planReadSentinel } from './plan.js'

// ---------------------------------------------------------------------------------------------
// --version

/** `wal-g version v3.0.9\t3e49318\t2026.11.21_09:59:14\tPostgreSQL` (fixture version) → `3.0.9` */
export function readVersion(result: ProcessResult): string {
  const m = /wal-g version v?(\S+)/.exec(result.stdout)
  if (!m) throw new ToolOutputError('walg', `cannot read the WAL-G version from ${JSON.stringify(result.stdout.trim())}`)
  return m[1]!
}

/**
 * v3.0.9's integration tests run PostgreSQL 10 and 18 (docker-compose.yml pg10, pg18); its query
 * builders know 9.0 and later (query_runner.go), but pitrctl only vouches for what was tested.
 */
const PG_TESTED_MIN = 10
const PG_TESTED_MAX = 18

export function unsupportedReason(version: string, pgMajor: number): string | undefined {
  if (pgMajor > PG_TESTED_MAX) return `WAL-G ${version} is tested with PostgreSQL up to ${PG_TESTED_MAX}; PostgreSQL ${pgMajor} is newer`
  if (pgMajor < PG_TESTED_MIN) return `WAL-G ${version} is tested with PostgreSQL ${PG_TESTED_MIN} and later`
  return undefined
}

// ---------------------------------------------------------------------------------------------
// backup-list --detail --json

/** one element of the bare array (internal.BackupTime + postgres.ExtendedMetadataDto) */
interface ListEntry {
  backup_name: string
  wal_file_name: string
  start_time?: string
  finish_time?: string
  pg_version?: number
  /** JSON numbers that exceed 2^53 (fixture backup-list-high-lsn): strings after the lossless parse */
  start_lsn?: unknown
  finish_lsn?: unknown
  system_identifier?: unknown
  uncompressed_size?: number
  compressed_size?: number
  /** omitted when the backup has none */
  user_data?: unknown
}

// A delta names the start WAL file of its base, not the base's name: the base of
// base_..09_D_..06 is base_..06_D_..04 (fixture backup-list-detail).
const BACKUP_NAME = /^base_([0-9A-F]{24})(?:_D_([0-9A-F]{24}))?$/

export function parseBackupList(stdout: string): Backup[] {
  let all: unknown
  try {
    all = parseJsonLossless(stdout)
  } catch {
    throw new ToolOutputError('walg', `backup-list --detail --json printed no JSON: ${JSON.stringify(stdout.trim().slice(0, 80))}`)
  }
  if (!Array.isArray(all)) throw new ToolOutputError('walg', 'backup-list --detail --json did not print an array')
  const entries = all as ListEntry[]
  const byStartWal = new Map(entries.map((e) => [e.wal_file_name, e.backup_name]))
  const backups = entries.map((e) => toBackup(e, byStartWal))
  return markBrokenChains(backups)
}

function toBackup(e: ListEntry, byStartWal: ReadonlyMap<string, string>): Backup {
  const name = BACKUP_NAME.exec(e.backup_name)
  const baseWal = name?.[2]
  const startLsn = lsnOf(e.start_lsn)
  const stopLsn = lsnOf(e.finish_lsn)
  // No timeline field: the start WAL file name begins with it.
  const timeline = timelineOfWalName(e.wal_file_name) ?? null
  // Only finished backups are listed (the list is built from *_backup_stop_sentinel.json).
  const parent = baseWal === undefined ? null : (byStartWal.get(baseWal) ?? null)
  const status: BackupStatus = baseWal !== undefined && parent === null ? 'error' : 'ok'
  return {
    id: e.backup_name,
    tool: 'walg',
    type: baseWal === undefined ? 'full' : 'delta',
    status,
    start: isoOf(e.start_time),
    stop: isoOf(e.finish_time),
    startLsn: startLsn === undefined ? null : formatLsn(startLsn),
    stopLsn: stopLsn === undefined ? null : formatLsn(stopLsn),
    timeline,
    walStart: parseSegmentName(e.wal_file_name) ? e.wal_file_name : null,
    // Not printed either: the segment holding the stop LSN, as pg_backup_stop names it.
    walStop: stopLsn === undefined || timeline === null ? null : segmentName(segmentOf(stopLsn, timeline)),
    size: sizeOf(e.uncompressed_size),
    storedSize: sizeOf(e.compressed_size),
    parent,
    pgVersion: majorOf(e.pg_version),
    systemId: integerText(e.system_identifier),
    label: labelOf(e.user_data),
  }
}

/** a delta whose base (or any base below it) is gone cannot be restored */
function markBrokenChains(backups: Backup[]): Backup[] {
  const byId = new Map(backups.map((b) => [b.id, b]))
  const broken = (b: Backup, seen: Set<string>): boolean => {
    if (b.status === 'error') return true
    if (b.parent === null || seen.has(b.id)) return false
    seen.add(b.id)
    const parent = byId.get(b.parent)
    return parent === undefined || broken(parent, seen)
  }
  return backups.map((b) => (b.status === 'ok' && broken(b, new Set()) ? { ...b, status: 'error' } : b))
}

/** WAL-G prints LSNs as plain decimal uint64 (`type LSN uint64`, no JSON marshaller) */
function lsnOf(v: unknown): bigint | undefined {
  const text = integerText(v)
  return text === null ? undefined : lsnFromDecimal(text)
}

/** RFC 3339 with up to 6 fraction digits (`2026-11-21T10:01:47.051502Z`) */
function isoOf(text: string | undefined): string | null {
  if (typeof text !== 'string') return null
  const ms = Date.parse(text)
  // Go's zero time means "unknown" in old sentinels.
  return Number.isNaN(ms) || text.startsWith('0001-') ? null : new Date(ms).toISOString()
}

function sizeOf(n: unknown): number | null {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : null
}

/** server_version_num: 150020 → "15", 90624 → "9.6" */
function majorOf(v: unknown): string | null {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) return null
  return v >= 100000 ? String(Math.floor(v / 10000)) : `${Math.floor(v / 10000)}.${Math.floor(v / 100) % 100}`
}

/** pitrctl's own key; other user data (an adopted setup's) is shown as it is */
function labelOf(userData: unknown): string | null {
  if (userData === undefined || userData === null) return null
  if (typeof userData === 'string') return userData
  if (typeof userData === 'object' && !Array.isArray(userData)) {
    const label = (userData as Record<string, unknown>)[LABEL_KEY]
    if (typeof label === 'string') return label
  }
  return JSON.stringify(userData)
}

// ---------------------------------------------------------------------------------------------
// st ls wal_005/

// Objects are `<name>.<compression extension>`, or the bare name with WALG_COMPRESSION_METHOD=none
// (seen in the lab); `.backup` files, `.partial` segments and anything else are left out.
const WAL_OBJECT = /^([0-9A-F]{24}|[0-9A-F]{8}\.history)(?:\.(?:lz4|lzma|zst|br|gz|lzo))?$/

/**
 * `type size last modified name` rows, tab-aligned with spaces, the modification time holding
 * spaces itself (fixture st-ls-wal): the name is the token that looks like one.
 */
export function parseWalListing(stdout: string): string[] {
  const names = new Set<string>()
  for (const line of stdout.split('\n')) {
    const tokens = line.trim().split(/\s+/)
    if (tokens[0] !== 'obj') continue
    for (const t of tokens.slice(1)) {
      const m = WAL_OBJECT.exec(t)
      if (m) {
        names.add(m[1]!)
        break
      }
    }
  }
  return [...names].sort()
}

export async function readCatalog(env: ToolEnv, io: CatalogIO): Promise<CatalogRead> {
  const list = await io.run(planBackupList(env))
  const wal = await io.run(planListWal(env))
  return { backups: parseBackupList(list.stdout), walFiles: parseWalListing(wal.stdout) }
}

/** wal-push stores each file in the storage at once: nothing to refresh */
export function readArchiveRefresh(_outputs: StepOutputs): readonly string[] {
  return []
}

// ---------------------------------------------------------------------------------------------
// wal-verify integrity timeline --json

type CheckStatus = 'OK' | 'WARNING' | 'FAILURE'

interface IntegrityRow {
  timeline_id: number
  start_segment: string
  end_segment: string
  segments_count: number
  /** FOUND, MISSING_DELAYED, MISSING_UPLOADING, MISSING_LOST */
  status: string
}

interface WalVerifyOutput {
  integrity?: { status: CheckStatus; details: IntegrityRow[] | null }
  timeline?: { status: CheckStatus; details: { current_timeline_id: number; highest_storage_timeline_id: number } }
}

/**
 * wal-verify's verdict on the WAL, then the backup's content: WAL-G has no check of its own that
 * reads a backup, so every object recorded right after backup-push is read again through WAL-G
 * and compared by size and sha256.
 */
export async function readVerify(env: ToolEnv, backup: Backup, outputs: StepOutputs, io: ContentIO): Promise<VerifyCheck[]> {
  return [...readWalVerify(backup, outputs), ...(await readChainContent(env, backup, io))]
}

/**
 * A delta holds only what changed since its base: restoring it reads the objects of every backup
 * down to the full (backup-fetch-delta), so those are checked too, walked through backup-list.
 */
export async function readChainContent(env: ToolEnv, backup: Backup, io: ContentIO): Promise<VerifyCheck[]> {
  const checks = [await readContentCheck(env, backup, io)]
  if (backup.parent === null) return checks
  const byId = new Map(parseBackupList((await io.run(planBackupList(env))).stdout).map((b) => [b.id, b]))
  const seen = new Set([backup.id])
  for (let id: string | null = backup.parent; id !== null && !seen.has(id); ) {
    seen.add(id)
    const base = byId.get(id)
    const name = `${CONTENT_CHECK} of ${id}, which ${backup.id} is a delta of`
    if (base === undefined) {
      checks.push({ name, ok: false, detail: `${id} is not in backup-list: ${backup.id} cannot be restored without it` })
      break
    }
    checks.push({ ...(await readContentCheck(env, base, io)), name })
    id = base.parent
  }
  return checks
}

/** the verdict of planVerify's one step */
export function readWalVerify(backup: Backup, outputs: StepOutputs): VerifyCheck[] {
  const result = outputs.get('wal-verify')
  if (result === undefined) return [{ name: 'WAL-G wal-verify', ok: false, detail: 'wal-g wal-verify did not run' }]
  return verifyChecks(result.stdout, backup)
}

/**
 * The verdict of one `wal-verify … --backup-name ID` run. WAL-G's status is not enough on its own:
 * a segment missing within WALG_UPLOAD_CONCURRENCY (16) segments of the newest archived one is
 * "MISSING_UPLOADING", a WARNING, even when it is lost for good (fixture wal-verify-warning; the
 * same hole 24 segments deep is MISSING_LOST, FAILURE: wal-verify-failure). pitrctl archives one
 * segment at a time, so a hole below archived segments is a hole: only segments missing after the
 * newest archived one (archiving lag, MISSING_DELAYED) leave the backup restorable.
 */
export function verifyChecks(stdout: string, backup: Backup): VerifyCheck[] {
  let out: WalVerifyOutput
  try {
    out = parseJsonLossless(stdout) as WalVerifyOutput
  } catch {
    return [{ name: 'WAL-G wal-verify', ok: false, detail: `wal-verify printed no JSON: ${stdout.trim().slice(0, 200) || '(nothing)'}` }]
  }
  return [integrityCheck(out.integrity, backup), timelineCheck(out.timeline)]
}

function integrityCheck(r: WalVerifyOutput['integrity'], backup: Backup): VerifyCheck {
  const name = 'WAL-G wal-verify integrity'
  if (r === undefined) return { name, ok: false, detail: 'wal-verify printed no integrity result' }
  const rows = r.details ?? []
  const range = (x: IntegrityRow) => (x.start_segment === x.end_segment ? x.start_segment : `${x.start_segment}…${x.end_segment}`)
  const lastFound = rows.map((x) => x.status).lastIndexOf('FOUND')
  const holes = rows.filter((x, i) => x.status !== 'FOUND' && i < lastFound)
  const lag = rows.filter((x, i) => x.status !== 'FOUND' && i > lastFound)
  const stopSegment = backup.walStop === null ? undefined : parseSegmentName(backup.walStop)?.segno
  const stopArchived =
    stopSegment === undefined || rows.some((x) => x.status === 'FOUND' && between(stopSegment, x.start_segment, x.end_segment))
  const found = rows.filter((x) => x.status === 'FOUND')
  const foundText = found.length ? `archived: ${found.map(range).join(', ')}` : 'no WAL archived'
  const ok = r.status === 'OK' || (r.status === 'WARNING' && lastFound >= 0 && holes.length === 0 && stopArchived)
  const problems = [
    ...holes.map((x) => `missing ${range(x)} (${x.segments_count} segment${x.segments_count === 1 ? '' : 's'}, WAL-G: ${x.status})`),
    ...(stopArchived ? [] : [`the backup's last segment ${backup.walStop} is not archived`]),
    ...lag.map((x) => `not archived yet after the newest archived segment: ${range(x)} (WAL-G: ${x.status})`),
  ]
  const verdict = r.status === 'OK' ? '' : ` — WAL-G says ${r.status}`
  return { name, ok, detail: `${[foundText, ...problems].join('; ')}${verdict}` }
}

function between(segno: bigint, from: string, to: string): boolean {
  const a = parseSegmentName(from)?.segno
  const b = parseSegmentName(to)?.segno
  return a !== undefined && b !== undefined && segno >= a && segno <= b
}

function timelineCheck(r: WalVerifyOutput['timeline']): VerifyCheck {
  const name = 'WAL-G wal-verify timeline'
  if (r === undefined) return { name, ok: false, detail: 'wal-verify printed no timeline result' }
  const { current_timeline_id: current, highest_storage_timeline_id: highest } = r.details
  switch (r.status) {
    case 'OK':
      return { name, ok: true, detail: `the server's timeline ${current} is the newest in the archive` }
    case 'WARNING':
      // highest is 0: no WAL file in storage names a timeline (timeline_check_runner.go).
      return { name, ok: false, detail: 'the archive holds no WAL file to compare the server timeline with' }
    case 'FAILURE':
      return {
        name,
        ok: false,
        detail:
          highest > current
            ? `the archive holds timeline ${highest}, newer than the server's ${current}: another server (a promoted copy?) archived into this repository, and recovery to the latest timeline would follow it`
            : `the server is on timeline ${current}, but the archive's newest is ${highest}: the new timeline's history file has not been archived`,
      }
  }
}

// ---------------------------------------------------------------------------------------------
// the backup's stored objects: st ls -r basebackups_005/<name>/, st cat <object>

const LISTED_OBJECT = /^obj\s+(\d+)\s+\d{4}-\d{2}-\d{2} \S+ [+-]\d{4} \S+\s+(\S+)/

/**
 * `st ls -r FOLDER` rows to storage paths and sizes: `obj SIZE <Go time, four words> NAME`; names
 * in subfolders start with `/` (`/tar_partitions/part_001.tar.lz4`, fixture st-ls-backup). A
 * folder that does not exist lists only the header, exit 0 (fixture st-ls-backup-missing).
 */
export function parseObjectListing(stdout: string, folder: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of stdout.split('\n')) {
    const m = LISTED_OBJECT.exec(line.trim())
    if (m) out.set(`${folder}${m[2]!.replace(/^\/+/, '')}`, Number(m[1]))
  }
  return out
}

/** a backup's own objects: its folder (a delta holds only its own parts) and its stop sentinel */
function sentinelOf(backupId: string): string {
  return `${BACKUP_FOLDER}${backupId}_backup_stop_sentinel.json`
}

async function listObjects(env: ToolEnv, backupId: string, io: ContentIO): Promise<Map<string, number>> {
  return parseObjectListing((await io.run(planListBackupObjects(env, backupId))).stdout, `${BACKUP_FOLDER}${backupId}/`)
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop()?.replace(/^ERROR: \S+ \S+ /, '') ?? ''
}

/** every object of the backup read through WAL-G, right after backup-push: what verify compares with */
export async function readStoredObjects(env: ToolEnv, backup: Backup, io: ContentIO): Promise<StoredObject[]> {
  const listed = await listObjects(env, backup.id, io)
  const objects: StoredObject[] = []
  for (const p of [...listed.keys(), sentinelOf(backup.id)]) {
    const r = await io.runDigest(planReadObject(env, p))
    if (!r.ok || !r.stdoutDigest) throw new ToolOutputError('walg', `cannot read ${p} of the new backup through WAL-G: ${lastLine(r.stderr) || `exit code ${r.exitCode}`}`)
    objects.push({ path: p, ...r.stdoutDigest })
  }
  return objects
}

const CONTENT_CHECK = 'WAL-G backup content (size and sha256 of every stored object, read through WAL-G)'

/**
 * The record pitrctl made right after backup-push against a fresh listing and a full read of each
 * object. No record (an adopted setup's backup, or one taken before pitrctl kept records): the
 * check is not made, and says so.
 */
export async function readContentCheck(env: ToolEnv, backup: Backup, io: ContentIO): Promise<VerifyCheck> {
  const record = parseContentRecord(await io.readFile(contentRecordPath(env.stateDir, 'walg', backup.id)), backup.id)
  if (record === undefined)
    return {
      name: CONTENT_CHECK,
      ok: false,
      unchecked: true,
      detail: 'not checked: pitrctl holds no record of this backup\'s stored objects (it was not taken by pitrctl backup, or before pitrctl kept records), and WAL-G has no check of its own; verify --restore reads it in full',
    }
  const listed = await listObjects(env, backup.id, io)
  const sentinel = sentinelOf(backup.id)
  const now = new Map<string, { listedSizeBytes?: number; read?: { sizeBytes: number; sha256: string }; error?: string }>()
  for (const o of record.objects) {
    const size = listed.get(o.path)
    // The sentinel lies outside the folder: only reading it tells whether it is there.
    if (size === undefined && o.path !== sentinel) continue
    const r = await io.runDigest(planReadObject(env, o.path))
    if (r.ok && r.stdoutDigest) now.set(o.path, { ...(size === undefined ? {} : { listedSizeBytes: size }), read: r.stdoutDigest })
    else if (/not found in storage/.test(r.stderr) && size === undefined) continue // fixture st-cat-missing
    else now.set(o.path, { ...(size === undefined ? {} : { listedSizeBytes: size }), error: lastLine(r.stderr) || `exit code ${r.exitCode}` })
  }
  const problems = compareStoredObjects(record.objects, now)
  return { name: CONTENT_CHECK, ok: problems.length === 0, detail: summarizeProblems(problems, record.objects.length, 'stored objects') }
}

/**
 * The stop sentinel's `Spec` (v3.0.8 backup_sentinel_dto.go, tablespace_spec.go): `tablespaces`
 * lists the pg_tblspc link names (oids), each with `loc`; `base_prefix` is the old data
 * directory. No names: WAL-G keeps none. Absent when the cluster had no tablespaces.
 */
export function parseSentinelTablespaces(stdout: string): Tablespace[] {
  let s: { Spec?: Record<string, unknown> | null; spec?: Record<string, unknown> | null }
  try {
    s = parseJsonLossless(stdout) as typeof s
  } catch {
    throw new ToolOutputError('walg', 'the backup sentinel is not JSON')
  }
  const spec = s.Spec ?? s.spec
  if (!spec) return []
  const names = spec.tablespaces ?? []
  if (!Array.isArray(names)) throw new ToolOutputError('walg', 'the backup sentinel Spec has no tablespaces list')
  return names.map((oid: unknown) => {
    const loc = (spec[String(oid)] as { loc?: unknown } | undefined)?.loc
    if (typeof oid !== 'string' || typeof loc !== 'string') throw new ToolOutputError('walg', `the backup sentinel Spec has no location for tablespace ${String(oid)}`)
    return { oid, name: null, location: loc }
  })
}

export async function readTablespaces(env: ToolEnv, backup: Backup, io: CatalogIO): Promise<readonly Tablespace[]> {
  return parseSentinelTablespaces((await io.run(planReadSentinel(env, backup.id))).stdout)
}
