/**
 * pgBackRest (https://pgbackrest.org/, command reference https://pgbackrest.org/command.html).
 * Tested with pgBackRest 2.45 (Debian bookworm) against PostgreSQL 15.20; the quirks it relies on
 * are read in the release/2.45 source and recorded in test/fixtures/pgbackrest/2.45/.
 */
import { planDelete, planWalExpire } from './expire.js'
import type { Adapter, RestoreRequest, ToolEnv } from '../adapter.js'
import { classifyFailure } from './errors.js'
import { PGBACKREST, planBackup, planCheck, planRestore, planSetup, planVerify, planVersion, planWalGet, planWalPush } from './plan.js'
import { readCatalog, readVersion, verifyChecks } from './read.js'

/**
 * The newest PostgreSQL major each pgBackRest release reads (PG_VERSION_MAX in
 * src/postgres/version.h at each release tag), newest release first.
 */
const PG_MAX_BY_RELEASE: readonly (readonly [string, number])[] = [
  ['2.59', 19],
  ['2.55', 18],
  ['2.52', 17],
  ['2.46', 16],
  ['0', 15],
]

export function unsupportedReason(version: string, pgMajor: number): string | undefined {
  const max = PG_MAX_BY_RELEASE.find(([since]) => compareVersions(version, since) >= 0)![1]
  if (pgMajor <= max) return undefined
  const need = [...PG_MAX_BY_RELEASE].reverse().find(([, m]) => m >= pgMajor)
  return `pgBackRest ${version} supports PostgreSQL up to ${max}${need ? `; PostgreSQL ${pgMajor} needs pgBackRest ${need[0]} or later` : ''}`
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0)
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

export const pgbackrestAdapter: Adapter = {
  id: 'pgbackrest',
  capabilities: {
    backupTypes: ['full', 'diff', 'incr'],
    nativeTargets: ['time', 'lsn', 'xid', 'name', 'immediate', 'latest'],
    hasBackupVerify: true,
    deleteScope: 'any',
  },
  programs: () => [PGBACKREST],
  planVersion: () => planVersion(),
  readVersion,
  unsupportedReason,
  planSetup,
  planCheck,
  planWalPush,
  planWalGet,
  planBackup,
  readCatalog,
  planVerify: (env: ToolEnv) => planVerify(env),
  readVerify: (_env, backup, outputs) => {
    const result = outputs.get('verify')
    if (result === undefined) return [{ name: 'pgBackRest verify', ok: false, detail: 'pgbackrest verify did not run' }]
    return verifyChecks(result.stdout, backup.id)
  },
  planRestore: (env: ToolEnv, req: RestoreRequest) => planRestore(env, req),
  planDelete,
  planWalExpire,
  classifyFailure,
}
