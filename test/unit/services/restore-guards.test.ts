import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { RefusedError } from '../../../src/errors.js'
import { refuseUnfinishedRestore } from '../../../src/services/restore-guards.js'
import type { AppContext } from '../../../src/services/context.js'

describe('refuseUnfinishedRestore', () => {
  it('names every directory an interrupted in-place restore moved aside, tablespaces included', async () => {
    const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'pitrctl-marker-')), 'restore-in-progress.json')
    writeFileSync(marker, JSON.stringify({
      pgdata: '/srv/data', movedAside: '/srv/data.pitrctl-20261201T100000', backup: 'B1', target: 'latest', pid: 1,
      tablespaces: [{ from: '/srv/ts/one', aside: '/srv/ts/one.pitrctl-20261201T100000' }],
    }))
    const e = await refuseUnfinishedRestore({} as AppContext, marker).then(() => undefined, (x: unknown) => x as RefusedError)
    expect(e).toBeInstanceOf(RefusedError)
    expect(e!.hint).toBe(`look at /srv/data; to start over, move it away yourself and move /srv/data.pitrctl-20261201T100000 back to /srv/data and /srv/ts/one.pitrctl-20261201T100000 back to /srv/ts/one, then remove ${marker}`)
  })

  it('passes when there is no marker', async () => {
    await expect(refuseUnfinishedRestore({} as AppContext, '/nonexistent/marker.json')).resolves.toBeUndefined()
  })
})
