/**
 * Progress on stderr: listr2 tasks on a terminal, plain lines without one, nothing with --json
 * (stdout then holds the JSON and nothing else).
 */
import { Listr, ListrLogger, PRESET_TIMER, ProcessOutput } from 'listr2'
import { silentProgress, type Progress } from '../util/progress.js'

export type { Progress }

export function plainProgress(stream: NodeJS.WritableStream = process.stderr): Progress {
  return {
    async task(title, fn) {
      const started = performance.now()
      stream.write(`• ${title}\n`)
      const r = await fn((line) => stream.write(`    ${line}\n`))
      stream.write(`  done: ${title} (${((performance.now() - started) / 1000).toFixed(1)}s)\n`)
      return r
    },
    info: (line) => stream.write(`  ${line}\n`),
  }
}

export function listrProgress(): Progress {
  const logger = new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) })
  // listr2 owns the terminal while a task runs: a task started inside another one (a backup inside
  // the drill's "back up with every tool") shows as the running task's output line instead.
  let current: ((line: string) => void) | undefined
  return {
    async task<T>(title: string, fn: (note: (line: string) => void) => Promise<T>): Promise<T> {
      if (current) {
        const outer = current
        outer(title)
        return fn(outer)
      }
      let result: T | undefined
      await new Listr([{ title, task: async (_ctx, t) => {
        current = (line) => { t.output = line }
        try {
          result = await fn(current)
        } finally {
          current = undefined
        }
      } }], {
        renderer: 'default',
        rendererOptions: { logger, timer: PRESET_TIMER },
        exitOnError: true,
        registerSignalListeners: false,
      }).run()
      return result as T
    },
    info: (line) => (current ? current(line) : process.stderr.write(`  ${line}\n`)),
  }
}

export function progressFor(opts: { json: boolean }): Progress {
  if (opts.json) return silentProgress
  return process.stderr.isTTY ? listrProgress() : plainProgress()
}
