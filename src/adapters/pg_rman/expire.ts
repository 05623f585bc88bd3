/**
 * Expiring pg_rman backups. `pg_rman delete DATE` keeps the newest backup a recovery to DATE
 * needs; with `-f` it deletes every backup that started at or before DATE and nothing else
 * (delete.c do_delete), so pitrctl gives the start time (the id) of the newest backup it decided
 * to delete: the retention decision for this tool is always a run of the oldest backups
 * (capability deleteScope = 'oldest-first'). `purge` then drops the DELETED entries from the
 * catalog. pg_rman does not touch ARCLOG_PATH on delete (only `backup --keep-arclog-*`, which
 * pitrctl refuses): pitrctl removes the WAL itself, by name.
 */
import { execStep, plan, type Plan } from '../../model/plan.js'
import type { DeleteRequest, ToolEnv, WalExpirePlan, WalExpireRequest } from '../adapter.js'
import { planRemoveFiles, walFilesToRemove } from '../plain-archive.js'
import { pgRmanEnv, resolveSetup } from './config.js'
import { pgRmanBin } from './plan.js'

export function planDelete(env: ToolEnv, req: DeleteRequest): Plan {
  if (req.backups.length === 0) return plan('pg_rman: nothing to delete')
  const s = resolveSetup(env)
  const newest = req.backups[req.backups.length - 1]!
  const run = (id: string, title: string, args: readonly string[]) => execStep(id, title, [pgRmanBin(env), args[0]!, '-B', s.backupPath, ...args.slice(1)], { env: pgRmanEnv(s) })
  return plan(
    `pg_rman: delete every backup that started at or before ${newest.id}`,
    run('delete', `pg_rman delete -f ${newest.id} (${req.backups.length} backup(s))`, ['delete', '-f', newest.id]),
    run('purge', 'pg_rman purge: drop the deleted backups from the catalog', ['purge']),
  )
}

export function planWalExpire(env: ToolEnv, req: WalExpireRequest): WalExpirePlan {
  const dir = resolveSetup(env).arclogPath
  const names = walFilesToRemove(req.segments, req.deleted)
  return {
    ...plan(`pg_rman: remove WAL before ${req.oldest.walStart ?? req.oldest.id} from ARCLOG_PATH`, planRemoveFiles('remove-wal', dir, names)),
    how: `pitrctl removes from ${dir} the ${req.segments.length} segment(s) no remaining backup reads (below ${req.oldest.walStart ?? '?'}, and older timelines): pg_rman's delete leaves ARCLOG_PATH alone`,
  }
}
