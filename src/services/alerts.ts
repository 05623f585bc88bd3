/**
 * `pitrctl check`'s `alert-*` lines: measure (catalogs, pg_wal/archive_status, the attempts
 * file, statfs of the repository) and judge with model/alerts.ts. A threshold that is not set
 * prints no line; a measurement that fails is a failed line saying why.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { AlertThresholds } from '../config/day2.js'
import { AppError } from '../errors.js'
import { judgeArchiveLag, judgeBackupAge, judgeBackupFailures, judgeRepoUsage, newestOkBackup, type AlertCheck, type PendingWal } from '../model/alerts.js'
import type { Backup } from '../model/catalog.js'
import { formatDuration } from '../model/duration.js'
import { readAttempts } from './backup-attempts.js'
import { readCatalog } from './catalog.js'
import type { AppContext } from './context.js'

export function hasAlerts(a: AlertThresholds): boolean {
  return Object.values(a).some((v) => v !== undefined)
}

export async function alertChecks(ctx: AppContext, nowMs = Date.now()): Promise<AlertCheck[]> {
  const a = ctx.cluster.alerts
  const out: AlertCheck[] = []
  if (a.backupAgeMs !== undefined) out.push(await guard(`backup age (alert-backup-age ${formatDuration(a.backupAgeMs)})`, async () => judgeBackupAge(newestOkBackup(await allBackups(ctx)), nowMs, a.backupAgeMs!)))
  if (a.archiveLagMs !== undefined)
    out.push(await guard(`archive lag (alert-archive-lag ${formatDuration(a.archiveLagMs)})`, async () => judgeArchiveLag(await pendingWal(ctx.cluster.pgdata), nowMs, a.archiveLagMs!)))
  if (a.backupFailures !== undefined)
    out.push(await guard(`backup failures (alert-backup-failures ${a.backupFailures})`, async () => judgeBackupFailures(await readAttempts(ctx.stateDir), a.backupFailures!)))
  if (a.repoUsagePercent !== undefined) out.push(await guard(`repository usage (alert-repo-usage ${a.repoUsagePercent}%)`, () => repoUsage(ctx, a.repoUsagePercent!)))
  return out
}

async function guard(name: string, fn: () => Promise<AlertCheck>): Promise<AlertCheck> {
  try {
    return await fn()
  } catch (e) {
    const why = e instanceof AppError || (e as NodeJS.ErrnoException).code ? (e as Error).message : undefined
    if (why === undefined) throw e
    return { name, ok: false, detail: `could not be measured: ${why}` }
  }
}

/** every tool's backups: the newest good one of any tool counts (a migration keeps both) */
async function allBackups(ctx: AppContext): Promise<Backup[]> {
  const out: Backup[] = []
  for (const tool of ctx.cluster.tools) out.push(...(await readCatalog(ctx, tool, { fillIndex: false })).backups)
  return out
}

/** the segments PostgreSQL has not archived yet: `.ready` status files, the oldest by mtime */
export async function pendingWal(pgdata: string): Promise<PendingWal> {
  const dir = path.join(pgdata, 'pg_wal', 'archive_status')
  const ready = (await fs.readdir(dir)).filter((n) => n.endsWith('.ready'))
  let oldest: PendingWal['oldest']
  let count = 0
  for (const n of ready) {
    const st = await fs.stat(path.join(dir, n)).catch(() => undefined)
    if (!st) continue // archived meanwhile
    count++
    if (!oldest || st.mtimeMs < oldest.mtimeMs) oldest = { name: n.slice(0, -'.ready'.length), mtimeMs: st.mtimeMs }
  }
  return { count, oldest }
}

async function repoUsage(ctx: AppContext, threshold: number): Promise<AlertCheck> {
  const repo = ctx.cluster.repo
  if (ctx.cluster.s3) return judgeRepoUsage(undefined, threshold, 'the repository is object storage: it has no file system to fill')
  if (!repo) return judgeRepoUsage(undefined, threshold, 'no repo key: the tools keep their own repositories (adopted mode)')
  const s = await fs.statfs(repo)
  return judgeRepoUsage({ path: repo, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail }, threshold)
}
