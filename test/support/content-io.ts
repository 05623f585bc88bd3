/** ContentIO stand-ins for unit tests of readVerify/readStoredObjects (no processes, no real files) */
import type { ContentIO } from '../../src/adapters/adapter.js'
import type { ExecStep } from '../../src/model/plan.js'
import type { ProcessResult } from '../../src/runner/runner.js'
import type { FileDigest } from '../../src/util/digest.js'

/** for adapters whose readVerify must not read anything itself: every call fails the test */
export const unusedContentIO: ContentIO = {
  lockHeld: () => Promise.reject(new Error('lockHeld called')),
  run: (s) => Promise.reject(new Error(`run called: ${s.argv.join(' ')}`)),
  readFile: (p) => Promise.reject(new Error(`readFile called: ${p}`)),
  listDir: (p) => Promise.reject(new Error(`listDir called: ${p}`)),
  digestFile: (p) => Promise.reject(new Error(`digestFile called: ${p}`)),
  runDigest: (s) => Promise.reject(new Error(`runDigest called: ${s.argv.join(' ')}`)),
}

export interface ScriptedContent {
  readonly files?: Readonly<Record<string, string>>
  readonly digests?: Readonly<Record<string, FileDigest>>
  /** keyed by the step's argv joined with spaces */
  readonly runs?: Readonly<Record<string, ProcessResult>>
  readonly runDigests?: Readonly<Record<string, ProcessResult>>
}

/** answers from tables; an unexpected call fails the test (ScriptedRunner's rule) */
export function scriptedContentIO(s: ScriptedContent, calls: string[] = []): ContentIO {
  const key = (step: ExecStep) => step.argv.join(' ')
  const from = <T>(table: Readonly<Record<string, T>> | undefined, k: string, what: string): T => {
    calls.push(`${what} ${k}`)
    if (!table || !(k in table)) throw new Error(`unexpected ${what}: ${k}`)
    return table[k]!
  }
  return {
    lockHeld: async () => false,
    run: async (step) => from(s.runs, key(step), 'run'),
    readFile: async (p) => {
      calls.push(`readFile ${p}`)
      return s.files?.[p]
    },
    listDir: async () => [],
    digestFile: async (p) => {
      calls.push(`digestFile ${p}`)
      return s.digests?.[p]
    },
    runDigest: async (step) => from(s.runDigests, key(step), 'runDigest'),
  }
}
