/**
 * Where WAL-G's configuration comes from and the file pitrctl writes in managed mode.
 * Managed: `<repo>/walg/walg.json`, rendered here and golden-tested against the file the
 * fixtures were recorded with (test/fixtures/walg/3.0.9/managed-config). Adopted: the team's own
 * `--config` file, used as it is and never rewritten.
 *
 * Why JSON: `--config FILE` is read by viper, which picks the parser from the file's extension
 * (internal/config/config.go ReadConfigFromFile), and JSON.stringify escapes any value exactly.
 * Every key is also exported to the environment of the process (bindConfigToEnv), which is how
 * PGHOST/PGPORT/… reach libpq, so one file carries both WAL-G and connection settings.
 */
import { programPath } from '../program-path.js'
import { ConfigError } from '../../errors.js'
import type { ToolEnv } from '../adapter.js'

export const CONFIG_FILE_NAME = 'walg.json'

/** FS storage root: WAL-G refuses to create it (fixture backup-list-no-storage) */
export const STORAGE_DIR_NAME = 'storage'

/** the one `walg.*` key that selects an adopted setup instead of being passed through */
export const ADOPT_KEY = 'config'

/**
 * Keys that only set the environment of the step that needs them and may be given in both
 * modes: the delta depth pitrctl's `backup --type incr|diff` asks for.
 */
export const STEP_OPTIONS = ['WALG_DELTA_MAX_STEPS'] as const

/**
 * Settings pitrctl writes itself in managed mode. WALG_PREVENT_WAL_OVERWRITE is among them so it
 * cannot be turned off: WAL-G's default silently replaces an archived segment with different
 * content (fixture wal-push-overwrite-default; reliability.md §4.4 rule 7).
 */
export const RESERVED_OPTIONS = ['WALG_FILE_PREFIX', 'WALG_PREVENT_WAL_OVERWRITE', 'PGDATA', 'PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE'] as const

/**
 * Other storages. WAL-G takes the first configured prefix in the order OSS, S3, FILE, GS, …
 * (internal/storage_adapter.go StorageAdapters), so an S3 prefix would silently win over the
 * managed FILE prefix: refused in managed mode.
 */
const OTHER_STORAGE = /^(WALG|WALE)_(OSS|S3|GS|AZ|SWIFT|SSH)_PREFIX$/

const OPTION_NAME = /^[A-Za-z][A-Za-z0-9_]*$/

export interface WalgSetup {
  readonly mode: 'managed' | 'adopted'
  /** the file every command gets with `--config` */
  readonly configFile: string
  /** managed mode only */
  readonly repoDir: string | undefined
  /** managed mode only: the FS storage root (WALG_FILE_PREFIX) */
  readonly storageDir: string | undefined
  /** `walg.<option>` values for the managed file, names upper-cased (viper ignores case) */
  readonly passthrough: Readonly<Record<string, string>>
  /** STEP_OPTIONS given in pitrctl.ini, in either mode */
  readonly stepOptions: Readonly<Partial<Record<(typeof STEP_OPTIONS)[number], string>>>
  /** the wal-g found for this command (ToolEnv.programs); absent: `wal-g` on PATH */
  readonly program?: string
}

function programOf(env: ToolEnv): { program?: string } {
  return env.programs === undefined ? {} : { program: programPath(env, 'wal-g') }
}

export function resolveSetup(env: ToolEnv): WalgSetup {
  const passthrough: Record<string, string> = {}
  const stepOptions: Partial<Record<(typeof STEP_OPTIONS)[number], string>> = {}
  for (const [key, value] of Object.entries(env.options)) {
    if (key === ADOPT_KEY) continue
    if (!OPTION_NAME.test(key)) throw optionError(env, key, 'not a WAL-G setting name', 'WAL-G settings are names like WALG_COMPRESSION_METHOD')
    const name = key.toUpperCase()
    if (Object.hasOwn(passthrough, name) || Object.hasOwn(stepOptions, name)) throw optionError(env, key, `given twice (WAL-G ignores the case of ${name})`, 'keep one of them')
    const step = STEP_OPTIONS.find((s) => s === name)
    if (step !== undefined) stepOptions[step] = value
    if (env.mode === 'adopted') {
      if (step !== undefined) continue
      throw optionError(env, key, 'pitrctl never rewrites an adopted WAL-G configuration, so it cannot pass this setting on', 'set it in the WAL-G configuration file itself')
    }
    if ((RESERVED_OPTIONS as readonly string[]).includes(name))
      throw optionError(env, key, 'pitrctl sets this WAL-G setting itself in managed mode', 'remove it, or adopt your own setup with walg.config')
    if (OTHER_STORAGE.test(name))
      throw optionError(env, key, `managed mode keeps WAL-G's storage in ${env.repoDir ?? '<repo>/walg'}/${STORAGE_DIR_NAME}`, 'for another storage, write your own WAL-G configuration file and set walg.config')
    if (value.includes('\0')) throw optionError(env, key, 'the value holds a NUL byte', 'give a plain value')
    passthrough[name] = value
  }

  if (env.mode === 'adopted') {
    const configFile = env.options[ADOPT_KEY]
    if (configFile === undefined || !configFile.startsWith('/'))
      throw new ConfigError(env.configPath, env.cluster, `walg.${ADOPT_KEY}`, 'an adopted WAL-G setup needs the absolute path of its configuration file', 'set walg.config = /path/to/wal-g.json (or .yaml)')
    return { mode: 'adopted', configFile, repoDir: undefined, storageDir: undefined, passthrough: {}, stepOptions, ...programOf(env) }
  }
  if (env.repoDir === undefined) throw new Error('managed WAL-G needs env.repoDir')
  return {
    mode: 'managed',
    configFile: `${env.repoDir}/${CONFIG_FILE_NAME}`,
    repoDir: env.repoDir,
    storageDir: `${env.repoDir}/${STORAGE_DIR_NAME}`,
    passthrough,
    stepOptions,
    ...programOf(env),
  }
}

/**
 * The managed walg.json: pitrctl's settings, then the passthrough, keys sorted, every value a
 * string (viper casts; WAL-G's own docker/pg/walg.json writes numbers as strings too). It may hold
 * credentials (PGPASSWORD, AWS_SECRET_ACCESS_KEY, WALG_LIBSODIUM_KEY): always written 0600 as a
 * secret, never put on a command line.
 */
export function renderConfig(env: ToolEnv, setup: WalgSetup): string {
  if (setup.storageDir === undefined) throw new Error('renderConfig is for managed mode')
  const own: Record<(typeof RESERVED_OPTIONS)[number], string> = {
    WALG_FILE_PREFIX: setup.storageDir,
    WALG_PREVENT_WAL_OVERWRITE: 'true',
    PGDATA: env.pg.pgdata,
    PGHOST: env.pg.host,
    PGPORT: String(env.pg.port),
    PGUSER: env.pg.user,
    PGDATABASE: env.pg.database,
  }
  const all: Record<string, string> = { ...setup.passthrough, ...own }
  const sorted = Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]!]))
  return `${JSON.stringify(sorted, null, 2)}\n`
}

function optionError(env: ToolEnv, key: string, problem: string, hint: string) {
  return new ConfigError(env.configPath, env.cluster, `walg.${key}`, problem, hint)
}
