/**
 * `pitrctl wal-fetch NAME DEST` without oclif: the native restore_command runs once per segment,
 * and loading the whole CLI each time made native recovery several times slower than the other
 * tools'. Same flags, same plan, same exit codes and one-line errors as the command
 * (commands/wal-fetch.ts).
 */
import { adapterFor } from '../adapters/registry.js'
import { loadConfig, selectCluster } from '../config/load.js'
import { stateDirFor } from '../config/paths.js'
import { AppError, EXIT, UsageError, WalNotArchivedError } from '../errors.js'
import { readPgMajor } from '../pg/server.js'
import { ExecaRunner } from '../runner/execa-runner.js'
import { executePlan } from '../runner/execute-plan.js'
import { pitrctlArgv, resolveBinDir, toolEnvFor } from '../services/tool-env.js'
import { planWalFetch } from '../services/wal-fetch-plan.js'
import { dropPrivileges, isRoot, lookupUser } from '../util/identity.js'
import { redactor } from '../util/redact.js'

export function parseWalFetchArgs(argv: readonly string[]): { config?: string; cluster?: string; tool?: string; name: string; dest: string } | undefined {
  const flags: Record<string, string> = {}
  const pos: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const m = /^--(config|cluster|tool)(?:=(.*))?$/.exec(a) ?? (a === '-c' ? [a, 'cluster', undefined] : null)
    if (m) {
      const v = m[2] ?? argv[++i]
      if (v === undefined) return undefined
      flags[m[1]!] = v
    } else if (a.startsWith('-')) return undefined // anything else (--help, --json): the full CLI answers
    else pos.push(a)
  }
  if (pos.length !== 2) return undefined
  return { ...flags, name: pos[0]!, dest: pos[1]! }
}

export async function fastWalFetch(argv: readonly string[]): Promise<number | undefined> {
  const a = parseWalFetchArgs(argv)
  if (!a) return undefined
  try {
    const config = await loadConfig(a.config)
    const cluster = selectCluster(config, a.cluster)
    if ((a.tool ?? 'native') !== 'native' || !cluster.tools.includes('native'))
      throw new UsageError('wal-fetch serves the native tool only', { hint: "other tools' restore_command is their own get command" })
    const osUser = config.global.runAs ?? 'postgres'
    if (isRoot()) dropPrivileges(lookupUser(osUser))
    const pgMajor = await readPgMajor(cluster.pgdata)
    const env = toolEnvFor(config, cluster, 'native', { binDir: await resolveBinDir(cluster, pgMajor), pgMajor, osUser, stateDir: stateDirFor(cluster), pitrctl: pitrctlArgv() })
    const adapter = adapterFor('native')!
    await executePlan(planWalFetch(adapter, env, a.name, a.dest), { runner: new ExecaRunner(), dryRun: false, dryRunOut: () => undefined, classify: (s, r) => adapter.classifyFailure(s, r) })
    return EXIT.ok
  } catch (e) {
    // PostgreSQL asks for files that do not exist (the next timeline's history, the end of WAL): quiet.
    if (e instanceof WalNotArchivedError) return EXIT.toolFailed
    const err = e instanceof AppError ? e : undefined
    const hint = err?.hint ?? 'this is a bug in pitrctl; rerun with PITRCTL_DEBUG=1 and report it'
    process.stderr.write(`pitrctl: ${redactor.redact(err?.message ?? `internal error: ${(e as Error).message}`)} — ${redactor.redact(hint)}\n`)
    return err?.exitCode ?? EXIT.toolFailed
  }
}
