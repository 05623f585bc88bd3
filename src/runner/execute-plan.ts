/**
 * Runs a Plan step by step, or, under --dry-run, describes each mutating step instead of running
 * it (read-only steps still run: they are how the rest of the plan is decided). This is the one
 * executor: what --dry-run prints is exactly what a real run would do.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { RefusedError, ToolError, WalNotArchivedError, type ToolFailure } from '../errors.js'
import type { ExecStep, Plan, SetGucsStep, Step } from '../model/plan.js'
import { quoteGucValue, shellQuote } from '../model/recovery-settings.js'
import { archiveCopy, archiveFetch, ArchivedFileChanged, ArchivedFileMissing, ArchiveMismatchError, mkdirMode, writeFileDurable } from '../util/durable-fs.js'
import { redactor } from '../util/redact.js'
import type { ProcessResult, Runner, StepOutputs } from './runner.js'

export type Classifier = (step: ExecStep, result: ProcessResult) => ToolFailure

export interface PlanContext {
  readonly runner: Runner
  readonly dryRun: boolean
  /** receives the dry-run description, one line at a time */
  readonly dryRunOut: (line: string) => void
  readonly classify: Classifier
  /** runs a sql step's statement on the cluster (the caller owns the connection: runner/ never imports pg) */
  readonly runSql?: (sql: string) => Promise<void>
  readonly onLine?: (line: string) => void
  readonly signal?: AbortSignal
}

export async function executePlan(plan: Plan, ctx: PlanContext): Promise<Map<string, ProcessResult>> {
  const outputs = new Map<string, ProcessResult>()
  if (ctx.dryRun && plan.steps.some(isMutating)) ctx.dryRunOut(`# ${plan.title}`)
  for (const step of plan.steps) {
    if (ctx.dryRun && isMutating(step)) {
      for (const line of describeStep(step)) ctx.dryRunOut(line)
      continue
    }
    const r = await runStep(step, ctx)
    if (r) outputs.set(step.id, r)
  }
  return outputs
}

export function isMutating(step: Step): boolean {
  if (step.kind === 'archive-fetch') return false // reads the archive (catalog reads need it under --dry-run too)
  return step.kind === 'exec' || step.kind === 'sql' ? step.mutates : true
}

async function runStep(step: Step, ctx: PlanContext): Promise<ProcessResult | undefined> {
  switch (step.kind) {
    case 'exec': {
      const r = await ctx.runner.run(step, { ...(ctx.onLine ? { onLine: ctx.onLine } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) })
      if (!r.ok) throw new ToolError(ctx.classify(step, r))
      return r
    }
    case 'write-file':
      await mkdirMode(path.dirname(step.path))
      await writeFileDurable(step.path, step.content, step.mode)
      return undefined
    case 'mkdir':
      if (step.exclusive) {
        await mkdirMode(path.dirname(step.path))
        await fs.mkdir(step.path, { mode: step.mode }).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'EEXIST') throw new RefusedError(`${step.path} already exists`, { hint: 'another run made it a moment ago: retry' })
          throw e
        })
      } else await mkdirMode(step.path, step.mode)
      await fs.chmod(step.path, step.mode)
      return undefined
    case 'set-gucs':
      await applyGucs(step)
      return undefined
    case 'sql': {
      if (!ctx.runSql) throw new Error(`sql step ${step.id} needs a connection`)
      await ctx.runSql(step.sql)
      return undefined
    }
    case 'archive-copy': {
      try {
        const r = await archiveCopy(step.src, step.destDir)
        if (r.outcome === 'repaired') process.stderr.write(`pitrctl: ${path.basename(step.src)} in ${step.destDir} was a torn copy (${r.bytes} bytes expected); replaced with the complete file\n`)
      } catch (e) {
        if (e instanceof ArchiveMismatchError)
          throw new ToolError({ kind: 'archive-mismatch', tool: 'pitrctl', summary: e.message, exitCode: undefined, argv: ['archive-copy', step.src, step.destDir], stderrTail: [] })
        throw e
      }
      return undefined
    }
    case 'archive-fetch': {
      try {
        await archiveFetch(step.src, step.dest, step.indexEntry)
      } catch (e) {
        if (e instanceof ArchivedFileMissing) throw new WalNotArchivedError(path.basename(step.src))
        if (e instanceof ArchivedFileChanged)
          throw new ToolError({ kind: 'corrupt', tool: 'native', summary: e.message, exitCode: undefined, argv: ['wal-fetch', path.basename(step.src)], stderrTail: [`recorded ${e.recordedSha256}`, `now      ${e.actualSha256}`] })
        throw e
      }
      return undefined
    }
  }
}

/** comment out earlier lines for these names (never delete), then append one block */
export function renderGucEdit(current: string, settings: Readonly<Record<string, string | null>>, stamp: string): string {
  const names = new Set(Object.keys(settings).map((k) => k.toLowerCase()))
  const lines = current === '' ? [] : current.replace(/\n$/, '').split('\n')
  const kept = lines.map((line) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=|\s)/.exec(line)
    return m && names.has(m[1]!.toLowerCase()) ? `# ${line}   # replaced by pitrctl ${stamp}` : line
  })
  const block = Object.entries(settings)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} = ${quoteGucValue(v!)}`)
  if (block.length) kept.push(`# written by pitrctl ${stamp}`, ...block)
  return `${kept.join('\n')}\n`
}

async function applyGucs(step: SetGucsStep): Promise<void> {
  const current = await fs.readFile(step.path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return ''
    throw e
  })
  const mode = await fs.stat(step.path).then((s) => s.mode & 0o777, () => 0o600)
  await writeFileDurable(step.path, renderGucEdit(current, step.settings, new Date().toISOString()), mode)
}

export function describeStep(step: Step): string[] {
  switch (step.kind) {
    case 'exec': {
      const env = Object.entries(step.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`)
      const secret = Object.keys(step.secretEnv ?? {}).map((k) => `${k}=********`)
      const cmd = [...env, ...secret, ...step.argv.map((a) => shellQuote(redactor.redact(a)))].join(' ')
      return [`run: ${cmd}${step.stdoutFile ? ` > ${shellQuote(step.stdoutFile)}` : ''}${step.cwd ? `   (in ${step.cwd})` : ''}`]
    }
    case 'write-file':
      return step.secret
        ? [`write ${step.path} (mode ${step.mode.toString(8)}; holds secrets, content not shown)`]
        : [`write ${step.path} (mode ${step.mode.toString(8)}):`, ...step.content.replace(/\n$/, '').split('\n').map((l) => `    ${redactor.redact(l)}`)]
    case 'mkdir':
      return [`mkdir ${step.path} (mode ${step.mode.toString(8)})`]
    case 'set-gucs':
      return [`set in ${step.path}:`, ...Object.entries(step.settings).map(([k, v]) => (v === null ? `    ${k} (comment out)` : `    ${k} = ${quoteGucValue(redactor.redact(v))}`))]
    case 'sql':
      return [`sql: ${redactor.redact(step.sql)}`]
    case 'archive-copy':
      return [`archive ${step.src} into ${step.destDir}/ (fsync; refuses a different file of the same name)`]
    case 'archive-fetch':
      return [`fetch ${step.src} to ${step.dest}${step.indexEntry ? ' (checked against its archive-time sha256)' : ''}`]
  }
}

/** for steps that are not a tool's (pg_ctl, pg_basebackup …): last stderr line as the summary */
export function genericClassify(tool: string): Classifier {
  return (step, r) => {
    const tail = r.stderr.trim().split('\n').filter(Boolean)
    return {
      kind: r.spawnError === 'program not found' ? 'not-installed' : r.timedOut ? 'timeout' : 'unknown',
      tool,
      summary: r.spawnError ? `${step.argv[0]}: ${r.spawnError}` : `${step.title} failed${tail.length ? `: ${tail[tail.length - 1]}` : ''}`,
      exitCode: r.exitCode,
      argv: r.argv,
      stderrTail: tail.slice(-8),
    }
  }
}

export type { StepOutputs }
