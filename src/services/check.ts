/**
 * `pitrctl check`: one line per check, all of them run even when one fails; the `alert-*`
 * thresholds come last (services/alerts.ts).
 */
import type { VerifyCheck } from '../adapters/adapter.js'
import { AppError } from '../errors.js'
import { execStep } from '../model/plan.js'
import { PITRCTL_PROGRAMS } from '../model/program-search.js'
import { TOOL_LABEL } from '../model/tool-id.js'
import { withPg } from '../pg/client.js'
import { alertChecks } from './alerts.js'
import { archiveCommand } from './archiving.js'
import type { AppContext } from './context.js'
import { tornCheck } from './torn-check.js'

export interface CheckReport {
  readonly cluster: string
  readonly ok: boolean
  /** a tool or program is missing: exit 6 rather than 1 */
  readonly missingTool: boolean
  readonly checks: readonly VerifyCheck[]
}

export async function checkCluster(ctx: AppContext): Promise<CheckReport> {
  const checks: VerifyCheck[] = [{ name: 'config', ok: true, detail: `${ctx.config.file} [${ctx.cluster.name}]` }]
  let missingTool = false
  const shown = new Set<string>()
  for (const tool of ctx.cluster.tools) {
    const adapter = ctx.adapter(tool)
    const env = ctx.env(tool)
    const step = adapter.planVersion(env)
    shown.add(step.argv[0])
    const missing = ctx.programs.missingFor([step])
    const r = missing ? undefined : await ctx.runner.run(step)
    if (!r?.ok) {
      missingTool = true
      checks.push({ name: `${tool} installed`, ok: false, detail: missing?.message ?? r?.spawnError ?? r?.stderr.trim().split('\n')[0] ?? 'not found' })
      continue
    }
    const version = adapter.readVersion(r)
    const why = ctx.pgMajor === undefined ? undefined : adapter.unsupportedReason(version, ctx.pgMajor)
    if (why) missingTool = true
    checks.push({ name: `${tool} installed`, ok: !why, detail: why ?? `${TOOL_LABEL[tool]} ${version} (${step.argv[0]})` })
  }
  // Every other program the cluster's tools and pitrctl run: the file it uses and what it says it is.
  const names = [...new Set([...PITRCTL_PROGRAMS, ...ctx.cluster.tools.flatMap((t) => ctx.adapter(t).programs(ctx.env(t)))])]
  for (const name of names) {
    const where = ctx.programs.location(name)
    if (where && shown.has(where.path)) continue
    if (!where) {
      missingTool = true
      checks.push({ name: `program ${name}`, ok: false, detail: ctx.programs.missingError(name)?.message ?? 'not found' })
      continue
    }
    const r = await ctx.runner.run(execStep(`version-${name}`, `${name} --version`, [where.path, '--version'], { mutates: false, timeoutMs: 30_000 }))
    const said = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).find((l) => l !== '')
    checks.push({ name: `program ${name}`, ok: r.ok, detail: `${where.path} (${where.source})${said ? `: ${said}` : ''}` })
  }
  let settings: Record<string, string> = {}
  try {
    settings = await withPg(ctx.pg, async (s) => {
      const rows = await s.query<{ name: string; setting: string }>("select name, setting from pg_settings where name in ('wal_level','archive_mode','archive_command','server_version_num')")
      const archiver = await s.query<{ failed: string; last_failed_wal: string | null; failing: boolean; last_archived_wal: string | null }>(
        "select failed_count::text as failed, last_failed_wal, last_archived_wal, coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false) as failing from pg_stat_archiver",
      )
      const a = archiver[0]
      checks.push({
        name: 'archiver health (pg_stat_archiver)',
        ok: !a?.failing,
        detail: a?.failing ? `archiving is failing: last failed ${a.last_failed_wal} (${a.failed} failures)` : `last archived ${a?.last_archived_wal ?? 'nothing yet'}`,
      })
      return Object.fromEntries(rows.map((r) => [r.name, r.setting]))
    })
    checks.unshift({ name: 'server reachable', ok: true, detail: `${ctx.pg.host}:${ctx.pg.port}` })
  } catch (e) {
    if (!(e instanceof AppError)) throw e
    checks.push({ name: 'server reachable', ok: false, detail: e.message })
  }
  if (Object.keys(settings).length) {
    checks.push({ name: 'wal_level', ok: ['replica', 'logical'].includes(settings.wal_level ?? ''), detail: settings.wal_level ?? '?' })
    checks.push({ name: 'archive_mode', ok: ['on', 'always'].includes(settings.archive_mode ?? ''), detail: settings.archive_mode ?? '?' })
    const managed = ctx.cluster.tools.every((t) => ctx.env(t).mode === 'managed')
    const ours = archiveCommand(ctx)
    const cmd = settings.archive_command ?? ''
    checks.push({
      name: 'archive_command',
      ok: managed ? cmd === ours : cmd !== '' && cmd !== '(disabled)',
      detail: managed && cmd !== ours ? `is ${JSON.stringify(cmd)}, expected pitrctl's wal-push (run pitrctl setup)` : cmd,
    })
  }
  for (const tool of ctx.cluster.tools) {
    try {
      await ctx.execute(ctx.adapter(tool).planCheck(ctx.env(tool)), tool)
      checks.push({ name: `${tool} repository`, ok: true, detail: 'reachable' })
      const torn = await tornCheck(ctx, tool)
      if (torn) checks.push(torn)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      checks.push({ name: `${tool} repository`, ok: false, detail: e.message })
    }
  }
  checks.push(...(await alertChecks(ctx)))
  return { cluster: ctx.cluster.name, ok: checks.every((c) => c.ok), missingTool, checks }
}
