/**
 * Expiring pgBackRest backups with `expire --set=LABEL` (2.45 src/command/expire/expire.c):
 * expireAdhocBackup removes the backup and every backup that depends on it, then
 * removeExpiredArchive applies the archive retention. pitrctl decides, pgBackRest only executes:
 * - Only the roots of what goes get a `--set` (a diff whose full goes leaves with it; a second
 *   --set of an already expired label would only warn, exit 0).
 * - Archive retention is pinned on the command line, whatever the configuration says (an adopted
 *   file may set repo1-retention-archive): `--repo1-retention-archive=9999999` during the
 *   deletes keeps every WAL file ("not enough backups to satisfy archive retention"), and one
 *   final plain `expire` with `--repo1-retention-archive=<full backups that remain>` and type
 *   full makes the oldest remaining full the archive retention backup: WAL sorting before its
 *   archive start goes (names compared whole, timeline first: no remaining backup or window
 *   reads a lower timeline's segments after that point, and pitrctl re-reads the catalog to
 *   check that every kept backup's WAL is still there). That run also pins retention-full and
 *   retention-diff to the maximum so it expires no backup at all.
 */
import { plan, type Plan } from '../../model/plan.js'
import type { DeleteRequest, ToolEnv, WalExpirePlan, WalExpireRequest } from '../adapter.js'
import { KEEP_ALL_FULL_BACKUPS, resolveSetup } from './config.js'
import { pgbackrestCommand } from './plan.js'

/** the largest value 2.45 accepts for each repo1-retention-* option (config.yaml allow-range) */
export const RETENTION_MAX = KEEP_ALL_FULL_BACKUPS

export function planDelete(env: ToolEnv, req: DeleteRequest): Plan {
  const setup = resolveSetup(env)
  const ids = new Set(req.backups.map((b) => b.id))
  const roots = req.backups.filter((b) => b.parent === null || !ids.has(b.parent))
  return plan(
    `pgBackRest: expire ${roots.map((b) => b.id).join(', ') || 'nothing'}`,
    roots.map((b) =>
      pgbackrestCommand(setup, `expire-${b.id}`, `pgbackrest expire --set=${b.id}${req.backups.some((x) => x.parent === b.id) ? ' (and what depends on it)' : ''}`, [
        `--set=${b.id}`,
        `--repo1-retention-archive=${RETENTION_MAX}`,
        '--repo1-retention-archive-type=full',
      ], 'expire'),
    ),
  )
}

export function planWalExpire(env: ToolEnv, req: WalExpireRequest): WalExpirePlan {
  const setup = resolveSetup(env)
  if (req.remainingFulls < 1) return { ...plan('pgBackRest: no full backup remains: no WAL expires'), how: 'no WAL expires without a remaining full backup' }
  // pgBackRest removes every name that sorts before the archive start, timeline first: if that
  // would take a segment pitrctl keeps (a lower timeline's WAL after the cut), leave WAL alone.
  const allowed = new Set(req.segments)
  const start = req.oldest.walStart
  const extra = start === null ? [] : req.archived.filter((n) => n < start && !allowed.has(n))
  if (start === null || extra.length)
    return {
      ...plan('pgBackRest: WAL stays'),
      how: start === null
        ? `the oldest remaining backup ${req.oldest.id} has no archive start: WAL stays`
        : `pgBackRest would also remove ${extra.length} segment(s) pitrctl keeps (${extra[0]} …: names compare timeline first): WAL stays`,
    }
  return {
    ...plan(
      `pgBackRest: expire WAL before ${req.oldest.walStart ?? req.oldest.id} (oldest remaining full ${req.oldest.id})`,
      pgbackrestCommand(setup, 'expire-wal', `pgbackrest expire: WAL before backup ${req.oldest.id}`, [
        `--repo1-retention-full=${RETENTION_MAX}`,
        '--repo1-retention-full-type=count',
        `--repo1-retention-diff=${RETENTION_MAX}`,
        `--repo1-retention-archive=${req.remainingFulls}`,
        '--repo1-retention-archive-type=full',
      ], 'expire'),
    ),
    how: `pgBackRest's expire removes the WAL before ${req.oldest.walStart ?? '?'}, the start of the oldest full backup that remains (${req.oldest.id})`,
  }
}
