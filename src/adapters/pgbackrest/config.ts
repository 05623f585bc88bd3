/**
 * Where pgBackRest's configuration comes from and the file pitrctl writes in managed mode.
 * Managed: `<repo>/pgbackrest/pgbackrest.conf`, rendered here (not with ini.stringify: style.md)
 * and golden-tested. Adopted: the team's own file and stanza, used as they are and never rewritten.
 */
import { programPath } from '../program-path.js'
import { ConfigError } from '../../errors.js'
import type { ToolEnv } from '../adapter.js'

/** keys of the `pgbackrest.*` options that select an adopted setup instead of being passed through */
export const ADOPT_KEYS = ['config', 'stanza'] as const

/**
 * Options pitrctl sets itself in the managed file. The log levels are what the parsers rely on:
 * console output would be interleaved with `verify --output=text` and `info --output=json` on
 * stdout (seen with --log-level-console=info), and errors must reach stderr for classifyFailure.
 */
export const RESERVED_OPTIONS = [
  'repo1-path',
  'lock-path',
  'log-path',
  'log-level-console',
  'log-level-stderr',
  'pg1-path',
  'pg1-port',
  'pg1-socket-path',
  'pg1-user',
  'pg1-database',
] as const

/** the most full backups repo1-retention-full accepts in 2.45 (config.yaml allow-range): keep everything */
export const KEEP_ALL_FULL_BACKUPS = '9999999'

export interface PgbackrestSetup {
  readonly mode: 'managed' | 'adopted'
  /** undefined in adopted mode without `pgbackrest.config`: pgBackRest's own default lookup */
  readonly configFile: string | undefined
  readonly stanza: string
  /** managed mode only */
  readonly repoDir: string | undefined
  /** `pgbackrest.<option>` values for the managed file (adopted keys removed) */
  readonly passthrough: Readonly<Record<string, string>>
  /** the pgbackrest found for this command (ToolEnv.programs); absent: `pgbackrest` on PATH */
  readonly program?: string
}

const OPTION_NAME = /^[a-z0-9][a-z0-9-]*$/
// A stanza is an ini section name and part of repository paths: keep it to plain characters.
const STANZA_NAME = /^[A-Za-z0-9_.-]+$/

function programOf(env: ToolEnv): { program?: string } {
  return env.programs === undefined ? {} : { program: programPath(env, 'pgbackrest') }
}

export function resolveSetup(env: ToolEnv): PgbackrestSetup {
  const passthrough: Record<string, string> = {}
  for (const [key, value] of Object.entries(env.options)) {
    if ((ADOPT_KEYS as readonly string[]).includes(key)) continue
    passthrough[key] = value
  }
  if (env.mode === 'adopted') {
    const keys = Object.keys(passthrough)
    if (keys.length > 0)
      throw optionError(env, keys[0]!, 'pitrctl never rewrites an adopted pgBackRest configuration, so it cannot pass this option on', 'set it in the pgBackRest configuration file itself')
    const stanza = env.options.stanza ?? env.cluster
    checkStanza(env, stanza, 'stanza')
    return { mode: 'adopted', configFile: env.options.config, stanza, repoDir: undefined, passthrough: {}, ...programOf(env) }
  }
  if (env.repoDir === undefined) throw new Error('managed pgBackRest needs env.repoDir')
  checkStanza(env, env.cluster, undefined)
  for (const [key, value] of Object.entries(passthrough)) checkOption(env, key, value)
  return { mode: 'managed', configFile: `${env.repoDir}/pgbackrest.conf`, stanza: env.cluster, repoDir: env.repoDir, passthrough, ...programOf(env) }
}

/** repository, lock and log paths of a managed setup */
export function managedPaths(repoDir: string) {
  return { repo: `${repoDir}/repo`, lock: `${repoDir}/lock`, log: `${repoDir}/log` }
}

/** true when a passthrough value holds a credential: the file is then written as a secret */
export function holdsSecret(passthrough: Readonly<Record<string, string>>): boolean {
  return Object.keys(passthrough).some((k) => /pass|secret|token|key|account/.test(k))
}

/** the managed pgbackrest.conf: [global] repository, locks, logs, options; [<stanza>] the cluster */
export function renderConfig(env: ToolEnv, setup: PgbackrestSetup): string {
  if (setup.repoDir === undefined) throw new Error('renderConfig is for managed mode')
  const paths = managedPaths(setup.repoDir)
  // Defaults a user may override through pitrctl.ini; the reserved options above they may not.
  const defaults: Record<string, string> = {
    'start-fast': 'y',
    // Without a retention 2.45 warns on every backup; pitrctl expires nothing unless the user sets one.
    'repo1-retention-full': KEEP_ALL_FULL_BACKUPS,
  }
  const global: [string, string][] = [
    ['repo1-path', paths.repo],
    ['lock-path', paths.lock],
    ['log-path', paths.log],
    ['log-level-console', 'off'],
    ['log-level-stderr', 'warn'],
    ...Object.entries(defaults).filter(([k]) => setup.passthrough[k] === undefined),
  ]
  const passed = Object.entries(setup.passthrough).sort(([a], [b]) => a.localeCompare(b))

  const stanza: [string, string][] = [
    ['pg1-path', env.pg.pgdata],
    ['pg1-port', String(env.pg.port)],
    // pgBackRest reaches a local server through its socket only; a TCP host cannot be expressed.
    ...(env.pg.host.startsWith('/') ? ([['pg1-socket-path', env.pg.host]] as [string, string][]) : []),
    ['pg1-user', env.pg.user],
    ['pg1-database', env.pg.database],
  ]
  for (const [k, v] of [...global, ...stanza]) checkOwnValue(env, k, v)

  const lines = [
    `# pgBackRest configuration of cluster '${env.cluster}', written by pitrctl setup.`,
    '# Do not edit: pitrctl rewrites it. Set pgbackrest.<option> in pitrctl.ini instead.',
    '[global]',
    ...global.map(([k, v]) => `${k}=${v}`),
    ...(passed.length ? ['', '# from pitrctl.ini', ...passed.map(([k, v]) => `${k}=${v}`)] : []),
    '',
    `[${setup.stanza}]`,
    ...stanza.map(([k, v]) => `${k}=${v}`),
  ]
  return `${lines.join('\n')}\n`
}

function checkStanza(env: ToolEnv, stanza: string, key: string | undefined) {
  if (!STANZA_NAME.test(stanza))
    throw new ConfigError(
      env.configPath,
      env.cluster,
      key === undefined ? undefined : `pgbackrest.${key}`,
      `'${stanza}' cannot be a pgBackRest stanza name`,
      key === undefined ? 'use letters, digits, _ . - in the cluster section name' : 'use letters, digits, _ . - in the stanza name',
    )
}

function checkOption(env: ToolEnv, key: string, value: string) {
  if (!OPTION_NAME.test(key)) throw optionError(env, key, 'not a pgBackRest option name', 'pgBackRest options are lower case words joined by -')
  if ((RESERVED_OPTIONS as readonly string[]).includes(key))
    throw optionError(env, key, 'pitrctl sets this option itself in managed mode', 'remove it, or adopt your own setup with pgbackrest.config and pgbackrest.stanza')
  checkValue(env, key, value)
}

// pgBackRest's ini reader trims each line and has no quoting: what it cannot read back is refused.
function representable(value: string): boolean {
  return value !== '' && value === value.trim() && !/[\r\n\0]/.test(value)
}

function checkValue(env: ToolEnv, key: string, value: string) {
  if (!representable(value))
    throw optionError(env, key, 'the value is empty, has surrounding blanks or a line break, which a pgBackRest configuration file cannot hold', 'give a single-line value')
}

function checkOwnValue(env: ToolEnv, key: string, value: string) {
  if (!representable(value))
    throw new ConfigError(env.configPath, env.cluster, undefined, `${JSON.stringify(value)} cannot be written as pgBackRest's ${key}`, 'use paths and names without line breaks or surrounding blanks')
}

function optionError(env: ToolEnv, key: string, problem: string, hint: string) {
  return new ConfigError(env.configPath, env.cluster, `pgbackrest.${key}`, problem, hint)
}
