/**
 * native: pg_basebackup + pitrctl's own WAL archive + recovery settings pitrctl writes.
 * Docs: https://www.postgresql.org/docs/15/continuous-archiving.html, app-pgbasebackup.html,
 * app-pgverifybackup.html. Tested with PostgreSQL 15.18 (Debian).
 */
import { planDelete, planWalExpire } from './expire.js'
import type { Adapter } from '../adapter.js'
import { classifyNativeFailure } from './errors.js'
import { planBackup, planCheck, planRestore, planSetup, planVerify, planVersion, planWalGet, planWalPush } from './plan.js'
import { readNativeCatalog, readNativeVerify } from './read.js'

export const nativeAdapter: Adapter = {
  id: 'native',
  capabilities: {
    // pg_basebackup --incremental needs PostgreSQL 17; this project targets 15.
    backupTypes: ['full'],
    nativeTargets: ['time', 'lsn', 'xid', 'name', 'immediate', 'latest'],
    hasBackupVerify: true,
    deleteScope: 'any',
  },
  programs: () => ['pg_basebackup', 'pg_verifybackup', 'pg_waldump', 'pg_ctl', 'pg_controldata'],
  planVersion,
  readVersion: (r) => /\(PostgreSQL\) (\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim(),
  unsupportedReason: (version, pgMajor) => {
    const major = Number.parseInt(version, 10)
    return Number.isFinite(major) && major < pgMajor ? `pg_basebackup ${version} is older than the server (PostgreSQL ${pgMajor}): set bin-dir` : undefined
  },
  planSetup,
  planCheck,
  planWalPush,
  planWalGet,
  planBackup,
  readCatalog: readNativeCatalog,
  planVerify: (env, backup) => planVerify(env, backup.id),
  readVerify: (_env, _backup, outputs) => readNativeVerify(outputs.get('verifybackup')),
  planRestore,
  planDelete,
  planWalExpire,
  classifyFailure: classifyNativeFailure,
}
