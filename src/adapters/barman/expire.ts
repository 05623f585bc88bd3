/**
 * Expiring Barman backups with `barman delete SERVER BACKUP_ID` (3.4 barman/backup.py
 * delete_backup): when the deleted backup is the oldest, Barman also removes the WAL before the
 * next backup's begin_wal, except on the timelines of other remaining backups
 * (get_timelines_to_protect) and history files. So the deletes go oldest first, and there is no
 * separate WAL step: WAL before the first backup ever taken stays until Barman's own cron or a
 * later delete. Barman refuses (and reports) a delete that breaks its minimum_redundancy or a
 * `barman keep`; pitrctl re-reads the catalog afterwards and fails if a backup is still there.
 */
import { execStep, plan, type Plan } from '../../model/plan.js'
import type { DeleteRequest, ToolEnv, WalExpirePlan, WalExpireRequest } from '../adapter.js'
import { resolveSetup } from './config.js'
import { barmanArgv } from './plan.js'

export function planDelete(env: ToolEnv, req: DeleteRequest): Plan {
  const { server } = resolveSetup(env)
  return plan(
    `barman: delete ${req.backups.map((b) => b.id).join(', ') || 'nothing'}`,
    req.backups.map((b) => execStep(`delete-${b.id}`, `barman delete ${server} ${b.id}`, barmanArgv(env, 'delete', server, b.id))),
  )
}

export function planWalExpire(_env: ToolEnv, req: WalExpireRequest): WalExpirePlan {
  return {
    ...plan('barman: WAL goes with the deletes'),
    how: `Barman removes the WAL before the oldest remaining backup (${req.oldest.id}) as it deletes the backups before it`,
  }
}
