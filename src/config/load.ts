/**
 * Finding and reading pitrctl.ini in the contract's order, and the secrets rule: a file holding a
 * secret that group or others can read is refused.
 */
import { promises as fs, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ini from 'ini'
import { ConfigError, UsageError } from '../errors.js'
import { isSecretKey, redactor } from '../util/redact.js'
import { validateConfig, type ClusterConfig, type PitrConfig } from './schema.js'

export function configCandidates(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  if (flag) return [path.resolve(cwd, flag)]
  if (env.PITRCTL_CONFIG) return [path.resolve(cwd, env.PITRCTL_CONFIG)]
  const xdg = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config')
  return [path.join(cwd, 'pitrctl.ini'), path.join(xdg, 'pitrctl', 'pitrctl.ini'), '/etc/pitrctl/pitrctl.ini']
}

export async function findConfigFile(flag: string | undefined): Promise<string> {
  const candidates = configCandidates(flag)
  for (const c of candidates) if (await fs.stat(c).then((s) => s.isFile(), () => false)) return c
  if (flag || process.env.PITRCTL_CONFIG) throw new ConfigError(candidates[0]!, undefined, undefined, 'no such file', 'check the path given with --config or PITRCTL_CONFIG')
  throw new UsageError('no pitrctl.ini found', { hint: `write one (see README) or pass --config FILE; looked in ${candidates.join(', ')}` })
}

export async function loadConfig(flag: string | undefined): Promise<PitrConfig> {
  const file = await findConfigFile(flag)
  const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError(file, undefined, undefined, `cannot be read (${e.code})`, 'check its permissions')
  })
  return parseConfigText(file, text, statSync(file).mode)
}

export function parseConfigText(file: string, text: string, mode: number): PitrConfig {
  const raw = ini.parse(text) as Record<string, unknown>
  const cfg = validateConfig(file, raw)
  for (const c of cfg.clusters.values()) {
    redactor.register(c.s3?.keySecret)
    for (const opts of Object.values(c.toolOptions))
      for (const [k, v] of Object.entries(opts)) if (isSecretKey(k)) redactor.register(v)
  }
  if (cfg.holdsSecrets && (mode & 0o077) !== 0)
    throw new ConfigError(file, undefined, undefined, `holds a secret but is readable by group or others (mode ${(mode & 0o777).toString(8)})`, `chmod 600 ${file}`)
  return cfg
}

export function selectCluster(cfg: PitrConfig, name: string | undefined): ClusterConfig {
  if (name !== undefined) {
    const c = cfg.clusters.get(name)
    if (!c) throw new UsageError(`no cluster ${JSON.stringify(name)} in ${cfg.file}`, { hint: `clusters there: ${[...cfg.clusters.keys()].join(', ') || 'none'}` })
    return c
  }
  if (cfg.clusters.size === 1) return [...cfg.clusters.values()][0]!
  if (cfg.clusters.size === 0) throw new ConfigError(cfg.file, undefined, undefined, 'has no cluster section', 'add a [name] section with tool and pgdata')
  throw new UsageError(`${cfg.file} has ${cfg.clusters.size} clusters`, { hint: `pick one with -c: ${[...cfg.clusters.keys()].join(', ')}` })
}
