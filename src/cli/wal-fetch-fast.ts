/**
 * `pitrctl wal-fetch NAME DEST` without oclif: the native restore_command runs once per segment,
 * and loading the whole CLI each time made native recovery several times slower than the other
 * tools'. Same flags, same exit codes, same one-line errors as the command (commands/wal-fetch.ts).
 */
import path from 'node:path'
import { nativeLayout } from '../adapters/native/config.js'
import { loadConfig, selectCluster } from '../config/load.js'
import { stateDirFor } from '../config/paths.js'
import { AppError, EXIT, UsageError } from '../errors.js'
import { WalMissing, fetchNativeWal } from '../services/native-wal-fetch.js'
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
    if (isRoot()) dropPrivileges(lookupUser(config.global.runAs ?? 'postgres'))
    const walDir = nativeLayout({ repoDir: cluster.repo ? path.join(cluster.repo, 'native') : undefined } as Parameters<typeof nativeLayout>[0]).walDir
    await fetchNativeWal(walDir, path.join(stateDirFor(cluster), 'wal-index'), a.name, a.dest)
    return EXIT.ok
  } catch (e) {
    if (e instanceof WalMissing) return EXIT.toolFailed
    const err = e instanceof AppError ? e : undefined
    const hint = err?.hint ?? 'this is a bug in pitrctl; rerun with PITRCTL_DEBUG=1 and report it'
    process.stderr.write(`pitrctl: ${redactor.redact(err?.message ?? `internal error: ${(e as Error).message}`)} — ${redactor.redact(hint)}\n`)
    return err?.exitCode ?? EXIT.toolFailed
  }
}
