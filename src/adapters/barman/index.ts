/**
 * Barman: `backup_method = postgres` (pg_basebackup), WAL through pitrctl's wal-push into Barman's
 * incoming directory (`archiver = on`), restores with `barman recover --get-wal`.
 * Docs: https://docs.pgbarman.org/release/3.4.0/ (barman(1), barman(5)); source
 * https://github.com/EnterpriseDB/barman (tag release/3.4.0). Tested with Barman 3.4.0
 * (Debian bookworm) against PostgreSQL 15.20; fixtures in test/fixtures/barman/3.4.0.
 */
import { planDelete, planWalExpire } from './expire.js'
import type { Adapter } from '../adapter.js'
import { classifyBarmanFailure } from './errors.js'
import { planArchiveWal, planBackup, planCheck, planRestore, planSetup, planVerify, planVersion, planWalGet, planWalPush } from './plan.js'
import { readArchiveWalProblems, readBarmanCatalog, readBarmanVerify, readBarmanVersion } from './read.js'

export { planArchiveWal } from './plan.js'
export { readArchiveWalProblems } from './read.js'

/** `3.4.0` → [3, 4, 0]; unknown parts are 0 */
function versionParts(version: string): [number, number, number] {
  const [a, b, c] = version.split('.').map((p) => Number.parseInt(p, 10))
  return [a || 0, b || 0, c || 0]
}

function atLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i]!
  return true
}

/**
 * From the release notes and source: the documented minimum is PostgreSQL 10 up to 3.5.x and 11
 * from 3.6.0 (PostgreSQL 10 dropped; code still says 9.6, postgres.py MINIMAL_VERSION). Releases
 * before 3.9.0 (2023-10-03) predate PostgreSQL 16 (no release note claims it); before 3.15.0 `backup --wait` can hang on an
 * idle PostgreSQL 17+ server, whose backup end WAL is the segment still being written
 * (barman#1041), and pitrctl waits that way.
 */
export function barmanUnsupportedReason(version: string, pgMajor: number): string | undefined {
  const v = versionParts(version)
  const min = atLeast(v, [3, 6]) ? 11 : 10
  if (pgMajor < min) return `Barman ${version} supports PostgreSQL ${min} and later`
  if (!atLeast(v, [3, 9]) && pgMajor >= 16) return `Barman ${version} was released before PostgreSQL 16 and is not known to work with it: use Barman 3.9 or later`
  if (!atLeast(v, [3, 15]) && pgMajor >= 17) return `Barman ${version}'s backup --wait can hang on PostgreSQL 17 and later (fixed in 3.15.0): use Barman 3.15 or later`
  return undefined
}

export const barmanAdapter: Adapter = {
  id: 'barman',
  capabilities: {
    // backup_method = postgres takes full backups only in 3.4; `--incremental` (3.11+) needs PostgreSQL 17.
    backupTypes: ['full'],
    // latest through --get-wal (real archive recovery to a new timeline), the rest by their flags.
    nativeTargets: ['time', 'lsn', 'xid', 'name', 'immediate', 'latest'],
    hasBackupVerify: true,
    deleteScope: 'any',
  },
  // pg_basebackup and pg_verifybackup are Barman's (through path_prefix = the PostgreSQL bin dir).
  programs: () => ['barman', 'pg_basebackup', 'pg_verifybackup'],
  planVersion,
  readVersion: readBarmanVersion,
  unsupportedReason: barmanUnsupportedReason,
  planSetup,
  planCheck,
  planWalPush,
  planWalGet,
  planBackup,
  // WAL waits in incoming/ until archive-wal moves it: run before every catalog read.
  planArchiveRefresh: planArchiveWal,
  readArchiveRefresh: (outputs) => {
    const r = outputs.get('archive-wal')
    return r ? readArchiveWalProblems(r) : []
  },
  readCatalog: readBarmanCatalog,
  planVerify: (env, backup) => planVerify(env, backup.id),
  readVerify: (env, backup, outputs) => readBarmanVerify(env, backup.id, outputs),
  planRestore,
  planDelete,
  planWalExpire,
  classifyFailure: classifyBarmanFailure,
}
