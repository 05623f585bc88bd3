import { describe, expect, it } from 'vitest'
import { parseConfigText } from '../../../src/config/load.js'
import { DEFAULT_TIMEOUTS, partTimeouts, selectMetricsClusters } from '../../../src/services/metrics.js'

const ini = (sections: string[]) => ['[global]', 'run-as = postgres', ...sections].join('\n')
const section = (name: string) => `[${name}]\ntool = native\npgdata = /srv/${name}\nrepo = /backups/${name}\n`

describe('selectMetricsClusters', () => {
  const two = parseConfigText('/etc/pitrctl/pitrctl.ini', ini([section('main'), section('reports')]), 0o600)
  it('--all: every cluster in file order; else the one -c names', () => {
    expect(selectMetricsClusters(two, { configFlag: undefined, cluster: undefined, all: true }).map((c) => c.name)).toEqual(['main', 'reports'])
    expect(selectMetricsClusters(two, { configFlag: undefined, cluster: 'reports', all: false }).map((c) => c.name)).toEqual(['reports'])
  })
  it('without --all and -c, two clusters are a usage error; --all over none is a config error (exit 2)', () => {
    expect(() => selectMetricsClusters(two, { configFlag: undefined, cluster: undefined, all: false })).toThrow(/has 2 clusters/)
    const none = parseConfigText('/etc/pitrctl/pitrctl.ini', ini([]), 0o600)
    expect(() => selectMetricsClusters(none, { configFlag: undefined, cluster: undefined, all: true })).toThrow(expect.objectContaining({ exitCode: 2 }))
  })
})

describe('partTimeouts', () => {
  it('defaults, or one value for every part from PITRCTL_METRICS_TIMEOUT_MS', () => {
    expect(partTimeouts({})).toEqual(DEFAULT_TIMEOUTS)
    expect(partTimeouts({ PITRCTL_METRICS_TIMEOUT_MS: 'nope' })).toEqual(DEFAULT_TIMEOUTS)
    expect(partTimeouts({ PITRCTL_METRICS_TIMEOUT_MS: '2500' })).toEqual({ catalogMs: 2500, serverMs: 2500, repoSizeMs: 2500, verifyRecordMs: 2500 })
  })
})
