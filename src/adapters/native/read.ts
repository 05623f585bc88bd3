/**
 * Reading native backups back: pitrctl's record, PostgreSQL's backup_label and backup_manifest,
 * the `.backup` history file in the archive (the only place PostgreSQL writes the stop time), and
 * pg_controldata for the system identifier.
 */
import path from 'node:path'
import type { Backup, BackupStatus } from '../../model/catalog.js'
import { formatLsn, parseLsn } from '../../model/lsn.js'
import { execStep } from '../../model/plan.js'
import { parseConfLines } from '../../model/recovery-settings.js'
import { resolveWallClock } from '../../model/time.js'
import { backupHistoryName, parseBackupHistory } from '../../model/backup-history.js'
import { DEFAULT_SEGMENT_BYTES, segmentName, segmentOf, walFileKind } from '../../model/wal-name.js'
import type { ProcessResult, StepOutputs } from '../../runner/runner.js'
import { ToolOutputError } from '../../errors.js'
import type { Tablespace } from '../../model/tablespaces.js'
import type { CatalogIO, CatalogRead, ToolEnv, VerifyCheck } from '../adapter.js'
import { RECORD_FILE, backupDir, resolveSetup, type NativeBackupRecord } from './config.js'

export interface BackupLabel {
  readonly startLsn: string
  readonly startWal: string
  readonly startTime: string
  readonly timeline: number
  readonly label: string
}

/** `backup_label` (PG 15): `START WAL LOCATION: 0/9000028 (file 000000010000000000000009)` … */
export function parseBackupLabel(text: string): BackupLabel | undefined {
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1]?.trim()
  const start = /^START WAL LOCATION: ([0-9A-Fa-f]+\/[0-9A-Fa-f]+) \(file ([0-9A-F]{24})\)$/m.exec(text)
  const startTime = field('START TIME')
  const timeline = field('START TIMELINE')
  if (!start || !startTime || !timeline) return undefined
  return { startLsn: formatLsn(parseLsn(start[1]!)!), startWal: start[2]!, startTime, timeline: Number(timeline), label: field('LABEL') ?? '' }
}

export interface ManifestSummary {
  readonly bytes: number
  readonly startLsn: string
  readonly stopLsn: string
  readonly timeline: number
}

export function parseManifest(text: string): ManifestSummary | undefined {
  let m: { Files?: { Size?: number }[]; 'WAL-Ranges'?: { Timeline: number; 'Start-LSN': string; 'End-LSN': string }[] }
  try {
    m = JSON.parse(text)
  } catch {
    return undefined
  }
  const ranges = m['WAL-Ranges'] ?? []
  if (ranges.length === 0) return undefined
  const first = ranges[0]!
  const last = ranges[ranges.length - 1]!
  return {
    bytes: (m.Files ?? []).reduce((n, f) => n + (f.Size ?? 0), 0),
    startLsn: formatLsn(parseLsn(first['Start-LSN'])!),
    stopLsn: formatLsn(parseLsn(last['End-LSN'])!),
    timeline: last.Timeline,
  }
}

/**
 * PostgreSQL writes backup times as `%Y-%m-%d %H:%M:%S %Z` in log_timezone: seconds only, with a
 * zone abbreviation. UTC/GMT and numeric offsets are exact; an abbreviation is resolved through
 * the backup's own log_timezone setting; anything else is unknown rather than guessed.
 */
export function pgLabelTimeToIso(text: string, logTimezone: string | undefined): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) (\S+)$/.exec(text.trim())
  if (!m) return null
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
  const zone = m[7]!
  if (zone === 'UTC' || zone === 'GMT' || zone === 'Z') return new Date(wall).toISOString()
  const off = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(zone)
  if (off) return new Date(wall - (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3] ?? 0)) * 60_000).toISOString()
  if (!logTimezone) return null
  const r = resolveWallClock(logTimezone, wall)
  return r.kind === 'ok' ? new Date(r.ms).toISOString() : null
}

export function parseSystemId(controldata: string): string | null {
  return /^Database system identifier:\s+(\d+)$/m.exec(controldata)?.[1] ?? null
}

export async function readCatalog(env: ToolEnv, io: CatalogIO): Promise<CatalogRead> {
  const l = resolveSetup(env)
  const walNames = await io.listDir(l.walDir)
  const backups: Backup[] = []
  for (const id of (await io.listDir(l.backupsDir)).sort()) {
    const dir = path.join(l.backupsDir, id)
    const recordText = await io.readFile(path.join(dir, RECORD_FILE))
    if (recordText === undefined) continue
    const record = JSON.parse(recordText) as NativeBackupRecord
    backups.push(await readOneBackup(env, io, dir, record, walNames))
  }
  // A backup still marked running while no pitrctl holds the cluster's lock was interrupted: never usable.
  if (backups.some((b) => b.status === 'running') && !(await io.lockHeld()))
    for (const [i, b] of backups.entries()) if (b.status === 'running') backups[i] = { ...b, status: 'error' }
  return { backups, walFiles: walNames.filter((n) => walFileKind(n) === 'segment' || walFileKind(n) === 'history') }
}

async function readOneBackup(env: ToolEnv, io: CatalogIO, dir: string, record: NativeBackupRecord, walNames: readonly string[]): Promise<Backup> {
  const data = path.join(dir, 'data')
  const empty: Backup = {
    id: record.id, tool: 'native', type: 'full', status: record.status === 'done' ? 'error' : 'running',
    start: record.startedAt, stop: null, startLsn: null, stopLsn: null, timeline: null, walStart: null, walStop: null,
    size: null, storedSize: null, parent: null, pgVersion: null, systemId: null, label: record.label,
  }
  if (record.status !== 'done') return empty
  const [labelText, manifestText, pgVersion] = await Promise.all([
    io.readFile(path.join(data, 'backup_label')),
    io.readFile(path.join(data, 'backup_manifest')),
    io.readFile(path.join(data, 'PG_VERSION')),
  ])
  const label = labelText ? parseBackupLabel(labelText) : undefined
  const manifest = manifestText ? parseManifest(manifestText) : undefined
  if (!label || !manifest) return empty
  const conf = new Map([...parseConfLines((await io.readFile(path.join(data, 'postgresql.conf'))) ?? ''), ...parseConfLines((await io.readFile(path.join(data, 'postgresql.auto.conf'))) ?? '')])
  const logTz = conf.get('log_timezone')
  const startLsn = parseLsn(label.startLsn)!
  const historyName = backupHistoryName(label.startWal, Number(startLsn % BigInt(DEFAULT_SEGMENT_BYTES)))
  const parsed = walNames.includes(historyName) ? parseBackupHistory((await io.readFile(path.join(resolveSetup(env).walDir, historyName))) ?? '') : undefined
  // a history without its stop time is of no use for choosing by time: as if not archived yet
  const history = parsed?.stopTime ? { stopLsn: parsed.stopLsn, stopTime: parsed.stopTime } : undefined
  const controldata = await io.run(execStep('controldata', 'pg_controldata', [path.join(env.pg.binDir, 'pg_controldata'), data], { mutates: false }))
  const stopLsn = history?.stopLsn ?? manifest.stopLsn
  const status: BackupStatus = history ? 'ok' : 'unverified'
  return {
    ...empty,
    status,
    start: pgLabelTimeToIso(label.startTime, logTz) ?? record.startedAt,
    stop: history ? pgLabelTimeToIso(history.stopTime, logTz) : null,
    startLsn: label.startLsn,
    stopLsn,
    timeline: manifest.timeline,
    walStart: label.startWal,
    walStop: segmentName(segmentOf(parseLsn(stopLsn)!, manifest.timeline)),
    size: manifest.bytes,
    storedSize: manifest.bytes,
    pgVersion: pgVersion?.trim() ?? null,
    systemId: parseSystemId(controldata.stdout),
    label: record.label,
  }
}

/** pg_verifybackup exits 1 on a problem and prints `pg_verifybackup: error: …` lines */
export function readVerifybackup(result: ProcessResult | undefined): VerifyCheck {
  if (!result) return { name: 'pg_verifybackup', ok: false, detail: 'did not run' }
  const ok = result.exitCode === 0 && /backup successfully verified/.test(result.stdout)
  const errors = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => /error:/.test(l)).map((l) => l.replace(/^pg_verifybackup: error: /, ''))
  return { name: 'pg_verifybackup (files and WAL inside the backup)', ok, detail: ok ? 'backup successfully verified' : errors.slice(0, 5).join('; ') || `exit code ${result.exitCode}` }
}

/** `sha256sum --check` prints `FILE: OK`, `FILE: FAILED` or `FILE: FAILED open or read` per line */
export function readChecksums(result: ProcessResult): VerifyCheck {
  const lines = result.stdout.split('\n').filter(Boolean)
  const okCount = lines.filter((l) => l.endsWith(': OK')).length
  const bad = lines.filter((l) => /: FAILED/.test(l)).map((l) => path.basename(l.replace(/: FAILED.*$/, '')))
  const ok = result.exitCode === 0 && bad.length === 0
  return { name: 'archived WAL checksums', ok, detail: ok ? `${okCount} segment(s) match their archive-time sha256` : `changed since archived: ${bad.join(', ') || `sha256sum exit code ${result.exitCode}`}` }
}

export function readVerify(_env: ToolEnv, _backup: Backup, outputs: StepOutputs): VerifyCheck[] {
  const sums = outputs.get('wal-checksums')
  return [readVerifybackup(outputs.get('verifybackup')), ...(sums ? [readChecksums(sums)] : [])]
}

export function readVersion(r: ProcessResult): string {
  return /\(PostgreSQL\) (\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim()
}

export function unsupportedReason(version: string, pgMajor: number): string | undefined {
  const major = Number.parseInt(version, 10)
  return Number.isFinite(major) && major < pgMajor ? `pg_basebackup ${version} is older than the server (PostgreSQL ${pgMajor}): set bin-dir` : undefined
}

/** nothing lags: wal-push writes straight into the archive */
export function readArchiveRefresh(_outputs: StepOutputs): readonly string[] {
  return []
}

/** the tablespaces pitrctl recorded when it took the backup (pg_basebackup keeps no names) */
export async function readTablespaces(env: ToolEnv, backup: Backup, io: CatalogIO): Promise<readonly Tablespace[]> {
  const text = await io.readFile(path.join(backupDir(env, backup.id), RECORD_FILE))
  if (text === undefined) throw new ToolOutputError('native', `backup ${backup.id} has no ${RECORD_FILE}`, 'run `pitrctl list` to see the backups that exist')
  return (JSON.parse(text) as NativeBackupRecord).tablespaces ?? []
}
