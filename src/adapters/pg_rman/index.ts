/**
 * pg_rman: NTT's backup catalog manager; pitrctl's `wal-push` fills its ARCLOG_PATH.
 * Docs: https://github.com/ossc-db/pg_rman (docs/index.html); the source is the reference
 * (restore.c, catalog.c, show.c, validate.c). Tested with pg_rman 1.3.19 built from branch
 * REL_15_STABLE against PostgreSQL 15.20 (Debian); fixtures in test/fixtures/pg_rman/1.3.19.
 */
import { planDelete, planWalExpire } from './expire.js'
import type { Adapter } from '../adapter.js'
import { classifyFailure } from './errors.js'
import { planArchiveRefresh, planBackup, planCheck, planRestore, planSetup, planVerify, planVersion, planWalGet, planWalPush } from './plan.js'
import { readArchiveRefresh, readCatalog, readTablespaces, readVerify, readVersion, unsupportedReason } from './read.js'

export const pgRmanAdapter: Adapter = {
  id: 'pg_rman',
  capabilities: {
    backupTypes: ['full', 'incr'],
    backupTypesNote: 'pg_rman makes full and incremental (use --type incr) backups',
    // pg_rman's --recovery-target-time only selects the backup (plan.ts planRestore): pitrctl
    // writes every target, the timeline and the restore_command over what pg_rman wrote.
    nativeTargets: [],
    hasBackupVerify: true,
    // pg_rman delete DATE removes every backup older than DATE: never one in the middle
    deleteScope: 'oldest-first',
    relocatesTablespaces: false,
    objectStorage: false,
  },
  programs: () => ['pg_rman'],
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
  // pg_rman's file lists hold each file's size and CRC: readVerify re-reads them
  readStoredObjects: async () => null,
  readTablespaces,
  planRestore,
  classifyFailure,
  planDelete,
  planWalExpire,
}
