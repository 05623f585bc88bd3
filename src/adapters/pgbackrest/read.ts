/**
 * pgBackRest output to pitrctl's model: `info --output=json` (documented as stable), the WAL
 * archive's file names, `verify --output=text` and `version`.
 */
import { ToolError, ToolOutputError } from '../../errors.js'
import type { Backup, BackupStatus, BackupType } from '../../model/catalog.js'
import { formatLsn, parseLsn } from '../../model/lsn.js'
import { HISTORY_NAME, SEGMENT_NAME, timelineOfWalName } from '../../model/wal-name.js'
import { versionAtLeast } from '../../model/version.js'
import type { Tablespace } from '../../model/tablespaces.js'
import type { ProcessResult, StepOutputs } from '../../runner/runner.js'
import { integerText, parseJsonLossless } from '../../util/json.js'
import type { CatalogIO, CatalogRead, ToolEnv, VerifyCheck } from '../adapter.js'
import { managedPaths, resolveSetup } from './config.js'
import { LABEL_ANNOTATION, planInfo, planInfoSet, planListArchive } from './plan.js'

// ---------------------------------------------------------------------------------------------
// info --output=json

interface InfoStanza {
  name: string
  status: { code: number; message: string }
  db: { id: number; 'repo-key'?: number; 'system-id': unknown; version: string }[]
  archive: { id: string; database: { id: number; 'repo-key'?: number }; min: string | null; max: string | null }[]
  backup: InfoBackup[]
}

interface InfoBackup {
  label: string
  type: string
  prior: string | null
  error?: boolean
  annotation?: Record<string, string>
  archive?: { start: string | null; stop: string | null }
  lsn?: { start: string | null; stop: string | null }
  timestamp: { start: number; stop: number }
  info?: { size?: number; repository?: { size?: number } }
  database: { id: number; 'repo-key'?: number }
}

/**
 * info status codes (2.45 src/command/info/info.c): 1 missing stanza path, 3 missing stanza data
 * mean setup never ran; 99 (other) with no backup listed means the repository could not be read.
 * 2 (no valid backups) and the multi-repository codes 4 and 5 still list what exists.
 */
const STANZA_MISSING = new Set([1, 3])
const STANZA_UNREADABLE = 99

export class InfoStanzaError extends Error {
  constructor(
    readonly stanza: string,
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

/** the stanza's entry of `info --output=json`; system-id is beyond 2^53, hence the lossless parse */
export function parseInfo(stdout: string, stanza: string): InfoStanza {
  const all = parseJson(stdout, 'info --output=json')
  if (!Array.isArray(all)) throw new ToolOutputError('pgbackrest', 'info --output=json did not print an array')
  const entry = (all as InfoStanza[]).find((s) => s.name === stanza)
  if (!entry) throw new InfoStanzaError(stanza, 1, `stanza '${stanza}' is not in the pgBackRest info output`)
  // A stanza that was never created still exits 0, with status code 1 (fixture info-no-stanza).
  if (STANZA_MISSING.has(entry.status.code) || (entry.status.code === STANZA_UNREADABLE && entry.backup.length === 0))
    throw new InfoStanzaError(stanza, entry.status.code, `pgBackRest stanza '${stanza}': ${entry.status.message} (info status ${entry.status.code})`)
  return entry
}

function parseJson(stdout: string, command: string): unknown {
  try {
    return parseJsonLossless(stdout)
  } catch {
    throw new ToolOutputError('pgbackrest', `${command} printed no JSON: ${JSON.stringify(stdout.trim().slice(0, 80))}`)
  }
}

const BACKUP_TYPES: readonly string[] = ['full', 'diff', 'incr']

export function backupsFromInfo(info: InfoStanza): Backup[] {
  const dbs = new Map(info.db.map((d) => [dbKey(d.id, d['repo-key']), d]))
  return info.backup.map((b): Backup => {
    if (!BACKUP_TYPES.includes(b.type)) throw new ToolOutputError('pgbackrest', `backup ${b.label} has an unknown type '${b.type}'`)
    const db = dbs.get(dbKey(b.database.id, b.database['repo-key']))
    const walStart = b.archive?.start ?? null
    // `error` is true when the backup found page checksum errors in the cluster's files
    // (fixture info-json, backup *_20261121-095933I).
    const status: BackupStatus = b.error === true ? 'error' : 'ok'
    return {
      id: b.label,
      tool: 'pgbackrest',
      type: b.type as BackupType,
      status,
      start: isoFromEpoch(b.timestamp.start),
      stop: isoFromEpoch(b.timestamp.stop),
      startLsn: lsnOrNull(b.lsn?.start),
      stopLsn: lsnOrNull(b.lsn?.stop),
      // pgBackRest has no timeline field: the start WAL file name begins with it.
      timeline: walStart === null ? null : (timelineOfWalName(walStart) ?? null),
      walStart,
      walStop: b.archive?.stop ?? null,
      size: numberOrNull(b.info?.size),
      storedSize: numberOrNull(b.info?.repository?.size),
      parent: b.prior ?? null,
      pgVersion: db ? db.version : null,
      systemId: db ? integerText(db['system-id']) : null,
      label: b.annotation?.[LABEL_ANNOTATION] ?? null,
    }
  })
}

/** archive ids ("15-1") of the stanza's current database: WAL of older ones belongs to another cluster */
export function currentArchiveIds(info: InfoStanza): string[] {
  if (info.db.length === 0) return []
  const current = Math.max(...info.db.map((d) => d.id))
  return [...new Set(info.archive.filter((a) => a.database.id === current).map((a) => a.id))]
}

function dbKey(id: number, repoKey: number | undefined) {
  return `${repoKey ?? 1}:${id}`
}

function isoFromEpoch(seconds: number | undefined): string | null {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : null
}

function lsnOrNull(text: string | null | undefined): string | null {
  if (typeof text !== 'string') return null
  const lsn = parseLsn(text)
  return lsn === undefined ? null : formatLsn(lsn)
}

function numberOrNull(n: unknown): number | null {
  return typeof n === 'number' && Number.isFinite(n) ? n : null
}

// ---------------------------------------------------------------------------------------------
// WAL archive listing

/**
 * The WAL name a repository file stands for. Segments are stored as `<24 hex>-<sha1>[.gz|.lz4|…]`
 * inside `<16 hex>` directories, history files as `<8 hex>.history` beside them; `.backup` and
 * `.partial` files are left out (fixtures archive-tree, repo-ls-archive).
 */
export function walNameOfRepoFile(file: string): string | undefined {
  const m = /^([0-9A-F]{24})-[0-9a-f]{40}(\.[a-z0-9]+)?$/.exec(file)
  if (m) return m[1]
  if (HISTORY_NAME.test(file)) return file
  return undefined
}

/** managed mode: the archive directory read directly (no process) */
export async function listArchiveDirs(io: CatalogIO, archiveRoot: string, archiveIds: readonly string[]): Promise<string[]> {
  const names: string[] = []
  for (const id of archiveIds) {
    const dir = `${archiveRoot}/${id}`
    for (const entry of await io.listDir(dir)) {
      if (/^[0-9A-F]{16}$/.test(entry)) {
        for (const file of await io.listDir(`${dir}/${entry}`)) {
          const name = walNameOfRepoFile(file)
          if (name !== undefined && SEGMENT_NAME.test(name) && name.startsWith(entry)) names.push(name)
        }
      } else if (HISTORY_NAME.test(entry)) names.push(entry)
    }
  }
  return uniqueSorted(names)
}

/** adopted mode: `repo-ls --output=json --recurse archive/<stanza>`, keys are paths below it */
export function walNamesFromRepoLs(stdout: string, archiveIds: readonly string[]): string[] {
  const listing = parseJson(stdout, 'repo-ls --output=json') as Record<string, { type: string }>
  const names: string[] = []
  for (const [path, entry] of Object.entries(listing)) {
    if (entry.type !== 'file') continue
    const parts = path.split('/')
    if (!archiveIds.includes(parts[0]!)) continue
    const name = walNameOfRepoFile(parts[parts.length - 1]!)
    if (name === undefined) continue
    if (parts.length === 2 && HISTORY_NAME.test(name)) names.push(name)
    else if (parts.length === 3 && SEGMENT_NAME.test(name) && name.startsWith(parts[1]!)) names.push(name)
  }
  return uniqueSorted(names)
}

function uniqueSorted(names: string[]): string[] {
  return [...new Set(names)].sort()
}

// ---------------------------------------------------------------------------------------------
// catalog

export async function readCatalog(env: ToolEnv, io: CatalogIO): Promise<CatalogRead> {
  const setup = resolveSetup(env)
  const infoStep = planInfo(env)
  const result = await io.run(infoStep)
  let info: InfoStanza
  try {
    info = parseInfo(result.stdout, setup.stanza)
  } catch (e) {
    if (!(e instanceof InfoStanzaError)) throw e
    throw new ToolError({
      kind: STANZA_MISSING.has(e.code) ? 'not-initialized' : 'unknown',
      tool: 'pgbackrest',
      summary: e.message,
      exitCode: result.exitCode,
      argv: result.argv,
      stderrTail: result.stderr.split('\n').filter((l) => l.trim() !== '').slice(-12),
    })
  }
  const backups = backupsFromInfo(info)
  const ids = currentArchiveIds(info)
  if (ids.length === 0) return { backups, walFiles: [] }
  // A managed repository on local disk is read directly; anything else (adopted, or an
  // object-store repo1-type passed through) through pgBackRest itself.
  const local = setup.mode === 'managed' && (setup.passthrough['repo1-type'] ?? 'posix') === 'posix'
  const walFiles = local
    ? await listArchiveDirs(io, `${managedPaths(setup.repoDir!).repo}/archive/${setup.stanza}`, ids)
    : walNamesFromRepoLs((await io.run(planListArchive(env))).stdout, ids)
  return { backups, walFiles }
}

// ---------------------------------------------------------------------------------------------
// verify --output=text --verbose

export interface VerifyCounts {
  readonly missing: number
  readonly checksumInvalid: number
  readonly sizeInvalid: number
  readonly other: number
}

export interface VerifyArchive {
  readonly archiveId: string
  readonly checked: number
  readonly valid: number
  readonly counts: VerifyCounts | undefined
}

export interface VerifyBackup {
  readonly label: string
  /** valid | invalid | manifest missing | in-progress */
  readonly status: string
  readonly checked: number
  readonly valid: number
  readonly counts: VerifyCounts | undefined
}

export interface VerifyReport {
  readonly status: 'ok' | 'error' | undefined
  readonly archives: readonly VerifyArchive[]
  readonly backups: readonly VerifyBackup[]
  /** lines that are none of the above: "No usable backup.info file", history mismatches, … */
  readonly other: readonly string[]
}

const ARCHIVE_LINE = /^ {2}archiveId: (\S+), total WAL checked: (\d+), total valid WAL: (\d+)$/
const BACKUP_LINE = /^ {2}backup: (\S+), status: ([a-z -]+), total files checked: (\d+), total valid files: (\d+)$/
const COUNTS_PART = /^(missing|checksum invalid|size invalid|other): (\d+)$/

/** verifyRender() in 2.45 src/command/verify/verify.c; exit code 0 whatever it found */
export function parseVerifyText(stdout: string): VerifyReport {
  let status: VerifyReport['status']
  const archives: VerifyArchive[] = []
  const backups: VerifyBackup[] = []
  const other: string[] = []
  // each archive or backup line is followed by one line of counts
  let pending: ((counts: VerifyCounts) => void) | undefined
  for (const line of stdout.split('\n')) {
    if (line.trim() === '' || line.startsWith('stanza: ')) continue
    const st = /^status: (ok|error)$/.exec(line)
    const a = ARCHIVE_LINE.exec(line)
    const b = BACKUP_LINE.exec(line)
    const counts = parseCounts(line)
    if (st) status = st[1] as 'ok' | 'error'
    else if (a) {
      const i = archives.push({ archiveId: a[1]!, checked: Number(a[2]), valid: Number(a[3]), counts: undefined }) - 1
      pending = (c) => (archives[i] = { ...archives[i]!, counts: c })
    } else if (b) {
      const i = backups.push({ label: b[1]!, status: b[2]!, checked: Number(b[3]), valid: Number(b[4]), counts: undefined }) - 1
      pending = (c) => (backups[i] = { ...backups[i]!, counts: c })
    } else if (counts && pending) {
      pending(counts)
      pending = undefined
    } else if (!/^\s*(archiveId|backup): none found$/.test(line)) other.push(line.trim())
  }
  return { status, archives, backups, other }
}

export interface InvalidFile {
  /** file missing | invalid checksum | invalid size | invalid result */
  readonly reason: string
  /** in the stanza's backup or archive directory: `<label>/pg_data/…` or `<archiveId>/<dir>/<segment>-<sha1>.gz` */
  readonly path: string
  /** what failed, for an "invalid result" that raised an error (a file that does not decompress) */
  readonly message: string | null
}

// verifyLogInvalidResult() and the job-error branch of verifyProcess() in 2.45 verify.c; a missing
// WAL file is a WARN (expire may remove WAL), the rest INFO; P<nn> when the log shows process ids
const INVALID_NAMED = /^(?:P\d+ +)?(?:INFO|WARN): (file missing|invalid checksum|invalid size|invalid result) '([^']+)'$/
const INVALID_RAISED = /^(?:P\d+ +)?INFO: (invalid result) (\S+): (.+)$/

/** the files verify found bad, from its log lines on stderr (planVerify's --log-level-stderr=info) */
export function parseVerifyInvalidFiles(stderr: string): InvalidFile[] {
  const out: InvalidFile[] = []
  for (const line of stderr.split('\n')) {
    const n = INVALID_NAMED.exec(line)
    const r = n ? undefined : INVALID_RAISED.exec(line)
    if (n) out.push({ reason: n[1]!, path: n[2]!, message: null })
    else if (r) out.push({ reason: r[1]!, path: r[2]!, message: r[3]! })
  }
  return out
}

const BACKUP_LABEL = /^(\d{8}-\d{6}F)(?:_\d{8}-\d{6}[DI])?$/

/**
 * Whether files stored under `label` belong to the restore of `backupId`: its own, or those of an
 * earlier backup of the same full's chain that it references (verify marks the referencing backup
 * invalid too but names the file once, under the label that stores it: fixture verify-named-referenced).
 */
function storesFilesOf(label: string, backupId: string): boolean {
  if (label === backupId) return true
  const full = BACKUP_LABEL.exec(backupId)?.[1]
  return full !== undefined && (label === full || (label.startsWith(`${full}_`) && label < backupId))
}

function describeInvalid(files: readonly InvalidFile[]): string {
  if (files.length === 0) return ''
  const shown = files.slice(0, 10).map((f) => `${f.reason} ${f.path}${f.message ? ` (${f.message})` : ''}`)
  return `: ${shown.join(', ')}${files.length > shown.length ? `, and ${files.length - shown.length} more` : ''}`
}

function parseCounts(line: string): VerifyCounts | undefined {
  if (!line.startsWith('    ')) return undefined
  const c = { missing: 0, checksumInvalid: 0, sizeInvalid: 0, other: 0 }
  for (const part of line.trim().split(', ')) {
    const m = COUNTS_PART.exec(part)
    if (!m) return undefined
    const n = Number(m[2])
    if (m[1] === 'missing') c.missing = n
    else if (m[1] === 'checksum invalid') c.checksumInvalid = n
    else if (m[1] === 'size invalid') c.sizeInvalid = n
    else c.other = n
  }
  return c
}

function describeCounts(c: VerifyCounts | undefined): string {
  if (!c) return ''
  const parts = [
    c.missing ? `${c.missing} missing` : '',
    c.checksumInvalid ? `${c.checksumInvalid} with a wrong checksum` : '',
    c.sizeInvalid ? `${c.sizeInvalid} with a wrong size` : '',
    c.other ? `${c.other} unreadable` : '',
  ].filter(Boolean)
  return parts.length ? ` (${parts.join(', ')})` : ''
}

/** the verdict of planVerify's one step */
export function readVerify(_env: ToolEnv, backup: Backup, outputs: StepOutputs): VerifyCheck[] {
  const result = outputs.get('verify')
  if (result === undefined) return [{ name: 'pgBackRest verify', ok: false, detail: 'pgbackrest verify did not run' }]
  return verifyChecks(result.stdout, backup.id, result.stderr)
}

/**
 * The checks for one backup. 2.45's verify checks every backup and every archived WAL file
 * against the checksums recorded when they were written; it does not look for gaps in the WAL
 * (fixture verify-wal-gap: status ok), which pitrctl's own WAL-chain check covers.
 */
export function verifyChecks(stdout: string, backupId: string, stderr = ''): VerifyCheck[] {
  const r = parseVerifyText(stdout)
  const invalid = parseVerifyInvalidFiles(stderr)
  const under = (top: (label: string) => boolean) => invalid.filter((f) => top(f.path.slice(0, f.path.indexOf('/'))))
  if (r.status === undefined)
    return [{ name: 'pgBackRest verify', ok: false, detail: 'pgbackrest verify printed no result (expected "status: ok" or "status: error")' }]
  const checks: VerifyCheck[] = []
  checks.push({
    name: 'repository catalog (backup.info, archive.info)',
    ok: r.other.length === 0,
    detail: r.other.length === 0 ? 'readable and consistent with each other' : r.other.join('; '),
  })
  const b = r.backups.find((x) => x.label === backupId)
  if (b === undefined) {
    checks.push({ name: `backup files of ${backupId}`, ok: false, detail: `pgbackrest verify did not report backup ${backupId}` })
  } else {
    // in-progress and "manifest missing" are reported with no files checked
    const state = b.status === 'valid' || b.status === 'invalid' ? '' : `; status: ${b.status}`
    checks.push({
      name: `backup files of ${backupId}`,
      ok: b.status === 'valid',
      detail: `${b.valid} of ${b.checked} files match the checksum and size recorded in the backup manifest${describeCounts(b.counts)}${state}${describeInvalid(b.status === 'valid' ? [] : under((l) => storesFilesOf(l, backupId)))}`,
    })
  }
  for (const a of r.archives) {
    checks.push({
      name: `archived WAL files (${a.archiveId})`,
      ok: a.valid === a.checked,
      detail: `${a.valid} of ${a.checked} WAL files match the checksum recorded when they were archived${describeCounts(a.counts)}${describeInvalid(under((l) => l === a.archiveId))}`,
    })
  }
  // Never report ok while pgBackRest said error: name what was not explained above.
  const explained = r.other.length > 0 || r.archives.some((a) => a.valid !== a.checked) || r.backups.some((x) => x.status !== 'valid')
  if (r.status === 'error' && !explained) checks.push({ name: 'pgBackRest verify', ok: false, detail: 'pgbackrest verify reported status: error' })
  return checks
}

// ---------------------------------------------------------------------------------------------
// version

export function readVersion(result: ProcessResult): string {
  const m = /pgBackRest (\d+\.\d+(?:\.\d+)?(?:dev)?)/.exec(result.stdout)
  if (!m) throw new ToolOutputError('pgbackrest', `cannot read the pgBackRest version from ${JSON.stringify(result.stdout.trim())}`)
  return m[1]!
}

/**
 * The newest PostgreSQL major each pgBackRest release reads (PG_VERSION_MAX in
 * src/postgres/version.h at each release tag), newest release first.
 */
const PG_MAX_BY_RELEASE: readonly (readonly [string, number])[] = [
  ['2.59', 19],
  ['2.55', 18],
  ['2.52', 17],
  ['2.46', 16],
  ['0', 15],
]

export function unsupportedReason(version: string, pgMajor: number): string | undefined {
  const max = PG_MAX_BY_RELEASE.find(([since]) => versionAtLeast(version, since))![1]
  if (pgMajor <= max) return undefined
  const need = [...PG_MAX_BY_RELEASE].reverse().find(([, m]) => m >= pgMajor)
  return `pgBackRest ${version} supports PostgreSQL up to ${max}${need ? `; PostgreSQL ${pgMajor} needs pgBackRest ${need[0]} or later` : ''}`
}

// ---------------------------------------------------------------------------------------------
// archive refresh

/** pgBackRest archives each file as archive-push receives it: nothing to refresh */
export function readArchiveRefresh(_outputs: StepOutputs): readonly string[] {
  return []
}

// ---------------------------------------------------------------------------------------------
// tablespaces

/** `info --set=<label> --output=json` lists the backup's `tablespace[]{destination,name,oid}` (fixture info-set-tablespaces) */
export function parseInfoTablespaces(stdout: string, stanza: string, label: string): Tablespace[] {
  const info = parseInfo(stdout, stanza)
  const b = info.backup.find((x) => x.label === label) as (InfoBackup & { tablespace?: unknown }) | undefined
  if (!b) throw new ToolOutputError('pgbackrest', `info --set=${label} did not list backup ${label}`)
  const list = b.tablespace ?? []
  if (!Array.isArray(list)) throw new ToolOutputError('pgbackrest', `info --set=${label}: tablespace is not a list`)
  return list.map((t: { destination?: unknown; name?: unknown; oid?: unknown }) => {
    const oid = integerText(t.oid)
    if (oid === null || typeof t.destination !== 'string') throw new ToolOutputError('pgbackrest', `info --set=${label}: a tablespace without oid or destination`)
    return { oid, name: typeof t.name === 'string' ? t.name : null, location: t.destination }
  })
}

export async function readTablespaces(env: ToolEnv, backup: Backup, io: CatalogIO): Promise<readonly Tablespace[]> {
  const result = await io.run(planInfoSet(env, backup.id))
  return parseInfoTablespaces(result.stdout, resolveSetup(env).stanza, backup.id)
}
