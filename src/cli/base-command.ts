/**
 * The one place that turns errors into the contract's stderr line, `--json` error object and
 * exit code, and that prints a command's result (JSON on stdout with --json, text otherwise).
 */
import { Command, Flags, type Interfaces } from '@oclif/core'
import { AppError, EXIT } from '../errors.js'
import { redactor } from '../util/redact.js'
import { createContext, type AppContext } from '../services/context.js'
import { progressFor, type Progress } from './progress.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    config: Flags.string({ description: 'pitrctl.ini to use (default: $PITRCTL_CONFIG, ./pitrctl.ini, ~/.config/pitrctl/pitrctl.ini, /etc/pitrctl/pitrctl.ini)', helpGroup: 'GLOBAL' }),
    cluster: Flags.string({ char: 'c', description: 'cluster (section of pitrctl.ini); optional when there is one', helpGroup: 'GLOBAL' }),
    json: Flags.boolean({ description: 'machine output on stdout, nothing else there', helpGroup: 'GLOBAL', default: false }),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  private jsonMode = process.argv.includes('--json')

  public override async init(): Promise<void> {
    await super.init()
    const { args, flags } = await this.parse({ flags: this.ctor.flags, baseFlags: (this.ctor as typeof BaseCommand).baseFlags, args: this.ctor.args, strict: this.ctor.strict })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    this.jsonMode = Boolean((flags as { json?: boolean }).json)
  }

  protected get json(): boolean {
    return this.jsonMode
  }

  protected progress(): Progress {
    return progressFor({ json: this.json })
  }

  protected async context(opts: { dryRun?: boolean } = {}): Promise<AppContext> {
    const f = this.flags as { config?: string; cluster?: string }
    return createContext({ configFlag: f.config, cluster: f.cluster, progress: this.progress(), dryRun: opts.dryRun ?? false })
  }

  /** print the result: JSON with --json, else the text `render` makes */
  protected emit<R>(result: R, render: (r: R) => string, ctx?: AppContext): void {
    const dry = ctx?.dryRun ? ctx.dryRunLines : undefined
    if (this.json) {
      process.stdout.write(`${JSON.stringify(dry ? { ...(result as object), dryRun: dry } : result, null, 2)}\n`)
      return
    }
    if (dry) process.stdout.write(`Dry run: nothing was changed. A real run would do, in order:\n${dry.map((l) => `  ${l}`).join('\n')}\n\n`)
    const text = render(result)
    if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  /** a finished command whose result is a failure (verify found a problem, check failed) */
  protected failWith(code: number, message: string, hint: string): void {
    process.stderr.write(`pitrctl: ${redactor.redact(message)} — ${hint}\n`)
    process.exitCode = code
  }

  public override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    if (err instanceof AppError) return this.report(err.exitCode, err.message, err.hint, err.details)
    // oclif's own parse errors (bad flag, missing argument) are usage errors
    if (err.oclif?.exit !== undefined && err.oclif.exit !== 0) return this.report(EXIT.usage, err.message.split('\n')[0] ?? 'usage error', 'see --help', [])
    if (err.oclif?.exit === 0) return
    const debug = process.env.PITRCTL_DEBUG === '1' || process.argv.includes('--debug')
    return this.report(EXIT.toolFailed, `internal error: ${err.message}`, 'this is a bug in pitrctl; rerun with PITRCTL_DEBUG=1 and report it', debug && err.stack ? err.stack.split('\n').slice(1) : [])
  }

  private report(code: number, message: string, hint: string | undefined, details: readonly string[]): void {
    const msg = redactor.redact(message)
    process.stderr.write(`pitrctl: ${msg}${hint ? ` — ${redactor.redact(hint)}` : ''}\n`)
    for (const d of details) process.stderr.write(`  ${redactor.redact(d)}\n`)
    if (this.json) process.stdout.write(`${JSON.stringify({ error: { code, message: msg } })}\n`)
    process.exitCode = code
  }
}
