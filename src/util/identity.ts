/**
 * The OS user PostgreSQL and the tools run as. PostgreSQL refuses to run as root; when pitrctl is
 * started as root it drops to `run-as` for good before touching any cluster, so every child,
 * file and socket it makes belongs to that user and a bug cannot write as root.
 */
import { readFileSync } from 'node:fs'
import { NotInstalledError, UsageError } from '../errors.js'

/** an OS user children are spawned as */
export interface RunAs {
  readonly uid: number
  readonly gid: number
  readonly home: string
  readonly user: string
}

export function lookupUser(name: string): RunAs {
  const passwd = readFileSync('/etc/passwd', 'utf8')
  for (const line of passwd.split('\n')) {
    const f = line.split(':')
    if (f[0] === name && f.length >= 7) return { user: name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' }
  }
  throw new NotInstalledError(`the OS user ${JSON.stringify(name)} does not exist`, {
    hint: 'install PostgreSQL (it creates the postgres user) or set [global] run-as to an existing user',
  })
}

export function isRoot(): boolean {
  return process.getuid?.() === 0
}

/** become `who` for the rest of the process (no-op unless root) */
export function dropPrivileges(who: RunAs): void {
  if (!isRoot()) return
  if (who.uid === 0) throw new UsageError('[global] run-as must not be root: PostgreSQL refuses to run as root', { hint: 'set run-as = postgres' })
  ;(process as unknown as { initgroups?: (u: string, g: number) => void }).initgroups?.(who.user, who.gid)
  process.setgid?.(who.gid)
  process.setuid?.(who.uid)
  process.env.HOME = who.home
  process.env.USER = who.user
  process.env.LOGNAME = who.user
}
