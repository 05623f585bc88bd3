/** recorded pgBackRest 2.45 runs (test/fixtures/pgbackrest/2.45/<case>) and the lab's ToolEnv */
import type { ToolEnv } from '../../../../src/adapters/adapter.js'
import { fixtureSet, labToolEnv } from '../../../support/recorded.js'

export type { Recorded } from '../../../support/recorded.js'
export const { fixtureFile, recorded } = fixtureSet('pgbackrest', '2.45')

/** the cluster and managed repository the fixtures were recorded with */
export function labEnv(over: Partial<ToolEnv> = {}): ToolEnv {
  return labToolEnv('pgbackrest', '/tmp/pgbackrest-lab', 25101, '/tmp/pgbackrest-lab/m', over)
}

/** the same cluster adopted: the lab's configuration file named in pitrctl.ini */
export function adoptedEnv(over: Partial<ToolEnv> = {}): ToolEnv {
  return labEnv({ mode: 'adopted', repoDir: undefined, options: { config: '/etc/pgbackrest/pgbackrest.conf', stanza: 'prod' }, ...over })
}
