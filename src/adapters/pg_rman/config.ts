/**
 * Where pg_rman keeps things, and the one rule about its clock.
 *
 * Managed: `<repo>/pg_rman/backup` is BACKUP_PATH (the catalog `pg_rman init` creates, with its own
 * restore work directory `backup/` inside), `<repo>/pg_rman/arclog` is ARCLOG_PATH, the plain
 * directory pitrctl's `wal-push` fills, and SRVLOG_PATH is `<pgdata>/log`, the cluster's default
 * log directory, which pg_rman only leaves out of the data backup. pitrctl renders pg_rman.ini
 * (golden-tested) over the one `init` wrote, to add the `pg_rman.*` options it passes through.
 *
 * Adopted: the team's catalog (`pg_rman.backup-path`), never rewritten. Every plan needs the WAL
 * archive and plans are pure, so `pg_rman.arclog-path` is required too; readCatalog checks it
 * against the catalog's pg_rman.ini.
 *
 * Time: pg_rman prints, stores and parses NAIVE LOCAL TIME of its own process (`localtime`,
 * `mktime`), and names backup directories `YYYYMMDD/HHMMSS` in it. Every pg_rman step runs with
 * `TZ` set to the catalog's zone — UTC for managed catalogs — and every time it prints is read in
 * that zone. A catalog written in one zone must never be used from another: pg_rman sorts backups
 * by these times, so a shifted clock puts new incremental backups before old ones.
 */
import path from 'node:path'
import { ConfigError, ToolOutputError } from '../../errors.js'
import { formatInZone, isValidTimeZone, resolveWallClock, type Micros } from '../../model/time.js'
import type { ToolEnv } from '../adapter.js'

export interface PgRmanSetup {
  readonly mode: 'managed' | 'adopted'
  readonly backupPath: string
  readonly arclogPath: string
  /** managed: `<pgdata>/log`; adopted: `pg_rman.srvlog-path` or whatever the catalog's pg_rman.ini says */
  readonly srvlogPath: string | undefined
  /** IANA zone pg_rman runs in (its `TZ`) */
  readonly timezone: string
  /** `pg_rman.*` options rendered into a managed pg_rman.ini, by their ini names */
  readonly passthrough: Readonly<Record<string, string>>
}

/** keys pitrctl reads itself; everything else is a pg_rman option */
const OWN_KEYS = ['backup-path', 'arclog-path', 'srvlog-path', 'timezone'] as const

/**
 * Options that may go into a managed pg_rman.ini. Left out on purpose: paths and the backup mode
 * (pitrctl sets them), `keep-arclog-*` (pg_rman would delete WAL from pitrctl's archive), the
 * `recovery-target-*` and `hard-copy` restore options (a file value silently joins every restore).
 */
const PASSTHROUGH_OPTIONS = [
  'compress-data',
  'smooth-checkpoint',
  'with-serverlog',
  'keep-data-generations',
  'keep-data-days',
  'keep-srvlog-files',
  'keep-srvlog-days',
] as const

const REFUSED_WHY: Readonly<Record<string, string>> = {
  'keep-arclog-files': 'pg_rman would delete WAL from the archive pitrctl keeps for every restore',
  'keep-arclog-days': 'pg_rman would delete WAL from the archive pitrctl keeps for every restore',
}

export function resolveSetup(env: ToolEnv): PgRmanSetup {
  const opt = (k: string) => env.options[k]
  const extra = Object.keys(env.options).filter((k) => !(OWN_KEYS as readonly string[]).includes(k))
  if (env.mode === 'adopted') {
    const backupPath = absolute(env, 'backup-path', opt('backup-path'))
    const arclogPath = opt('arclog-path')
    if (arclogPath === undefined)
      throw new ConfigError(env.configPath, env.cluster, 'pg_rman.arclog-path', 'is required with pg_rman.backup-path (adopted mode)', 'set it to the ARCLOG_PATH of the catalog’s pg_rman.ini')
    if (extra.length > 0)
      throw new ConfigError(env.configPath, env.cluster, `pg_rman.${extra[0]}`, 'pitrctl never rewrites an adopted pg_rman catalog, so it cannot pass this option on', 'set it in the catalog’s pg_rman.ini')
    const timezone = opt('timezone') ?? 'UTC'
    if (!isValidTimeZone(timezone)) throw new ConfigError(env.configPath, env.cluster, 'pg_rman.timezone', `${JSON.stringify(timezone)} is not a time zone`, 'use an IANA name such as UTC or Asia/Tokyo: the zone the catalog was written in')
    const srvlog = opt('srvlog-path')
    return {
      mode: 'adopted',
      backupPath,
      arclogPath: absolute(env, 'arclog-path', arclogPath),
      srvlogPath: srvlog === undefined ? undefined : absolute(env, 'srvlog-path', srvlog),
      timezone,
      passthrough: {},
    }
  }
  if (env.repoDir === undefined) throw new Error('managed pg_rman needs env.repoDir')
  for (const k of ['arclog-path', 'srvlog-path', 'timezone'] as const)
    if (opt(k) !== undefined)
      throw new ConfigError(env.configPath, env.cluster, `pg_rman.${k}`, 'applies to an adopted catalog only', 'managed mode keeps the catalog under repo, in UTC; remove the key or also set pg_rman.backup-path')
  const passthrough: Record<string, string> = {}
  for (const key of extra) {
    const name = key.toLowerCase().replace(/_/g, '-')
    if (REFUSED_WHY[name]) throw new ConfigError(env.configPath, env.cluster, `pg_rman.${key}`, `is refused: ${REFUSED_WHY[name]}`)
    if (!(PASSTHROUGH_OPTIONS as readonly string[]).includes(name))
      throw new ConfigError(env.configPath, env.cluster, `pg_rman.${key}`, 'is not a pg_rman option pitrctl passes on', `pg_rman.ini takes ${PASSTHROUGH_OPTIONS.join(', ')} from pitrctl.ini`)
    const value = env.options[key]!
    if (/[\u0000-\u001f\u007f'\\]/.test(value)) throw new ConfigError(env.configPath, env.cluster, `pg_rman.${key}`, 'holds a quote, a backslash or a control character')
    passthrough[name.replace(/-/g, '_').toUpperCase()] = value
  }
  return {
    mode: 'managed',
    backupPath: path.join(env.repoDir, 'backup'),
    arclogPath: path.join(env.repoDir, 'arclog'),
    srvlogPath: path.join(env.pg.pgdata, 'log'),
    timezone: 'UTC',
    passthrough,
  }
}

function absolute(env: ToolEnv, key: string, value: string | undefined): string {
  if (value === undefined || !value.startsWith('/') || /[\u0000-\u001f\u007f]/.test(value))
    throw new ConfigError(env.configPath, env.cluster, `pg_rman.${key}`, 'must be an absolute path')
  return value.length > 1 ? value.replace(/\/+$/, '') : value
}

/**
 * The managed pg_rman.ini: what `pg_rman init -A -S` writes, plus the passed-through options.
 * pg_rman reads `KEY='value'` with backslash escapes (pgut.c get_next_token).
 */
export function renderIni(setup: PgRmanSetup): string {
  const lines = [`ARCLOG_PATH=${iniQuote(setup.arclogPath)}`]
  if (setup.srvlogPath !== undefined) lines.push(`SRVLOG_PATH=${iniQuote(setup.srvlogPath)}`)
  for (const [k, v] of Object.entries(setup.passthrough)) lines.push(`${k}=${iniQuote(v)}`)
  return `# written by pitrctl: the pg_rman.* keys of pitrctl.ini\n${lines.join('\n')}\n`
}

function iniQuote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** the environment of every pg_rman step: its clock (see the header) */
export function pgRmanEnv(setup: PgRmanSetup): Readonly<Record<string, string>> {
  return { TZ: setup.timezone }
}

/** `2026-11-21 10:00:20` → `<BACKUP_PATH>/20261121/100020`, as pgBackupGetPath builds it */
export function backupDir(setup: PgRmanSetup, id: string): string {
  const m = PG_RMAN_TIME.exec(id)
  if (!m) throw new Error(`not a pg_rman backup id: ${JSON.stringify(id)}`)
  return path.join(setup.backupPath, `${m[1]}${m[2]}${m[3]}`, `${m[4]}${m[5]}${m[6]}`)
}

/** the restore work directory where pg_rman saves (and later reuses!) the online WAL of -D */
export function restoreWorkWalDir(setup: PgRmanSetup): string {
  return path.join(setup.backupPath, 'backup', 'pg_wal')
}

export const PG_RMAN_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/

/**
 * A time as pg_rman prints it (`YYYY-MM-DD HH:MM:SS`, naive, in the zone its process ran in) to
 * UTC ISO. Epoch 0 is how `show` prints "no end time yet": null. pg_rman writes these through
 * localtime(), so a wall time in a DST gap cannot occur; in an overlap mktime() may have meant
 * either instant, and the earlier one is taken.
 */
export function naiveToIso(text: string, zone: string): string | null {
  const m = PG_RMAN_TIME.exec(text.trim())
  if (!m) throw new ToolOutputError('pg_rman', `not a pg_rman time: ${JSON.stringify(text)}`)
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
  let ms: number
  if (zone === 'UTC') ms = wall
  else {
    const r = resolveWallClock(zone, wall)
    if (r.kind === 'gap') throw new ToolOutputError('pg_rman', `${text} does not exist in ${zone}`, 'the catalog was written in another time zone: set pg_rman.timezone to it')
    ms = r.kind === 'ok' ? r.ms : r.earlierMs
  }
  return ms === 0 ? null : new Date(ms).toISOString()
}

/** the inverse: an instant as pg_rman would print it in `zone`, rounded down to the second */
export function microsToNaive(us: Micros, zone: string): string {
  if (zone === 'UTC') return new Date(Number(us / 1000n)).toISOString().slice(0, 19).replace('T', ' ')
  return formatInZone((us / 1_000_000n) * 1_000_000n, zone).slice(0, 19)
}
