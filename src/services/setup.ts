/**
 * `pitrctl setup`: each tool's config and repository, pitrctl's archive_command, and proof that
 * a switched segment arrives in every repository.
 */
import { constants, promises as fs } from 'node:fs'
import { RefusedError, UsageError } from '../errors.js'
import { plan } from '../model/plan.js'
import { quoteSqlLiteral } from '../model/recovery-settings.js'
import { withPg } from '../pg/client.js'
import { archiveCommand, ensureArchived } from './archiving.js'
import type { AppContext } from './context.js'
import { withLock } from './lock.js'
import { readIndexEntry } from './wal-index.js'

export interface SetupResult {
  readonly cluster: string
  readonly tools: readonly string[]
  readonly archiveCommand: string
  readonly restartRequired: readonly string[]
  /** the segment that proved archiving works, or null when a restart must come first */
  readonly provedWith: string | null
}

export async function setupCluster(ctx: AppContext): Promise<SetupResult> {
  return withLock(ctx.stateDir, ctx.cluster.name, 'setup', ctx.dryRun, async () => {
    const [node, entry] = ctx.env(ctx.cluster.tools[0]).pitrctl
    for (const p of [node, entry!])
      await fs.access(p, constants.R_OK).catch(() => {
        throw new RefusedError(`${p} cannot be read by ${ctx.osUser}: PostgreSQL could not run the archive_command`, { hint: 'install pitrctl where the run-as user can read it (e.g. /opt/pitrctl)' })
      })
    await fs.access(ctx.config.file, constants.R_OK).catch(() => {
      throw new RefusedError(`${ctx.config.file} cannot be read by ${ctx.osUser}`, { hint: `let ${ctx.osUser} read it (it needs it for every archived segment)` })
    })
    for (const tool of ctx.cluster.tools) {
      const env = ctx.env(tool)
      if (env.mode === 'adopted') {
        ctx.progress.info(`${tool}: adopted setup, nothing written`)
        continue
      }
      await ctx.progress.task(`${tool}: configure the repository`, () => ctx.execute(ctx.adapter(tool).planSetup(env), tool))
    }
    const command = archiveCommand(ctx)
    const settings = await withPg(ctx.pg, (s) => s.query<{ name: string; setting: string; pending_restart: boolean }>("select name, setting, pending_restart from pg_settings where name in ('wal_level','archive_mode','archive_command','archive_library')"))
    const get = (n: string) => settings.find((r) => r.name === n)?.setting ?? ''
    if (get('archive_library') !== '')
      throw new UsageError(`archive_library is set (${get('archive_library')}): PostgreSQL uses it instead of archive_command`, { hint: 'reset archive_library, then run setup again' })
    const sql: string[] = [`alter system set archive_command = ${quoteSqlLiteral(command)}`]
    const restartRequired: string[] = []
    if (get('wal_level') === 'minimal') {
      sql.push("alter system set wal_level = 'replica'")
      restartRequired.push('wal_level')
    }
    if (get('archive_mode') === 'off') {
      sql.push("alter system set archive_mode = 'on'")
      restartRequired.push('archive_mode')
    }
    sql.push('select pg_reload_conf()')
    await ctx.execute(plan('set archive_command', sql.map((q, i) => ({ kind: 'sql' as const, id: `sql-${i}`, title: q, sql: q, mutates: true }))), 'pitrctl')
    if (restartRequired.length) {
      ctx.progress.info(`restart PostgreSQL to apply ${restartRequired.join(' and ')}, then run pitrctl setup again to prove archiving`)
      return { cluster: ctx.cluster.name, tools: [...ctx.cluster.tools], archiveCommand: command, restartRequired, provedWith: null }
    }
    const proved = await ctx.progress.task('prove archiving: switch a WAL segment and wait for it in every repository', async () => {
      const seg = await ensureArchived(ctx)
      if (seg && !ctx.dryRun && !(await readIndexEntry(ctx, seg)))
        throw new RefusedError(`segment ${seg} was archived, but not by pitrctl's wal-push`, { hint: 'another archive_command may be active: check postgresql.auto.conf and postgresql.conf' })
      return seg ?? null
    })
    return { cluster: ctx.cluster.name, tools: [...ctx.cluster.tools], archiveCommand: command, restartRequired, provedWith: proved }
  })
}
