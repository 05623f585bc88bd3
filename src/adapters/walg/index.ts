/**
 * WAL-G for PostgreSQL (https://github.com/wal-g/wal-g, docs/PostgreSQL.md; settings in
 * docs/README.md and internal/config/config.go). Tested with v3.0.9 (commit 3e493188) built from
 * source, against PostgreSQL 15.20; the behaviour it relies on is read in that commit's source and
 * recorded in test/fixtures/walg/3.0.9/.
 *
 * What WAL-G does not do, and pitrctl therefore does: choose the base backup for a target, write
 * recovery.signal, restore_command and every recovery_target_* setting (backup-fetch writes none),
 * verify a backup (there is no such command for PostgreSQL: verify is wal-verify, pitrctl's own
 * WAL check, and a comparison of every stored object of the backup, read through `wal-g st cat`,
 * with the size and sha256 pitrctl recorded right after backup-push; `st` commands recorded with
 * v3.0.8 in test/fixtures/walg/3.0.8/).
 * - `st ls FOLDER` of a folder that does not exist in FS storage creates it, empty (fixture
 *   st-ls-backup-missing): verifying a backup whose folder was deleted leaves an empty folder.
 *
 * Sharp edges the services should know:
 * - When the configured PGHOST/PGPORT refuse a connection, WAL-G retries localhost:5432
 *   (internal/databases/postgres/connect.go). backup-push then stops on the data directory check,
 *   but wal-verify would read the current segment and timeline of whatever answers there.
 * - wal-push also uploads the next `.ready` segments of the same pg_wal in the background and
 *   remembers them in `pg_wal/walg_data/walg_archive_status/`, so their own later wal-push is a
 *   no-op; it never renames `.ready` files (PG_READY_RENAME is off).
 */
import type { Adapter } from '../adapter.js'
import { planDelete, planWalExpire } from './expire.js'
import { classifyFailure } from './errors.js'
import { WALG, planArchiveRefresh, planBackup, planCheck, planRestore, planSetup, planVerify, planVersion, planWalGet, planWalPush } from './plan.js'
import { readArchiveRefresh, readCatalog, readStoredObjects, readTablespaces, readVerify, readVersion, unsupportedReason } from './read.js'

export const walgAdapter: Adapter = {
  id: 'walg',
  capabilities: {
    // incr = a delta from the newest backup, diff = a delta from the newest full (WALG_DELTA_ORIGIN).
    backupTypes: ['full', 'incr', 'diff'],
    backupTypesNote: 'it supports full, incr, diff',
    // backup-fetch writes no recovery settings: pitrctl writes every target itself.
    nativeTargets: [],
    hasBackupVerify: false,
    deleteScope: 'any',
    relocatesTablespaces: true,
    objectStorage: false,
  },
  programs: () => [WALG],
  planVersion,
  readVersion,
  unsupportedReason,
  planSetup,
  planCheck,
  planWalPush,
  planWalGet,
  planBackup,
  planArchiveRefresh,
  readArchiveRefresh,
  readCatalog,
  planVerify,
  readVerify,
  readStoredObjects,
  readTablespaces,
  planRestore,
  planDelete,
  planWalExpire,
  classifyFailure,
}
