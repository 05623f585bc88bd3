/**
 * WAL-G for PostgreSQL (https://github.com/wal-g/wal-g, docs/PostgreSQL.md; settings in
 * docs/README.md and internal/config/config.go). Tested with v3.0.9 (commit 3e493188) built from
 * source, against PostgreSQL 15.20; the behaviour it relies on is read in that commit's source and
 * recorded in test/fixtures/walg/3.0.9/.
 *
 * What WAL-G does not do, and pitrctl therefore does: choose the base backup for a target, write
 * recovery.signal, restore_command and every recovery_target_* setting (backup-fetch writes none),
 * verify a backup (there is no such command for PostgreSQL: verify is wal-verify plus pitrctl's
 * own WAL check and test restore).
 *
 * Sharp edges the services should know:
 * - When the configured PGHOST/PGPORT refuse a connection, WAL-G retries localhost:5432
 *   (internal/databases/postgres/connect.go). backup-push then stops on the data directory check,
 *   but wal-verify would read the current segment and timeline of whatever answers there.
 * - wal-push also uploads the next `.ready` segments of the same pg_wal in the background and
 *   remembers them in `pg_wal/walg_data/walg_archive_status/`, so their own later wal-push is a
 *   no-op; it never renames `.ready` files (PG_READY_RENAME is off).
 */
import { planDelete, planWalExpire } from './expire.js'
import type { Adapter, RestoreRequest, ToolEnv } from '../adapter.js'
import { classifyFailure } from './errors.js'
import { WALG, planBackup, planCheck, planRestore, planSetup, planVerify, planVersion, planWalGet, planWalPush } from './plan.js'
import { readCatalog, readVersion, verifyChecks } from './read.js'

/**
 * v3.0.9's integration tests run PostgreSQL 10 and 18 (docker-compose.yml pg10, pg18); its query
 * builders know 9.0 and later (query_runner.go), but pitrctl only vouches for what was tested.
 */
const PG_TESTED_MIN = 10
const PG_TESTED_MAX = 18

export function unsupportedReason(version: string, pgMajor: number): string | undefined {
  if (pgMajor > PG_TESTED_MAX) return `WAL-G ${version} is tested with PostgreSQL up to ${PG_TESTED_MAX}; PostgreSQL ${pgMajor} is newer`
  if (pgMajor < PG_TESTED_MIN) return `WAL-G ${version} is tested with PostgreSQL ${PG_TESTED_MIN} and later`
  return undefined
}

export const walgAdapter: Adapter = {
  id: 'walg',
  capabilities: {
    // incr = a delta from the newest backup, diff = a delta from the newest full (WALG_DELTA_ORIGIN).
    backupTypes: ['full', 'incr', 'diff'],
    // backup-fetch writes no recovery settings: pitrctl writes every target itself.
    nativeTargets: [],
    hasBackupVerify: false,
    deleteScope: 'any',
  },
  programs: () => [WALG],
  planVersion: () => planVersion(),
  readVersion,
  unsupportedReason,
  planSetup,
  planCheck,
  planWalPush,
  planWalGet,
  planBackup,
  readCatalog,
  planVerify,
  readVerify: (_env, backup, outputs) => {
    const result = outputs.get('wal-verify')
    if (result === undefined) return [{ name: 'WAL-G wal-verify', ok: false, detail: 'wal-g wal-verify did not run' }]
    return verifyChecks(result.stdout, backup)
  },
  planRestore: (env: ToolEnv, req: RestoreRequest) => planRestore(env, req),
  planDelete,
  planWalExpire,
  classifyFailure,
}
