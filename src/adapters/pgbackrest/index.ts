/**
 * pgBackRest (https://pgbackrest.org/, command reference https://pgbackrest.org/command.html).
 * Tested with pgBackRest 2.45 (Debian bookworm) against PostgreSQL 15.20; the quirks it relies on
 * are read in the release/2.45 source and recorded in test/fixtures/pgbackrest/2.45/.
 */
import type { Adapter } from '../adapter.js'
import { planDelete, planWalExpire } from './expire.js'
import { classifyFailure } from './errors.js'
import { PGBACKREST, planArchiveRefresh, planBackup, planCheck, planRestore, planSetup, planVerify, planVersion, planWalGet, planWalPush } from './plan.js'
import { readArchiveRefresh, readCatalog, readTablespaces, readVerify, readVersion, unsupportedReason } from './read.js'

export const pgbackrestAdapter: Adapter = {
  id: 'pgbackrest',
  capabilities: {
    backupTypes: ['full', 'diff', 'incr'],
    backupTypesNote: 'it supports full, diff, incr',
    nativeTargets: ['time', 'lsn', 'xid', 'name', 'immediate', 'latest'],
    hasBackupVerify: true,
    deleteScope: 'any',
    relocatesTablespaces: true,
    objectStorage: false,
  },
  programs: () => [PGBACKREST],
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
  // pgBackRest's manifest holds each file's size and checksum (verify re-reads them)
  readStoredObjects: async () => null,
  readTablespaces,
  planRestore,
  planDelete,
  planWalExpire,
  classifyFailure,
}
