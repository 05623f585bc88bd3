import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Adapter, ToolEnv } from '../../../src/adapters/adapter.js'
import { adapterFor } from '../../../src/adapters/registry.js'
import { fetchedWalProblem } from '../../../src/model/fetched-wal.js'
import { TOOL_IDS, type ToolId } from '../../../src/model/tool-id.js'
import { checkFetchedWal, checkedRestoreCommand, checkedWalFetch, UnusableArchivedWalError } from '../../../src/services/checked-wal-fetch.js'
import type { Plan } from '../../../src/model/plan.js'

const FIX = 'test/fixtures/native/15.20/fetched-wal'
const NAME = '000000010000000000000002'
// a whole real segment (meta.json), 16 MiB once decompressed
const SEGMENT = gunzipSync(readFileSync(`${FIX}/${NAME}.gz`))
const SHA = (JSON.parse(readFileSync(`${FIX}/meta.json`, 'utf8')) as { sha256: string }).sha256
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const facts = (b: Buffer, name = NAME, recordedSha256: string | null = null) => ({ name, bytes: b.length, head: b.subarray(0, 40), recordedSha256, sha256: recordedSha256 ? sha(b) : null })

describe('a fetched WAL file is checked before PostgreSQL gets it', () => {
  it('the real segment is sound, with or without its recorded sha256', () => {
    expect(SEGMENT.length).toBe(16 * 1024 * 1024)
    expect(sha(SEGMENT)).toBe(SHA)
    expect(fetchedWalProblem(facts(SEGMENT))).toBeUndefined()
    expect(fetchedWalProblem(facts(SEGMENT, NAME, SHA))).toBeUndefined()
  })
  it('a torn copy (a strict prefix, as a killed wal-push leaves) is refused for its size', () => {
    expect(fetchedWalProblem(facts(SEGMENT.subarray(0, 4 * 1024 * 1024)))).toBe('it is 4194304 bytes instead of 16777216 (an incomplete copy)')
    expect(fetchedWalProblem(facts(SEGMENT.subarray(0, 12)))).toBe('it is only 12 bytes (an incomplete copy)')
    expect(fetchedWalProblem(facts(Buffer.alloc(0)))).toBe('it is only 0 bytes (an incomplete copy)')
  })
  it('a copy under another name (recycled or misnamed) is refused for its page address', () => {
    expect(fetchedWalProblem(facts(SEGMENT, '000000010000000000000005'))).toMatch(/^its first page is at 0x2000000, not where 000000010000000000000005 begins/)
    // an older timeline in the header is how a new timeline's first segment starts; a newer one is not
    expect(fetchedWalProblem(facts(SEGMENT, '000000020000000000000002'))).toBeUndefined()
  })
  it('zeros of the full size (a preallocated file) have no page header', () => {
    expect(fetchedWalProblem(facts(Buffer.alloc(16 * 1024 * 1024)))).toBe('it does not start with a WAL page header (not a complete copy of a segment)')
  })
  it('a complete copy whose sha256 differs from the WAL index is refused', () => {
    const changed = Buffer.from(SEGMENT)
    changed[100_000] = changed[100_000]! ^ 0xff
    expect(fetchedWalProblem({ ...facts(changed), recordedSha256: SHA, sha256: sha(changed) })).toMatch(/^its sha256 [0-9a-f]{16}… differs from the f18033659c1892e9… recorded/)
  })
  it('another cluster segment size than the header says is refused', () => {
    expect(fetchedWalProblem({ ...facts(SEGMENT), segmentBytes: 64 * 1024 * 1024 })).toBe('its header gives segment size 16777216, the cluster uses 67108864')
  })
  it('history, .backup and .partial files pass through', () => {
    for (const n of ['00000002.history', `${NAME}.00000028.backup`, `${NAME}.partial`]) expect(fetchedWalProblem({ ...facts(Buffer.from('x')), name: n })).toBeUndefined()
  })
})

function envFor(tool: ToolId, stateDir = '/r/.pitrctl'): ToolEnv {
  return {
    cluster: 'main', tool, mode: 'managed', repoDir: `/r/${tool}`, options: {}, osUser: 'postgres', pgMajor: 15,
    pg: { pgdata: '/var/lib/postgresql/15/main', binDir: '/usr/lib/postgresql/15/bin', host: '/var/run/postgresql', port: 5432, user: 'postgres', database: 'postgres' },
    pitrctl: ['/usr/bin/node', '/opt/pitrctl/bin/run.js'], configPath: '/etc/pitrctl/pitrctl.ini', stateDir,
  }
}

describe("every tool's restore_command is pitrctl's checked wal-fetch", () => {
  it.each(TOOL_IDS.map((t) => [t]))('%s', (tool) => {
    expect(checkedRestoreCommand(envFor(tool))).toBe(`/usr/bin/node /opt/pitrctl/bin/run.js wal-fetch --config /etc/pitrctl/pitrctl.ini --cluster main --tool ${tool} %f %p`)
  })
})

describe('checkedWalFetch gives DEST its name only when the fetched file is sound', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pitrctl-fetched-'))
  const state = path.join(dir, 'state')
  mkdirSync(path.join(state, 'wal-index'), { recursive: true })
  // a stand-in for the tool's get: the plan's destination receives `content`
  const fakeExec = (content: Buffer) => async (p: Plan) => {
    const step = p.steps[0]! as { argv?: readonly string[]; dest?: string; stdoutFile?: string }
    const dest = step.dest ?? step.stdoutFile ?? step.argv![step.argv!.length - 1]!
    expect(path.basename(dest)).toMatch(/^\.RECOVERYXLOG\.pitrctl-fetch-\d+$/)
    writeFileSync(dest, content)
  }
  const adapter = adapterFor('walg') as Adapter
  it('a good copy becomes DEST', async () => {
    const dest = path.join(dir, 'RECOVERYXLOG')
    await checkedWalFetch(fakeExec(SEGMENT), adapter, envFor('walg', state), NAME, dest)
    expect(sha(readFileSync(dest))).toBe(SHA)
  })
  it('a torn copy fails and leaves no DEST and no temp file', async () => {
    const d2 = mkdtempSync(path.join(os.tmpdir(), 'pitrctl-fetched-'))
    const dest = path.join(d2, 'RECOVERYXLOG')
    await expect(checkedWalFetch(fakeExec(SEGMENT.subarray(0, 1_000_000)), adapter, envFor('walg', state), NAME, dest)).rejects.toThrow(UnusableArchivedWalError)
    expect(await import('node:fs/promises').then((f) => f.readdir(d2))).toEqual([])
  })
  it("the WAL index's sha256 is checked", async () => {
    writeFileSync(path.join(state, 'wal-index', `${NAME}.json`), JSON.stringify({ name: NAME, sha256: 'ab'.repeat(32) }))
    expect(await checkFetchedWal(envFor('walg', state), NAME, (writeFileSync(path.join(dir, 'x'), SEGMENT), path.join(dir, 'x')))).toMatch(/differs from the abababababababab… recorded/)
  })
})
