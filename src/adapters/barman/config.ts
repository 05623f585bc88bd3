/**
 * Where Barman keeps things, and the barman.conf pitrctl writes in managed mode.
 *
 * Managed: `<repo>/barman/barman.conf` (0600), `barman_home = <repo>/barman/home`, so the server's
 * directories are Barman's defaults under `home/<cluster>/` (base, incoming, wals, errors,
 * streaming). Adopted: `barman.config` + `barman.server` name the team's own setup, which pitrctl
 * never rewrites; wal-push then needs `barman.incoming_wals_directory` (see `incomingDir`).
 *
 * The file is rendered here, not with `ini.stringify`, which JSON-quotes any value holding `=`
 * and so breaks `conninfo`. Barman reads it with Python's ConfigParser (barman/config.py 3.4):
 * `%` interpolates unless doubled, a line starting with whitespace continues the previous value,
 * `#`/`;` only start comments at the beginning of a line, and a value wholly inside matching
 * quotes is unquoted.
 */
import path from 'node:path'
import { ConfigError } from '../../errors.js'
import { isSecretKey } from '../../util/redact.js'
import type { ToolEnv } from '../adapter.js'

/** what every Barman command needs: the config file and the server section */
export interface BarmanTarget {
  readonly config: string
  readonly server: string
}

/** the directories of one Barman server (show-servers' `*_directory` keys) */
export interface BarmanDirs {
  readonly basebackups: string
  readonly wals: string
  readonly incoming: string
}

export interface ManagedLayout extends BarmanTarget, BarmanDirs {
  readonly repo: string
  readonly home: string
  readonly logFile: string
  /** `<home>/<server>`: Barman's backup_directory */
  readonly serverDir: string
  readonly errors: string
  readonly streaming: string
}

const ADOPTED_INCOMING_KEY = 'incoming_wals_directory'

/** Barman's own reserved server names (config.py FORBIDDEN_SERVER_NAMES, and the global section) */
const RESERVED_SERVER_NAMES = new Set(['all', 'barman'])

/**
 * Options pitrctl must own in managed mode: the [barman] globals (meaningless in a server
 * section), every directory pitrctl reads or writes, and `archiver`, which wal-push relies on.
 */
const MANAGED_RESERVED = new Set([
  'barman_home',
  'barman_user',
  'barman_lock_directory',
  'log_file',
  'log_level',
  'configuration_files_directory',
  'backup_directory',
  'basebackups_directory',
  'wals_directory',
  'incoming_wals_directory',
  'errors_directory',
  'streaming_wals_directory',
  'archiver',
])

function isAdoptedBarman(env: ToolEnv): boolean {
  return env.mode === 'adopted'
}

/** what plans and reads need: the config file and server in both modes, Barman's whole layout in managed mode */
export type BarmanSetup = ({ readonly mode: 'managed' } & ManagedLayout) | ({ readonly mode: 'adopted' } & BarmanTarget)

export function resolveSetup(env: ToolEnv): BarmanSetup {
  if (isAdoptedBarman(env)) {
    const config = env.options.config
    const server = env.options.server
    if (!config) throw new ConfigError(env.configPath, env.cluster, 'barman.config', 'is required in adopted mode')
    if (!server) throw new ConfigError(env.configPath, env.cluster, 'barman.server', 'is required in adopted mode')
    return { mode: 'adopted', config, server }
  }
  return { mode: 'managed', ...managedLayout(env) }
}

function managedLayout(env: ToolEnv): ManagedLayout {
  if (!env.repoDir) throw new ConfigError(env.configPath, env.cluster, 'repo', 'is required for barman in managed mode')
  const server = checkServerName(env)
  const repo = env.repoDir
  const home = path.join(repo, 'home')
  const serverDir = path.join(home, server)
  return {
    repo,
    config: path.join(repo, 'barman.conf'),
    server,
    home,
    logFile: path.join(repo, 'barman.log'),
    serverDir,
    basebackups: path.join(serverDir, 'base'),
    wals: path.join(serverDir, 'wals'),
    incoming: path.join(serverDir, 'incoming'),
    errors: path.join(serverDir, 'errors'),
    streaming: path.join(serverDir, 'streaming'),
  }
}

/**
 * Barman's incoming directory, where wal-push drops files. Adopted mode cannot ask Barman
 * (`show-servers` connects to the server and takes a second; wal-push must be fast and plans
 * are pure), so the ini names it: `barman.incoming_wals_directory`, the value
 * `barman -c CONFIG show-servers SERVER` prints under that key.
 */
export function incomingDir(env: ToolEnv): string {
  if (!isAdoptedBarman(env)) return managedLayout(env).incoming
  const dir = env.options[ADOPTED_INCOMING_KEY]
  if (!dir || !path.isAbsolute(dir))
    throw new ConfigError(
      env.configPath,
      env.cluster,
      `barman.${ADOPTED_INCOMING_KEY}`,
      dir ? 'must be an absolute path' : 'is required for wal-push in adopted mode',
      `set it to the incoming_wals_directory that \`barman -c ${env.options.config ?? 'CONFIG'} show-servers ${env.options.server ?? 'SERVER'}\` prints`,
    )
  return dir
}

function checkServerName(env: ToolEnv): string {
  const name = env.cluster
  // The name becomes a config section and a directory under barman_home.
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name) || RESERVED_SERVER_NAMES.has(name.toLowerCase()))
    throw new ConfigError(env.configPath, env.cluster, undefined, `cannot be a Barman server name (${JSON.stringify(name)})`, 'rename the cluster section, or adopt a setup with barman.config + barman.server')
  return name
}

/** a libpq conninfo value: bare when plainly safe, else single-quoted with `\` escapes */
export function conninfoValue(v: string): string {
  return v !== '' && /^[^\s'\\]+$/.test(v) ? v : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

export function renderConninfo(env: ToolEnv): string {
  const { host, port, user, database } = env.pg
  return [`host=${conninfoValue(host)}`, `port=${port}`, `user=${conninfoValue(user)}`, `dbname=${conninfoValue(database)}`].join(' ')
}

/** one ConfigParser value: `%` doubled; refused where ConfigParser would read something else */
function iniValue(env: ToolEnv, key: string, value: string): string {
  // biome-ignore lint: control characters are exactly what is being refused
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new ConfigError(env.configPath, env.cluster, `barman.${key}`, 'holds a line break or control character, which barman.conf cannot hold')
  const v = value.trim()
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0])
    throw new ConfigError(env.configPath, env.cluster, `barman.${key}`, 'is wholly quoted, and Barman would strip the quotes', 'write the value without surrounding quotes')
  return v.replace(/%/g, '%%')
}

/** the barman.* options that go into the server section (adopted-mode keys excluded) */
function passthrough(env: ToolEnv): [string, string][] {
  const out: [string, string][] = []
  for (const [key, value] of Object.entries(env.options)) {
    if (key === 'config' || key === 'server') continue
    if (!/^[a-z][a-z0-9_]*$/.test(key))
      throw new ConfigError(env.configPath, env.cluster, `barman.${key}`, 'is not a Barman option name', 'Barman options are lower case with underscores, e.g. barman.compression')
    if (MANAGED_RESERVED.has(key))
      throw new ConfigError(env.configPath, env.cluster, `barman.${key}`, 'is set by pitrctl in managed mode', 'remove it, or adopt your own Barman setup with barman.config + barman.server')
    out.push([key, value])
  }
  return out.sort(([a], [b]) => a.localeCompare(b))
}

/** true when a passthrough option holds a secret: the file is then shown by path only */
export function configHoldsSecrets(env: ToolEnv): boolean {
  return Object.keys(env.options).some(isSecretKey)
}

export function renderBarmanConf(env: ToolEnv): string {
  const l = managedLayout(env)
  const conninfo = renderConninfo(env)
  const defaults: [string, string][] = [
    ['description', `pitrctl cluster ${l.server}`],
    ['conninfo', conninfo],
    ['streaming_conninfo', conninfo],
    ['backup_method', 'postgres'],
    ['archiver', 'on'],
    ['streaming_archiver', 'off'],
    ['path_prefix', env.pg.binDir],
  ]
  const extra = passthrough(env)
  const overridden = new Set(extra.map(([k]) => k))
  const server = [...defaults.filter(([k]) => !overridden.has(k)), ...extra]
  const line = ([k, v]: [string, string]) => `${k} = ${iniValue(env, k, v)}`
  return [
    `; Barman configuration for pitrctl cluster ${l.server}, written by \`pitrctl setup\`.`,
    '; Edit pitrctl.ini (barman.<option> keys) and run setup again instead of editing this file.',
    '[barman]',
    line(['barman_home', l.home]),
    line(['barman_user', env.osUser]),
    line(['log_file', l.logFile]),
    '',
    `[${l.server}]`,
    ...server.map(line),
    '',
  ].join('\n')
}
