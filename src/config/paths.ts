import path from 'node:path'
import type { ClusterConfig } from './schema.js'

/** the directory pitrctl owns for a cluster: `<repo>/.pitrctl`, else the run-as user's state dir */
export function stateDirFor(cluster: ClusterConfig): string {
  if (cluster.repo) return path.join(cluster.repo, '.pitrctl')
  const base = process.env.XDG_STATE_HOME || path.join(process.env.HOME ?? '/tmp', '.local', 'state')
  return path.join(base, 'pitrctl', cluster.name)
}
