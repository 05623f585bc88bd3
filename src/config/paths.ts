import path from 'node:path'
import type { ClusterConfig } from './schema.js'

/** the directory pitrctl owns for a cluster: `<repo>/.pitrctl`, else the run-as user's state dir */
export function stateDirFor(cluster: ClusterConfig): string {
  if (cluster.repo) return path.join(cluster.repo, '.pitrctl')
  const base = process.env.XDG_STATE_HOME || path.join(process.env.HOME ?? '/tmp', '.local', 'state')
  return path.join(base, 'pitrctl', cluster.name)
}

/** pitrctl's WAL index: one JSON entry per archived segment (services/wal-index.ts) */
export function walIndexDir(stateDir: string): string {
  return path.join(stateDir, 'wal-index')
}

export function walIndexEntry(stateDir: string, walName: string): string {
  return path.join(walIndexDir(stateDir), `${walName}.json`)
}

/** what pitrctl recorded of a backup's stored objects right after taking it (services/content-record.ts) */
export function contentRecordPath(stateDir: string, tool: string, backupId: string): string {
  return path.join(stateDir, 'content', tool, `${backupId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`)
}
