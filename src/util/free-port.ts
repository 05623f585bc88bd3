/**
 * Ports and scratch directories for the servers pitrctl starts beside a cluster (copies, test
 * restores, the drill), never on 5432.
 */
import { promises as fs } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer()
      srv.once('error', reject)
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port
        srv.close(() => resolve(p))
      })
    })
    // a PostgreSQL socket lock in /tmp or the default dir means another server owns the port
    const taken = await Promise.all([`/tmp/.s.PGSQL.${port}.lock`, `/var/run/postgresql/.s.PGSQL.${port}.lock`].map((f) => fs.stat(f).then(() => true, () => false)))
    if (port !== 5432 && !taken.some(Boolean)) return port
  }
}

export function scratchDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix))
}
