import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { execStep } from '../../../src/model/plan.js'
import { ExecaRunner } from '../../../src/runner/execa-runner.js'

// A binary file (an lz4 part would do the same): bytes that are not valid UTF-8 must hash as bytes.
const file = fileURLToPath(new URL('../../fixtures/pg_rman/1.3.19/file-list-full/stored/base-1-112', import.meta.url))

describe('ExecaRunner digestStdout', () => {
  it('hashes the bytes a program writes instead of keeping them', async () => {
    const bytes = Buffer.concat([readFileSync(file), Buffer.from([0xff, 0xfe, 0x00, 0x80])])
    const r = await new ExecaRunner().run(execStep('cat', 'cat', [process.execPath, '-e', `process.stdout.write(Buffer.from(${JSON.stringify(bytes.toString('base64'))}, 'base64'))`]), { digestStdout: true })
    expect(r.ok).toBe(true)
    expect(r.stdout).toBe('')
    expect(r.stdoutDigest).toEqual({ sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') })
  })

  it('keeps stdout and gives no digest without the option', async () => {
    const r = await new ExecaRunner().run(execStep('echo', 'echo', [process.execPath, '-e', 'process.stdout.write("hi")']))
    expect(r.stdout).toBe('hi')
    expect(r.stdoutDigest).toBeUndefined()
  })
})
