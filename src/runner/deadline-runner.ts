/**
 * A Runner decorator that bounds everything started inside `within(ms, …)`: each child gets the
 * time that is left as its timeout and is killed when the deadline passes, and a step started
 * after it (work that went on in the background) does not start at all. The deadline travels
 * with the async work (AsyncLocalStorage), so parts run one after another cannot mix their
 * budgets. `pitrctl metrics` uses it so that a scrape never hangs on a tool.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { AppError, EXIT } from '../errors.js'
import type { ExecStep } from '../model/plan.js'
import { redactor } from '../util/redact.js'
import type { ProcessResult, RunOptions, Runner } from './runner.js'

export class DeadlineError extends AppError {
  readonly exitCode = EXIT.toolFailed
}

interface Budget {
  readonly until: number
  readonly signal: AbortSignal
}

export class DeadlineRunner implements Runner {
  private readonly budget = new AsyncLocalStorage<Budget>()

  constructor(private readonly inner: Runner) {}

  /** run `fn` with at most `ms` milliseconds; rejects with a DeadlineError naming `what` when they pass */
  async within<T>(ms: number, what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ac = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort()
        reject(new DeadlineError(`${what} did not finish within ${ms / 1000}s`, { hint: 'the tool or the repository is slow or hanging; raise PITRCTL_METRICS_TIMEOUT_MS if it is only slow' }))
      }, ms)
    })
    try {
      return await Promise.race([deadline, this.budget.run({ until: Date.now() + ms, signal: ac.signal }, () => fn(ac.signal))])
    } finally {
      clearTimeout(timer)
      ac.abort() // whatever of fn is still running stops starting children
    }
  }

  run(step: ExecStep, opts: RunOptions = {}): Promise<ProcessResult> {
    const b = this.budget.getStore()
    if (!b) return this.inner.run(step, opts)
    const left = b.until - Date.now()
    if (b.signal.aborted || left <= 0) return Promise.resolve(notStarted(step))
    const signal = opts.signal ? AbortSignal.any([opts.signal, b.signal]) : b.signal
    return this.inner.run({ ...step, timeoutMs: Math.min(step.timeoutMs ?? left, left) }, { ...opts, signal })
  }
}

function notStarted(step: ExecStep): ProcessResult {
  return { argv: step.argv.map((a) => redactor.redact(a)), exitCode: undefined, signal: undefined, stdout: '', stderr: 'not started: past the deadline', durationMs: 0, timedOut: true, ok: false }
}
