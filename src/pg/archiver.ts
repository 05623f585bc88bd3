/**
 * The archiver's state as `pitrctl metrics` reports it, read within a hard deadline: a scrape must
 * never hang, not even on a server that accepts connections and then answers nothing (a stopped
 * or overloaded postmaster). On the deadline the socket is destroyed, so nothing is left waiting.
 */
import pg from 'pg'
import { PostgresError } from '../errors.js'
import { describeConn, type PgConnInfo } from './client.js'

export interface ArchiverStats {
  /** pg_stat_archiver.failed_count */
  readonly failedCount: number
  /** pg_stat_archiver.last_archived_time as Unix seconds; null when nothing was archived since the stats reset */
  readonly lastArchivedSeconds: number | null
  /** `.ready` files in pg_ls_archive_statusdir(), when asked for (superuser or pg_monitor); null when not readable */
  readonly readyCount: number | null
}

export async function readArchiverStats(info: PgConnInfo, o: { timeoutMs: number; countReady: boolean }): Promise<ArchiverStats> {
  const client = new pg.Client({
    host: info.host,
    port: info.port,
    user: info.user,
    database: info.database,
    connectionTimeoutMillis: o.timeoutMs,
    statement_timeout: o.timeoutMs,
    application_name: 'pitrctl metrics',
  })
  client.on('error', () => undefined)
  const destroy = () => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      destroy()
      reject(new PostgresError(`PostgreSQL at ${describeConn(info)} did not answer within ${o.timeoutMs / 1000}s`, { hint: 'check that the server runs and is not overloaded' }))
    }, o.timeoutMs)
  })
  try {
    return await Promise.race([deadline, query(client, info, o.countReady)])
  } finally {
    clearTimeout(timer)
    await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())])
    destroy() // a goodbye the server never acknowledged must not keep the process alive
  }
}

async function query(client: pg.Client, info: PgConnInfo, countReady: boolean): Promise<ArchiverStats> {
  try {
    await client.connect()
  } catch (e) {
    throw new PostgresError(`cannot connect to PostgreSQL at ${describeConn(info)}: ${(e as Error).message}`, { hint: 'check that the server runs and host/port/user in pitrctl.ini reach it' })
  }
  try {
    const r = await client.query<{ failed: string; last: number | null }>('select failed_count::text as failed, extract(epoch from last_archived_time)::float8 as last from pg_stat_archiver')
    let readyCount: number | null = null
    if (countReady) {
      readyCount = await client
        .query<{ n: number }>("select count(*)::int as n from pg_ls_archive_statusdir() where name like '%.ready'")
        .then((q) => q.rows[0]?.n ?? null, () => null)
    }
    const row = r.rows[0]
    return { failedCount: Number(row?.failed ?? 0), lastArchivedSeconds: row?.last ?? null, readyCount }
  } catch (e) {
    throw new PostgresError(`reading pg_stat_archiver failed: ${(e as Error).message}`, { hint: 'see the server log' })
  }
}
