/**
 * pitrctl.ini as the contract defines it, validated with zod. Every error names the file, the
 * section and the key. `ini.parse` keeps values as strings (and cuts them at `;`/`#`), so
 * numbers are coerced here.
 */
import { z } from 'zod'
import { ConfigError } from '../errors.js'
import { isToolId, type ToolId } from '../model/tool-id.js'
import { isValidTimeZone } from '../model/time.js'
import { isSecretKey } from '../util/redact.js'
import { isDay2Key, mergeDay2, parseDay2Section, type AlertThresholds, type Day2Section, type Schedules } from './day2.js'
import { checkRetention, isRetentionKey, mergeRetention, readRetentionKeys, type RetentionSettings } from './retention.js'
import { isS3Key, readS3Repo, s3Part, type S3Key } from './s3.js'
import { isS3Problem, parseS3Url, type S3Repo } from '../model/s3-repo.js'

export interface GlobalConfig {
  readonly runAs: string | undefined
  readonly timezone: string | undefined
}

export interface ClusterConfig {
  readonly name: string
  /** the first is the primary */
  readonly tools: readonly [ToolId, ...ToolId[]]
  readonly pgdata: string
  readonly binDir: string | undefined
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
  /** a local repository directory; undefined when there is none or it is a bucket (`s3`) */
  readonly repo: string | undefined
  /** `repo = s3://…` with the s3-* keys (config/s3.ts) */
  readonly s3: S3Repo | undefined
  /** `<tool>.<option>` keys, by tool */
  readonly toolOptions: Readonly<Record<ToolId, Readonly<Record<string, string>>>>
  // --- day-2: alert-*, schedule-* , see day2.ts ---
  readonly alerts: AlertThresholds
  readonly schedules: Schedules
  /** retention.expireAuto, kept here for the schedule renderers */
  readonly expireAuto: boolean
  /** retention-* and expire-auto: the section's own keys over [global]'s (config/retention.ts) */
  readonly retention: RetentionSettings
}

export interface PitrConfig {
  readonly file: string
  readonly global: GlobalConfig
  readonly clusters: ReadonlyMap<string, ClusterConfig>
  /** some value in the file is a secret (drives the file-permission rule) */
  readonly holdsSecrets: boolean
}

const CLUSTER_KEYS = ['tool', 'pgdata', 'bin-dir', 'host', 'port', 'user', 'database', 'repo'] as const
const GLOBAL_KEYS = ['run-as', 'timezone'] as const

/** keys that point pitrctl at a tool setup that already exists (adopted mode) */
export const ADOPTED_KEYS: Readonly<Record<ToolId, readonly string[]>> = {
  native: [],
  pgbackrest: ['config', 'stanza'],
  barman: ['config', 'server'],
  pg_rman: ['backup-path', 'arclog-path'],
  walg: ['config'],
}
const ADOPTED_PATH_KEYS = new Set(['pgbackrest.config', 'barman.config', 'pg_rman.backup-path', 'pg_rman.arclog-path', 'walg.config'])

export const CLUSTER_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,62}$/

const absolutePath = z.string().refine((v) => v.startsWith('/') && !v.includes('\0') && !/[\n\r]/.test(v), 'must be an absolute path')

const clusterSchema = z.object({
  tool: z.string().min(1, 'is required'),
  pgdata: absolutePath,
  'bin-dir': absolutePath.optional(),
  host: z.string().min(1).optional(),
  port: z.coerce.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
  database: z.string().min(1).optional(),
  repo: z.string().refine((v) => parseS3Url(v) !== undefined || (v.startsWith('/') && !v.includes('\0') && !/[\n\r]/.test(v)), 'must be an absolute path or s3://BUCKET/PREFIX').optional(),
})

type RawSection = Record<string, unknown>

export function validateConfig(file: string, raw: Record<string, unknown>): PitrConfig {
  let global: GlobalConfig = { runAs: undefined, timezone: undefined }
  const clusters = new Map<string, ClusterConfig>()
  let holdsSecrets = false
  const g = raw.global
  const globalDay2: Day2Section = typeof g === 'object' && g !== null ? parseDay2Section(file, 'global', stringValues(file, 'global', g as RawSection)) : {}
  // Retention keys: [global] gives every cluster's default, wherever it stands in the file.
  const retentionDefaults = readRetentionKeys(file, 'global', retentionPart(raw.global))
  const s3Defaults = s3Part(raw.global)
  if (s3Defaults['s3-key-secret']) holdsSecrets = true

  for (const [section, value] of Object.entries(raw)) {
    if (typeof value !== 'object' || value === null)
      throw new ConfigError(file, undefined, section, 'is outside any section', 'put every key under [global] or a [cluster] section')
    const all = stringValues(file, section, value as RawSection)
    const sec = Object.fromEntries(Object.entries(all).filter(([k]) => !isRetentionKey(k)))
    if (section === 'global') {
      for (const k of Object.keys(sec))
        if (!(GLOBAL_KEYS as readonly string[]).includes(k) && !isDay2Key(k) && !isS3Key(k)) throw new ConfigError(file, section, k, 'is not a known key', `[global] takes ${GLOBAL_KEYS.join(', ')}`)
      if (sec.timezone !== undefined && !isValidTimeZone(sec.timezone))
        throw new ConfigError(file, section, 'timezone', `${JSON.stringify(sec.timezone)} is not a time zone`, 'use an IANA name such as Asia/Tokyo or UTC')
      global = { runAs: sec['run-as'], timezone: sec.timezone }
      continue
    }
    if (!CLUSTER_NAME.test(section))
      throw new ConfigError(file, section, undefined, 'is not a valid cluster name', 'use letters, digits, dot, dash and underscore (at most 63)')
    const retention = mergeRetention(retentionDefaults, readRetentionKeys(file, section, all))
    const c: ClusterConfig = { ...validateCluster(file, section, sec, s3Defaults), ...mergeDay2(globalDay2, parseDay2Section(file, section, sec)), retention, expireAuto: retention.expireAuto }
    checkRetention(file, section, c.retention)
    if (Object.values(c.toolOptions).some((o) => Object.keys(o).some(isSecretKey)) || sec['s3-key-secret'] !== undefined) holdsSecrets = true
    clusters.set(section, c)
  }
  return { file, global, clusters, holdsSecrets }
}

function retentionPart(sec: unknown): Record<string, string> {
  if (typeof sec !== 'object' || sec === null) return {}
  return Object.fromEntries(Object.entries(sec).filter(([k, v]) => isRetentionKey(k) && typeof v === 'string').map(([k, v]) => [k, String(v).trim()]))
}

function stringValues(file: string, section: string, sec: RawSection): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(sec)) {
    if (typeof v === 'object' && v !== null) throw new ConfigError(file, section, k, 'sections cannot be nested')
    if (v === true || v === null) throw new ConfigError(file, section, k, 'has no value', 'write key = value')
    out[k] = String(v).trim()
  }
  return out
}

function validateCluster(file: string, section: string, sec: Record<string, string>, s3Defaults: Partial<Record<S3Key, string>>): Omit<ClusterConfig, 'alerts' | 'schedules' | 'expireAuto' | 'retention'> {
  const base: Record<string, string> = {}
  const s3Own: Partial<Record<S3Key, string>> = {}
  const toolOptions: Record<ToolId, Record<string, string>> = { native: {}, pgbackrest: {}, barman: {}, walg: {}, pg_rman: {} }
  for (const [k, v] of Object.entries(sec)) {
    const dot = k.indexOf('.')
    if (dot > 0) {
      const tool = k.slice(0, dot)
      const option = k.slice(dot + 1)
      if (!isToolId(tool)) throw new ConfigError(file, section, k, `${JSON.stringify(tool)} is not a tool`, 'tools are native, pgbackrest, barman, walg, pg_rman')
      if (option === '') throw new ConfigError(file, section, k, 'names no option')
      if (ADOPTED_PATH_KEYS.has(k) && !v.startsWith('/')) throw new ConfigError(file, section, k, 'must be an absolute path')
      toolOptions[tool][option] = v
      continue
    }
    if (isDay2Key(k)) continue
    if (isS3Key(k)) {
      s3Own[k] = v
      continue
    }
    if (!(CLUSTER_KEYS as readonly string[]).includes(k))
      throw new ConfigError(file, section, k, 'is not a known key', `a cluster section takes ${CLUSTER_KEYS.join(', ')} and <tool>.<option> keys`)
    base[k] = v
  }
  const parsed = clusterSchema.safeParse(base)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = String(issue.path[0] ?? '')
    const problem = issue.code === 'invalid_type' && issue.received === 'undefined' ? 'is required' : issue.message
    throw new ConfigError(file, section, key, problem)
  }
  const p = parsed.data
  const tools = p.tool.split(',').map((t) => t.trim()).filter(Boolean)
  if (tools.length === 0) throw new ConfigError(file, section, 'tool', 'is required')
  for (const t of tools)
    if (!isToolId(t)) throw new ConfigError(file, section, 'tool', `${JSON.stringify(t)} is not a tool`, 'tools are native, pgbackrest, barman, walg, pg_rman')
  if (new Set(tools).size !== tools.length) throw new ConfigError(file, section, 'tool', 'names a tool twice')
  const s3Loc = p.repo === undefined ? undefined : parseS3Url(p.repo)
  if (isS3Problem(s3Loc)) throw new ConfigError(file, section, 'repo', s3Loc.problem)
  const s3 = s3Loc === undefined ? undefined : readS3Repo(file, section, s3Loc, tools as ToolId[], s3Defaults, s3Own)
  if (s3 === undefined) {
    const stray = Object.keys(s3Own)[0]
    if (stray !== undefined) throw new ConfigError(file, section, stray, 'is set, but this cluster\'s repo is not in object storage', 'set repo = s3://BUCKET/PREFIX, or remove the key')
  }
  const host = p.host ?? '/var/run/postgresql'
  if (host.includes('/') && !host.startsWith('/')) throw new ConfigError(file, section, 'host', 'a socket directory must be an absolute path')
  for (const t of tools as ToolId[]) {
    const adopted = ADOPTED_KEYS[t]
    const given = adopted.filter((k) => toolOptions[t][k] !== undefined)
    if (given.length > 0 && given.length < adopted.length)
      throw new ConfigError(file, section, `${t}.${adopted.find((k) => toolOptions[t][k] === undefined)}`, `is required with ${t}.${given[0]} (adopted mode)`)
    if ((given.length === 0 || t === 'native') && p.repo === undefined)
      throw new ConfigError(file, section, 'repo', `is required for ${t} in managed mode`, `set repo = /var/backups/pitrctl/${section}${adopted.length ? ` or point at an existing setup with ${adopted.map((k) => `${t}.${k}`).join(' + ')}` : ''}`)
  }
  return {
    name: section,
    tools: tools as [ToolId, ...ToolId[]],
    pgdata: trimSlash(p.pgdata),
    binDir: p['bin-dir'] === undefined ? undefined : trimSlash(p['bin-dir']),
    host,
    port: p.port ?? 5432,
    user: p.user ?? 'postgres',
    database: p.database ?? 'postgres',
    repo: p.repo === undefined || s3 !== undefined ? undefined : trimSlash(p.repo),
    s3,
    toolOptions,
  }
}

function trimSlash(p: string): string {
  const collapsed = p.replace(/\/{2,}/g, '/')
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed
}

export function isAdopted(cluster: ClusterConfig, tool: ToolId): boolean {
  const keys = ADOPTED_KEYS[tool]
  return keys.length > 0 && keys.every((k) => cluster.toolOptions[tool][k] !== undefined)
}
