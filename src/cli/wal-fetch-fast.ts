/**
 * `pitrctl wal-fetch [--tool X] NAME DEST` without oclif: every tool's restore_command (pitrctl
 * checks what the tool fetched before PostgreSQL sees it: services/checked-wal-fetch.ts) runs once
 * per segment, and loading the whole CLI each time made recovery several times slower. Same
 * flags, same plan, same exit codes and one-line errors as the command (commands/wal-fetch.ts).
 */
import { adapterFor } from '../adapters/registry.js'
import { loadConfig, selectCluster } from '../config/load.js'
import { stateDirFor } from '../config/paths.js'
import { AppError, EXIT, UsageError, WalNotArchivedError } from '../errors.js'
import { readPgMajor } from '../pg/server.js'
import { ExecaRunner } from '../runner/execa-runner.js'
import { executePlan } from '../runner/execute-plan.js'
import { pitrctlArgv, resolveBinDir, toolEnvFor } from '../services/tool-env.js'
import { checkedWalFetch } from '../services/checked-wal-fetch.js'
import type { ToolId } from '../model/tool-id.js'
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
    const tool = (a.tool ?? cluster.tools[0]) as ToolId
    const adapter = adapterFor(tool)
    if (!adapter || !cluster.tools.includes(tool)) throw new UsageError(`cluster ${cluster.name} has no tool ${tool}`, { hint: `tools: ${cluster.tools.join(', ')}` })
    const osUser = config.global.runAs ?? 'postgres'
    if (isRoot()) dropPrivileges(lookupUser(osUser))
    const pgMajor = await readPgMajor(cluster.pgdata)
    const env = toolEnvFor(config, cluster, tool, { binDir: await resolveBinDir(cluster, pgMajor), pgMajor, osUser, stateDir: stateDirFor(cluster), pitrctl: pitrctlArgv() })
    const runner = new ExecaRunner()
    await checkedWalFetch((p) => executePlan(p, { runner, dryRun: false, dryRunOut: () => undefined, classify: (s, r) => adapter.classifyFailure(s, r) }), adapter, env, a.name, a.dest)
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
