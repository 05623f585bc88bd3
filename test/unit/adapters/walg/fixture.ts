/** recorded WAL-G v3.0.9 runs (test/fixtures/walg/3.0.9/<case>) and the lab's ToolEnv */
import type { ToolEnv } from '../../../../src/adapters/adapter.js'
import { fixtureSet, labToolEnv } from '../../../support/recorded.js'

export type { Recorded } from '../../../support/recorded.js'
export const { fixtureFile, recorded } = fixtureSet('walg', '3.0.9')

/** the cluster and managed repository the fixtures were recorded with (/tmp/walg-lab) */
export function labEnv(over: Partial<ToolEnv> = {}): ToolEnv {
  return labToolEnv('walg', '/tmp/walg-lab', 25300, '/tmp/walg-lab/repo', over)
}

/** the same cluster adopted: a team's own WAL-G configuration file named in pitrctl.ini */
export function adoptedEnv(over: Partial<ToolEnv> = {}): ToolEnv {
  return labEnv({ mode: 'adopted', repoDir: undefined, options: { config: '/etc/wal-g/wal-g.yaml' }, ...over })
}
