/**
 * A real S3 server (SeaweedFS on loopback) for one integration test file. `s3SkipReason()` at the
 * top of the file decides whether it can run: weed installed (after waiting for a build that is
 * under way), else a reason the test prints — except in CI, which must run the S3 tests and so
 * fails instead of skipping.
 *
 *   const skip = await s3SkipReason()
 *   describe.skipIf(skip !== undefined)(`… on S3${skip ? ` (skipped: ${skip})` : ''}`, () => {
 *     let s3: TestS3
 *     beforeAll(async () => { s3 = await startS3ForTest() })
 *     afterAll(async () => { await s3?.destroy() })
 *     … s3.ini('walg') gives the repo and s3-* lines of a cluster section …
 *   })
 */
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { findWeed, s3IniLines, startSeaweedfs, type S3Sandbox } from '../../src/sandbox/seaweedfs.js'

export { s3IniLines }
import { isRoot, lookupUser } from '../../src/util/identity.js'

const INSTALL = path.resolve('scripts/install-seaweedfs.sh')

export interface TestS3 extends S3Sandbox {
  /** the pitrctl.ini lines for a cluster section keeping its repository at s3://BUCKET/PREFIX */
  ini(prefix: string): string
  /** stop the server and remove its temporary directory */
  destroy(): Promise<void>
}

/** why the S3 tests cannot run here, or undefined when they can; throws in CI instead */
export async function s3SkipReason(): Promise<string | undefined> {
  if (await findWeed()) return undefined
  // setup.sh may be building it in the background right now: wait for that build.
  process.stderr.write('weed (SeaweedFS) is not installed yet: waiting for a build in progress, if any\n')
  spawnSync('bash', [INSTALL, '--wait'], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (await findWeed()) return undefined
  const reason = 'weed (SeaweedFS) is not installed: run scripts/install-seaweedfs.sh'
  if (process.env.CI) throw new Error(`CI must run the S3 tests, but ${reason}`)
  return reason
}

/** a fresh server in a temporary directory, one bucket, run as postgres when the caller is root */
export async function startS3ForTest(o: { bucket?: string } = {}): Promise<TestS3> {
  const runAs = isRoot() ? lookupUser('postgres') : undefined
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pitrctl-s3-'))
  await fs.chmod(dir, 0o755)
  if (runAs) await fs.chown(dir, runAs.uid, runAs.gid)
  let s3: S3Sandbox
  try {
    s3 = await startSeaweedfs({ dir, bucket: o.bucket ?? 'pitrctl-test', runAs })
  } catch (e) {
    await fs.rm(dir, { recursive: true, force: true })
    throw e
  }
  return {
    ...s3,
    ini: (prefix: string) => s3IniLines(s3, prefix),
    async destroy() {
      await s3.resume().catch(() => undefined)
      await s3.stop()
      // the test's own temporary directory: no user data lives here
      await fs.rm(dir, { recursive: true, force: true })
    },
  }
}
