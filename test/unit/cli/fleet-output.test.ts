import { describe, expect, it } from 'vitest'
import { fleetJson, renderFleet } from '../../../src/cli/fleet-output.js'
import { NotInstalledError } from '../../../src/errors.js'
import type { FleetResult } from '../../../src/services/fleet.js'

const fleet: FleetResult<{ cluster: string; n: number }> = {
  outcomes: [
    { cluster: 'a', exitCode: 0, result: { cluster: 'a', n: 1 } },
    { cluster: 'b', exitCode: 6, error: new NotInstalledError('pgbackrest is not installed', { hint: 'install it' }) },
    { cluster: 'c', exitCode: 1, result: { cluster: 'c', n: 3 } },
  ],
  exitCode: 6,
}

describe('--all output', () => {
  it('one block per cluster under a header line', () => {
    expect(renderFleet(fleet, (r) => `n = ${r.n}\n`)).toBe(
      ['== cluster a ==', 'n = 1', '', '== cluster b ==', 'FAIL pgbackrest is not installed — install it', '', '== cluster c ==', 'n = 3'].join('\n'),
    )
  })
  it('JSON: the single-cluster objects as they are, an error object for a cluster that failed', () => {
    expect(fleetJson(fleet)).toEqual([{ cluster: 'a', n: 1 }, { cluster: 'b', error: { code: 6, message: 'pgbackrest is not installed' } }, { cluster: 'c', n: 3 }])
  })
})
