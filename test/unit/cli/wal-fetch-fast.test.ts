import { describe, expect, it } from 'vitest'
import { parseWalFetchArgs } from '../../../src/cli/wal-fetch-fast.js'

describe('the wal-fetch fast path takes exactly what restore_command passes', () => {
  it('flags in either form, then %f and %p', () => {
    expect(parseWalFetchArgs(['--config', '/c.ini', '--cluster', 'main', '--tool', 'native', '000000010000000000000003', 'pg_wal/RECOVERYXLOG'])).toEqual({
      config: '/c.ini', cluster: 'main', tool: 'native', name: '000000010000000000000003', dest: 'pg_wal/RECOVERYXLOG',
    })
    expect(parseWalFetchArgs(['--config=/c.ini', '-c', 'main', '00000002.history', 'x'])).toMatchObject({ config: '/c.ini', cluster: 'main', name: '00000002.history' })
  })
  it.each([[['--help']], [['--json', 'a', 'b']], [['a']], [['a', 'b', 'c']], [['--config']]])('leaves %j to the full CLI', (argv) => {
    expect(parseWalFetchArgs(argv)).toBeUndefined()
  })
})
