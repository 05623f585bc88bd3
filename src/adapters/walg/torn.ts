/**
 * A torn WAL-G object: WAL-G's FS storage writes an object straight under its final name
 * (pkg/storages/fs/folder.go PutObject, v3.0.8: open, io.Copy, close — no temp file), so a
 * `wal-push` killed half way leaves a prefix of the lz4 stream there. With
 * WALG_PREVENT_WAL_OVERWRITE every later push of that segment then fails ("Couldn't check whether
 * there is an overwrite attempt due to inner error: unexpected EOF", fixture wal-push-torn), or,
 * when the prefix ends on a block boundary, decompresses to a short file and is "different
 * content"; archiving would stop for good. pitrctl confirms the archived copy is torn (fetch fails,
 * or is a strict prefix of the local file) and removes that one object with `wal-g st rm`
 * (storagetools/remove_handler.go: deletes every object under the prefix given — the full object
 * name, so only it), then pushes again.
 */
import { execStep, plan, type Plan } from '../../model/plan.js'
import type { ToolEnv } from '../adapter.js'
import { resolveSetup } from './config.js'
import { WAL_FOLDER, WALG } from './plan.js'

const TORN_PUSH = [/Couldn't check whether there is an overwrite attempt due to inner error/, /already archived, contents differ, unable to overwrite/]

/** wal-push stderr that may mean a torn archived copy (to be confirmed by fetching it) */
export function mayBeTornPush(stderr: string): boolean {
  return TORN_PUSH.some((re) => re.test(stderr))
}

/** the storage object of segment `walName` in `st ls wal_005/` output: `<name>` or `<name>.<compression>` */
export function walObjectOf(stdout: string, walName: string): { object: string; size: number } | undefined {
  for (const line of stdout.split('\n')) {
    const tokens = line.trim().split(/\s+/)
    if (tokens[0] !== 'obj') continue
    const name = tokens[tokens.length - 1]!
    if (name === walName || (name.startsWith(`${walName}.`) && /^[a-z0-9]+$/.test(name.slice(walName.length + 1)))) return { object: name, size: Number(tokens[1]) }
  }
  return undefined
}

export function planListWalObjects(env: ToolEnv): Plan {
  const { configFile } = resolveSetup(env)
  return plan('WAL-G: list the WAL archive', execStep('wal-list', 'list the WAL archive', [WALG, '--config', configFile, 'st', 'ls', WAL_FOLDER], { mutates: false }))
}

/** remove exactly one object from wal_005/ (a torn copy pitrctl confirmed) */
export function planRemoveWalObject(env: ToolEnv, object: string): Plan {
  if (!/^[0-9A-F]{24}(\.[a-z0-9]+)?$/.test(object)) throw new Error(`not a WAL-G segment object: ${JSON.stringify(object)}`)
  const { configFile } = resolveSetup(env)
  return plan(`WAL-G: remove the torn ${object}`, execStep('st-rm', `remove the torn archived copy ${object}`, [WALG, '--config', configFile, 'st', 'rm', `${WAL_FOLDER}${object}`]))
}
