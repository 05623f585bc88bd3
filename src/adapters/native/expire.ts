/**
 * Expiring native backups: pitrctl's own. A backup's directory is first moved out of
 * `backups/` into `deleting/` (one rename: the catalog never sees a half-deleted backup that
 * still looks whole), then removed; `deleting/` is emptied first, so a run that was interrupted
 * is finished by the next one. WAL below the oldest remaining backup's start is removed by name.
 */
import path from 'node:path'
import { execStep, plan, type Plan } from '../../model/plan.js'
import type { DeleteRequest, ToolEnv, WalExpirePlan, WalExpireRequest } from '../adapter.js'
import { planRemoveFiles, walFilesToRemove } from '../plain-archive.js'
import { backupDir, resolveSetup } from './config.js'

export function deletingDir(env: ToolEnv): string {
  return path.join(resolveSetup(env).root, 'deleting')
}

export function planDelete(env: ToolEnv, req: DeleteRequest): Plan {
  const trash = deletingDir(env)
  if (req.backups.length === 0) return plan('native: nothing to delete')
  return plan(
    `native: delete ${req.backups.map((b) => b.id).join(', ')}`,
    execStep('clear-deleting', `remove what an interrupted expire left in ${trash}`, ['rm', '-rf', '--', trash]),
    { kind: 'mkdir', id: 'mkdir-deleting', title: `create ${trash}`, path: trash, mode: 0o700 },
    // newest first: an interrupted run never leaves a backup whose parent is gone
    [...req.backups].reverse().map((b) => execStep(`move-${b.id}`, `take backup ${b.id} out of the catalog`, ['mv', '-T', '--', backupDir(env, b.id), path.join(trash, b.id)])),
    execStep('remove-deleting', `remove the deleted backups' files (${trash})`, ['rm', '-rf', '--', trash]),
  )
}

export function planWalExpire(env: ToolEnv, req: WalExpireRequest): WalExpirePlan {
  const dir = resolveSetup(env).walDir
  const names = walFilesToRemove(req.segments, req.deleted)
  return {
    ...plan(`native: remove WAL before ${req.oldest.walStart ?? req.oldest.id} (oldest remaining backup ${req.oldest.id})`, planRemoveFiles('remove-wal', dir, names)),
    how: `pitrctl removes from ${dir} the ${req.segments.length} segment(s) no remaining backup reads (below ${req.oldest.walStart ?? '?'}, and older timelines) with their .backup files`,
  }
}
