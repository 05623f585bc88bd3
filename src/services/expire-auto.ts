/**
 * `expire-auto = on`: after every successful `pitrctl backup`, run expire without a question.
 * Its own lock is taken after the backup's was released.
 */
import { AppError } from '../errors.js'
import type { AppContext } from './context.js'
import { expireCluster } from './expire.js'

/** undefined when expire-auto is off or the expire succeeded; else the error (the backup stands) */
export async function expireAfterBackup(ctx: AppContext): Promise<AppError | undefined> {
  if (!ctx.cluster.retention.expireAuto || ctx.dryRun) return undefined
  try {
    const r = await ctx.progress.task('expire-auto: apply the retention settings', () => expireCluster(ctx, { yes: false, confirm: undefined, auto: true }))
    ctx.progress.info(`expire-auto: deleted ${r.deleted.length} backup(s)${r.deleted.length ? `: ${r.deleted.map((v) => v.id).join(', ')}` : ''}`)
    return undefined
  } catch (e) {
    if (e instanceof AppError) return e
    throw e
  }
}
