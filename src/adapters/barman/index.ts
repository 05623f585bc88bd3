/**
 * Barman: `backup_method = postgres` (pg_basebackup), WAL through pitrctl's wal-push into Barman's
 * incoming directory (`archiver = on`), restores with `barman recover --get-wal`.
 * Docs: https://docs.pgbarman.org/release/3.4.0/ (barman(1), barman(5)); source
 * https://github.com/EnterpriseDB/barman (tag release/3.4.0). Tested with Barman 3.4.0
 * (Debian bookworm) against PostgreSQL 15.20; fixtures in test/fixtures/barman/3.4.0.
 */
import { planDelete, planWalExpire } from './expire.js'
import type { Adapter } from '../adapter.js'
import { classifyFailure } from './errors.js'
import { planArchiveRefresh, planBackup, planCheck, planRestore, planSetup, planVerify, planVersion, planWalGet, planWalPush } from './plan.js'
import { readArchiveRefresh, readCatalog, readTablespaces, readVerify, readVersion, unsupportedReason } from './read.js'

export const barmanAdapter: Adapter = {
  id: 'barman',
  capabilities: {
    // backup_method = postgres takes full backups only in 3.4; `--incremental` (3.11+) needs PostgreSQL 17.
    backupTypes: ['full'],
    backupTypesNote: 'Barman 3.4 with backup_method = postgres takes full backups only',
    // latest through --get-wal (real archive recovery to a new timeline), the rest by their flags.
    nativeTargets: ['time', 'lsn', 'xid', 'name', 'immediate', 'latest'],
    hasBackupVerify: true,
    deleteScope: 'any',
    relocatesTablespaces: true,
    objectStorage: false,
  },
  // pg_basebackup and pg_verifybackup are Barman's (through path_prefix = the PostgreSQL bin dir).
  programs: () => ['barman', 'pg_basebackup', 'pg_verifybackup'],
  planVersion,
  readVersion,
  unsupportedReason,
  planSetup,
  planCheck,
  planWalPush,
  planWalGet,
  planBackup,
  // WAL waits in incoming/ until archive-wal moves it: run before every catalog read.
  planArchiveRefresh,
  readArchiveRefresh,
  readCatalog,
  planVerify,
  readVerify,
  // Barman's backup.info and the data files are checked by its own commands
  readStoredObjects: async () => null,
  readTablespaces,
  planRestore,
  classifyFailure,
  planDelete,
  planWalExpire,
}
