/**
 * The only importer of `pg`. Short-lived connections; every failure becomes a PostgresError
 * with a hint, never a raw driver error.
 */
import pg from 'pg'
import { PostgresError } from '../errors.js'

export interface PgConnInfo {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
}

export interface PgSession {
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>
  close(): Promise<void>
}

export async function connectPg(info: PgConnInfo, timeoutMs = 10_000): Promise<PgSession> {
  const client = new pg.Client({
    host: info.host,
    port: info.port,
    user: info.user,
    database: info.database,
    connectionTimeoutMillis: timeoutMs,
    application_name: 'pitrctl',
  })
  // An idle client whose server goes away emits 'error'; without a listener that kills the process.
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (e) {
    await client.end().catch(() => undefined)
    throw new PostgresError(`cannot connect to PostgreSQL at ${describeConn(info)}: ${(e as Error).message}`, {
      hint: 'check that the server runs and host/port/user in pitrctl.ini reach it',
    })
  }
  return {
    async query<T extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      try {
        const r = await client.query(sql, params as unknown[] | undefined)
        return r.rows as T[]
      } catch (e) {
        throw new PostgresError(`query failed: ${(e as Error).message}`, { hint: 'see the server log', details: [sql.trim().split('\n')[0]!] })
      }
    },
    close: () => client.end().catch(() => undefined),
  }
}

export async function withPg<T>(info: PgConnInfo, fn: (s: PgSession) => Promise<T>): Promise<T> {
  const s = await connectPg(info)
  try {
    return await fn(s)
  } finally {
    await s.close()
  }
}

export function describeConn(info: PgConnInfo): string {
  return `${info.host}:${info.port} as ${info.user}/${info.database}`
}
