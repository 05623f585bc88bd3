/**
 * `pitrctl expire`: read every tool's catalog under the cluster lock, let model/retention.ts
 * decide, ask (or take --yes), then have each tool delete with its own commands and expire its
 * WAL, and read each catalog back to prove it did exactly what was decided.
 */
import { RefusedError, ToolError, UsageError } from '../errors.js'
import type { Catalog } from '../model/catalog.js'
import { checkExpired, decideRetention, oldestRemaining, type DeleteScope, type RetentionDecision, type ToolDecision, type Verdict } from '../model/retention.js'
import type { ToolId } from '../model/tool-id.js'
import { computeWindows } from '../model/window.js'
import { hasRetentionPolicy } from '../config/retention.js'
import type { AppContext } from './context.js'
import { readCatalog } from './catalog.js'
import { readCatalogs, toWindowJson, type WindowJson } from './list.js'
import { withLock } from './lock.js'
import { loadPins, pinKeys } from './pins.js'

export interface ExpireOptions {
  readonly yes: boolean
  /** asks on a terminal; undefined when there is none */
  readonly confirm: ((question: string) => Promise<boolean>) | undefined
  /** run by expire-auto after a backup: no question */
  readonly auto: boolean
}

/** the contract's `expire --json` object; `details` (not enumerable: not in the JSON) feeds the text */
export interface ExpireResult {
  readonly cluster: string
  readonly deleted: readonly Verdict[]
  readonly kept: readonly Verdict[]
  readonly window: readonly WindowJson[]
}

export interface ExpireDetails {
  readonly settings: string
  readonly promisedFrom: string | null
  readonly windowBefore: readonly WindowJson[]
  readonly wal: readonly { tool: ToolId; timeline: number; before: string | null; segments: number }[]
  readonly walHow: readonly string[]
  readonly dryRun: boolean
}

export function detailsOf(r: ExpireResult): ExpireDetails | undefined {
  return (r as { details?: ExpireDetails }).details
}

function withDetails(r: ExpireResult, details: ExpireDetails): ExpireResult {
  Object.defineProperty(r, 'details', { value: details, enumerable: false })
  return r
}

export function describeSettings(ctx: AppContext): string {
  const r = ctx.cluster.retention
  return [
    r.full !== undefined ? `retention-full = ${r.full}` : undefined,
    r.diff !== undefined ? `retention-diff = ${r.diff}` : undefined,
    r.windowText !== undefined ? `retention-window = ${r.windowText}` : undefined,
  ].filter(Boolean).join(', ')
}

export async function expireCluster(ctx: AppContext, o: ExpireOptions): Promise<ExpireResult> {
  const settings = ctx.cluster.retention
  if (!hasRetentionPolicy(settings))
    throw new UsageError(`cluster ${ctx.cluster.name} has no retention setting: expire would not know what may go`, {
      hint: `set retention-full and/or retention-window (and retention-diff) in [${ctx.cluster.name}] or [global] of ${ctx.config.file}`,
    })
  const tools = [...ctx.cluster.tools]
  return withLock(ctx.stateDir, ctx.cluster.name, 'expire', ctx.dryRun, async () => {
    const catalogs = await ctx.progress.task('read the catalogs and the archived WAL', () => readCatalogs(ctx, tools, true))
    const pins = pinKeys(await loadPins(ctx.stateDir))
    const deleteScope = Object.fromEntries(tools.map((t) => [t, ctx.adapter(t).capabilities.deleteScope])) as Record<ToolId, DeleteScope>
    const decision = decideRetention({ catalogs, settings, pins, now: new Date(), deleteScope })
    const walHow: string[] = []
    const work = decision.tools.map((d) => ({ d, plans: plansFor(ctx, d, [...catalogs.find((c) => c.tool === d.tool)!.wal.segments].sort(), walHow) }))
    const anything = work.some((w) => w.plans.delete !== undefined || (w.plans.wal !== undefined && w.plans.wal.steps.length > 0))

    if (anything && !o.yes && !o.auto && !ctx.dryRun) {
      const q = `Expire in cluster ${ctx.cluster.name}: delete ${decision.delete.length} backup(s) (${decision.delete.map((v) => `${v.tool} ${v.id}`).join(', ') || 'none'}) and the WAL before the oldest remaining backup? [y/N] `
      if (!o.confirm) throw new RefusedError('expire needs confirmation', { hint: 'pass --yes (there is no terminal to ask on), or look first with --dry-run' })
      if (!(await o.confirm(q))) throw new RefusedError('expire not confirmed', { hint: 'nothing was deleted' })
    }

    const after: Catalog[] = []
    for (const { d, plans } of work) {
      if (plans.delete) await ctx.progress.task(`${d.tool}: delete ${d.delete.map((b) => b.id).join(', ')}`, () => ctx.execute(plans.delete!, d.tool))
      if (plans.wal && plans.wal.steps.length) await ctx.progress.task(`${d.tool}: ${plans.wal.title.replace(/^[^:]*: /, '')}`, () => ctx.execute(plans.wal!, d.tool))
      if (ctx.dryRun) continue
      const reread = plans.delete || plans.wal?.steps.length ? await readCatalog(ctx, d.tool, { fillIndex: true }) : catalogs.find((c) => c.tool === d.tool)!
      const problems = checkExpired(d, reread)
      if (problems.length)
        throw new ToolError(
          { kind: 'unknown', tool: d.tool, summary: `after its delete the catalog is not what pitrctl decided: ${problems[0]}`, exitCode: 0, argv: [], stderrTail: problems.slice(1, 8) },
          'run `pitrctl list` and `pitrctl verify`; take a new full backup if the window is short',
        )
      after.push(reread)
    }
    const spans = ctx.dryRun ? decision.tools.flatMap((d) => d.windowAfter) : after.flatMap((c) => computeWindows(c.tool, c.backups, c.wal))
    const result: ExpireResult = { cluster: ctx.cluster.name, deleted: decision.delete, kept: decision.keep, window: spans.map(toWindowJson) }
    return withDetails(result, {
      settings: describeSettings(ctx),
      promisedFrom: decision.promisedFrom,
      windowBefore: decision.tools.flatMap((d) => d.windowBefore).map(toWindowJson),
      wal: decision.tools.flatMap((d) => d.wal.map((c) => ({ tool: c.tool, timeline: c.timeline, before: c.before, segments: c.segments.length }))),
      walHow,
      dryRun: ctx.dryRun,
    })
  })
}

function plansFor(ctx: AppContext, d: ToolDecision, archived: readonly string[], walHow: string[]) {
  const adapter = ctx.adapter(d.tool)
  const env = ctx.env(d.tool)
  const del = d.delete.length ? adapter.planDelete(env, { backups: d.delete }) : undefined
  const oldest = oldestRemaining(d)
  const segments = d.wal.flatMap((c) => c.segments)
  const wal = oldest && (segments.length || d.delete.length)
    ? adapter.planWalExpire(env, { oldest, segments, archived, deleted: d.delete, remainingFulls: d.remaining.filter((b) => b.type === 'full').length })
    : undefined
  if (wal) walHow.push(wal.how)
  return { delete: del, wal }
}

export type { RetentionDecision }
