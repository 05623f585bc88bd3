import { describe, expect, it } from 'vitest'
import { execStep, type ExecStep } from '../../../src/model/plan.js'
import { DeadlineError, DeadlineRunner } from '../../../src/runner/deadline-runner.js'
import type { ProcessResult, RunOptions, Runner } from '../../../src/runner/runner.js'

/** records what it was asked to run; `hang` steps only end when their signal aborts */
class FakeRunner implements Runner {
  readonly calls: { step: ExecStep; signal: AbortSignal | undefined }[] = []
  run(step: ExecStep, opts: RunOptions = {}): Promise<ProcessResult> {
    this.calls.push({ step, signal: opts.signal })
    const done = (timedOut: boolean): ProcessResult => ({ argv: [...step.argv], exitCode: timedOut ? undefined : 0, signal: timedOut ? 'SIGTERM' : undefined, stdout: '', stderr: '', durationMs: 0, timedOut, ok: !timedOut })
    if (step.argv[0] !== 'hang') return Promise.resolve(done(false))
    return new Promise((resolve) => opts.signal?.addEventListener('abort', () => resolve(done(true))))
  }
}

const step = (argv0: string, timeoutMs?: number) => execStep('s', argv0, [argv0], { mutates: false, ...(timeoutMs === undefined ? {} : { timeoutMs }) })

describe('DeadlineRunner', () => {
  it('outside within() passes steps through untouched', async () => {
    const fake = new FakeRunner()
    await new DeadlineRunner(fake).run(step('true'))
    expect(fake.calls[0]!.step.timeoutMs).toBeUndefined()
    expect(fake.calls[0]!.signal).toBeUndefined()
  })

  it('inside within() gives each step at most the time left, and a signal', async () => {
    const fake = new FakeRunner()
    const r = new DeadlineRunner(fake)
    await r.within(60_000, 'x', async () => {
      await r.run(step('a'))
      await r.run(step('b', 1_000))
      await r.run(step('c', 600_000))
    })
    const [a, b, c] = fake.calls.map((k) => k.step.timeoutMs!)
    expect(a).toBeLessThanOrEqual(60_000)
    expect(a).toBeGreaterThan(0)
    expect(b).toBe(1_000)
    expect(c).toBeLessThanOrEqual(60_000)
    expect(fake.calls.every((k) => k.signal !== undefined)).toBe(true)
  })

  it('on the deadline: rejects naming the part, kills the running child, starts no further step', async () => {
    const fake = new FakeRunner()
    const r = new DeadlineRunner(fake)
    let after: ProcessResult | undefined
    const background = { done: Promise.resolve() }
    const err = await r
      .within(30, 'reading the catalog of barman', async () => {
        background.done = (async () => {
          await r.run(step('hang'))
          after = await r.run(step('next'))
        })()
        await background.done
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DeadlineError)
    expect((err as DeadlineError).exitCode).toBe(1)
    expect((err as Error).message).toMatch(/reading the catalog of barman did not finish within 0.03s/)
    await background.done
    expect(fake.calls.map((k) => k.step.argv[0])).toEqual(['hang'])
    expect(fake.calls[0]!.signal!.aborted).toBe(true)
    expect(after).toMatchObject({ ok: false, timedOut: true })
  })

  it('returns what fn returns and passes errors through', async () => {
    const r = new DeadlineRunner(new FakeRunner())
    expect(await r.within(1000, 'x', async () => 42)).toBe(42)
    await expect(r.within(1000, 'x', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
  })
})
