/**
 * `verify` must not pass a damaged backup, whatever the tool's own checks do (issue item 6): per
 * tool, a fresh backup verifies (exit 0); then its biggest stored data file in the repository is
 * (a) overwritten with 8 KiB of garbage in the middle, (b) truncated to half, (c) deleted — one
 * backup per tool, the file's bytes put back after each case — and `verify ID --json` exits 3
 * with a failed check naming the file.
 * For stores that compress (WAL-G's tar parts, pgBackRest's .gz) the stored object is damaged.
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { setUpCluster, skipReason, type TestCluster } from '../support/cluster.js'

interface Check {
  name: string
  ok: boolean
  detail: string
  unchecked?: boolean
}

async function filesUnder(dir: string): Promise<{ file: string; size: number }[]> {
  const out: { file: string; size: number }[] = []
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...(await filesUnder(p)))
    else if (e.isFile()) out.push({ file: p, size: (await fs.stat(p)).size })
  }
  return out
}

async function findDir(root: string, name: string): Promise<string | undefined> {
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue
    const p = path.join(root, e.name)
    if (e.name === name) return p
    const deeper = await findDir(p, name)
    if (deeper) return deeper
  }
  return undefined
}

/** the directory in the repository that holds one backup's stored files */
async function backupDir(tool: string, repo: string, id: string): Promise<string> {
  const root = path.join(repo, tool)
  if (tool === 'pg_rman') {
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(id)!
    return path.join(root, 'backup', `${m[1]}${m[2]}${m[3]}`, `${m[4]}${m[5]}${m[6]}`)
  }
  const dir = await findDir(root, id)
  if (!dir) throw new Error(`no directory ${id} under ${root}`)
  return dir
}

/** the biggest stored file of the backup that holds table data (not a manifest, a list or WAL) */
async function biggestDataFile(tool: string, repo: string, id: string): Promise<string> {
  const files = (await filesUnder(await backupDir(tool, repo, id)))
    .filter((f) => /(\/base\/\d+\/\d+(\.\d+)?(\.gz|\.lz4|\.zst|\.bz2)?$)|part_\d+\.tar/.test(f.file))
    .sort((a, b) => b.size - a.size)
  if (!files[0]) throw new Error(`no data file in backup ${id}`)
  return files[0].file
}

/** what a check's detail must contain to name the file: its name without a compression suffix */
const named = (file: string) => path.basename(file).replace(/\.(gz|lz4|zst|bz2)$/, '')

const DAMAGE = {
  async overwritten(file: string) {
    const size = (await fs.stat(file)).size
    const h = await fs.open(file, 'r+')
    try {
      await h.write(randomBytes(8192), 0, 8192, Math.max(0, Math.floor(size / 2) - 4096))
    } finally {
      await h.close()
    }
  },
  truncated: async (file: string) => fs.truncate(file, Math.floor((await fs.stat(file)).size / 2)),
  deleted: (file: string) => fs.rm(file),
}

/** the file's bytes, mode and owner, to put back after a damage case (the next case starts intact) */
async function keep(file: string): Promise<() => Promise<void>> {
  const [bytes, st] = await Promise.all([fs.readFile(file), fs.stat(file)])
  return async () => {
    await fs.writeFile(file, bytes, { mode: st.mode & 0o7777 })
    await fs.chmod(file, st.mode & 0o7777)
    await fs.chown(file, st.uid, st.gid)
    await fs.utimes(file, st.atime, st.mtime)
  }
}

for (const tool of ['native', 'pgbackrest', 'barman', 'walg', 'pg_rman']) {
  const skip = skipReason(tool)
  describe.skipIf(skip !== undefined)(`verify finds a damaged ${tool} backup${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let c: TestCluster
    let id: string
    beforeAll(async () => {
      c = await setUpCluster(tool)
      // one table big enough that its file is the backup's biggest data file, and WAL-G's part_001
      await c.sql("create table big as select g as id, md5(g::text) as pad from generate_series(1, 60000) g")
      id = (await c.ok(['backup'])).id
    })
    afterAll(async () => c?.destroy())

    it('the intact backup verifies', async () => {
      const good = await c.cli(['verify', id, '--json'])
      expect(good.exitCode, good.stdout + good.stderr).toBe(0)
    })

    // one backup for every case: each damages the same file and puts its bytes back afterwards
    for (const [how, damage] of Object.entries(DAMAGE)) {
      it(`a data file ${how} in the repository: exit 3, naming it`, async () => {
        const file = await biggestDataFile(tool, c.repo, id)
        const putBack = await keep(file)
        try {
          await damage(file)
          const bad = await c.cli(['verify', id, '--json'])
          expect(bad.exitCode, bad.stdout + bad.stderr).toBe(3)
          const result = bad.json().results.find((r: { backup: string }) => r.backup === id)
          expect(result.ok).toBe(false)
          const failed: Check[] = result.checks.filter((k: Check) => !k.ok)
          expect(failed.some((k) => !k.unchecked && k.detail.includes(named(file))), `${named(file)} in ${JSON.stringify(failed)}`).toBe(true)
        } finally {
          await putBack()
        }
      })
    }

    it('with the file put back, the backup verifies again (the cases were independent)', async () => {
      const again = await c.cli(['verify', id, '--json'])
      expect(again.exitCode, again.stdout + again.stderr).toBe(0)
    })
  })
}
