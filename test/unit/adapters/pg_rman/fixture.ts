/** recorded pg_rman 1.3.19 runs (test/fixtures/pg_rman/1.3.19/<case>) and the lab's ToolEnv */
import type { ToolEnv } from '../../../../src/adapters/adapter.js'
import { fixtureSet, labToolEnv } from '../../../support/recorded.js'

export type { Recorded } from '../../../support/recorded.js'
export const { fixtureFile, recorded } = fixtureSet('pg_rman', '1.3.19')

/** the lab: BACKUP_PATH /tmp/pg_rman-lab/repo/backup, ARCLOG_PATH /tmp/pg_rman-lab/repo/arclog */
export function labEnv(over: Partial<ToolEnv> = {}): ToolEnv {
  return labToolEnv('pg_rman', '/tmp/pg_rman-lab', 25400, '/tmp/pg_rman-lab/repo', over)
}

/** the same catalog adopted through pitrctl.ini */
export function adoptedEnv(options: Record<string, string> = {}): ToolEnv {
  return labEnv({ mode: 'adopted', repoDir: undefined, options: { 'backup-path': '/tmp/pg_rman-lab/repo/backup', 'arclog-path': '/tmp/pg_rman-lab/repo/arclog', ...options } })
}

export const BIN = '/usr/lib/postgresql/15/bin/pg_rman'
export const B = '/tmp/pg_rman-lab/repo/backup'
export const A = '/tmp/pg_rman-lab/repo/arclog'
