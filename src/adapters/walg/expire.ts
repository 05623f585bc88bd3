/**
 * Expiring WAL-G backups. `delete target NAME --confirm` removes the backup and every delta that
 * depends on it (internal/delete_handler.go DeleteTarget → findDependantBackups), under
 * basebackups_005/ only: it leaves WAL alone. `delete garbage ARCHIVES --confirm` then removes
 * the WAL before the oldest non-permanent backup (postgres/delete.go HandleDeleteGarbage →
 * DeleteBeforeTargetWhere, WAL compared by segment number whatever the timeline, so nothing at or
 * after the oldest remaining start goes on any timeline: the wal-g#230 trap of comparing
 * timelines first is not taken). Without --confirm WAL-G only prints what it would delete.
 */
import { plan, type Plan } from '../../model/plan.js'
import type { DeleteRequest, ToolEnv, WalExpirePlan, WalExpireRequest } from '../adapter.js'
import { resolveSetup } from './config.js'
import { walgCommand } from './plan.js'

export function planDelete(env: ToolEnv, req: DeleteRequest): Plan {
  const setup = resolveSetup(env)
  const ids = new Set(req.backups.map((b) => b.id))
  const roots = req.backups.filter((b) => b.parent === null || !ids.has(b.parent))
  return plan(
    `WAL-G: delete ${roots.map((b) => b.id).join(', ') || 'nothing'}`,
    // newest root first: an interrupted run never leaves a delta whose base is gone
    [...roots].reverse().map((b) => walgCommand(setup, `delete-${b.id}`, `wal-g delete target ${b.id}${req.backups.some((x) => x.parent === b.id) ? ' (and its deltas)' : ''}`, ['delete', 'target', b.id, '--confirm'])),
  )
}

export function planWalExpire(env: ToolEnv, req: WalExpireRequest): WalExpirePlan {
  const setup = resolveSetup(env)
  return {
    ...plan(
      `WAL-G: delete WAL before ${req.oldest.walStart ?? req.oldest.id} (oldest remaining backup ${req.oldest.id})`,
      walgCommand(setup, 'delete-garbage', `wal-g delete garbage ARCHIVES: WAL before backup ${req.oldest.id}`, ['delete', 'garbage', 'ARCHIVES', '--confirm']),
    ),
    how: `WAL-G's delete garbage removes the WAL before the oldest backup that remains (${req.oldest.id}, ${req.oldest.walStart ?? '?'})`,
  }
}
