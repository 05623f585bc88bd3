/**
 * native: pg_basebackup + pitrctl's own WAL archive + recovery settings pitrctl writes.
 * Docs: https://www.postgresql.org/docs/15/continuous-archiving.html, app-pgbasebackup.html,
 * app-pgverifybackup.html. Tested with PostgreSQL 15.18 (Debian).
 */
import { planDelete, planWalExpire } from './expire.js'
import type { Adapter } from '../adapter.js'
import { classifyFailure } from './errors.js'
import { planArchiveRefresh, planBackup, planCheck, planRestore, planSetup, planVerify, planVersion, planWalGet, planWalPush } from './plan.js'
import { readArchiveRefresh, readCatalog, readTablespaces, readVerify, readVersion, unsupportedReason } from './read.js'

export const nativeAdapter: Adapter = {
  id: 'native',
  capabilities: {
    // pg_basebackup --incremental needs PostgreSQL 17; this project targets 15.
    backupTypes: ['full'],
    backupTypesNote: 'pg_basebackup makes incremental backups only from PostgreSQL 17 on',
    nativeTargets: ['time', 'lsn', 'xid', 'name', 'immediate', 'latest'],
    hasBackupVerify: true,
    deleteScope: 'any',
    relocatesTablespaces: true,
    objectStorage: false,
  },
  programs: () => ['pg_basebackup', 'pg_verifybackup', 'pg_waldump', 'pg_ctl', 'pg_controldata'],
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
  // pitrctl's own backup_manifest (pg_verifybackup) checks every file
  readStoredObjects: async () => null,
  readTablespaces,
  planRestore,
  classifyFailure,
  planDelete,
  planWalExpire,
}
