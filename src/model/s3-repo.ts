/**
 * A repository in object storage: `repo = s3://BUCKET/PREFIX` and the `s3-*` keys of the contract.
 * Each tool keeps its repository under `<PREFIX>/<tool>` in the bucket, as a local repo keeps it
 * in `<repo>/<tool>`. Pure: parsing and the rules; the config layer reports what is wrong.
 */
import type { ToolId } from './tool-id.js'

export interface S3Location {
  readonly bucket: string
  /** without leading or trailing slash; '' is the bucket's root */
  readonly prefix: string
}

export interface S3Repo extends S3Location {
  /** `https://host[:port]` (or http where the tool allows it), no path */
  readonly endpoint: string
  readonly scheme: 'https' | 'http'
  readonly host: string
  readonly port: number
  readonly region: string
  readonly uriStyle: 'path' | 'host'
  /** a CA bundle to trust (self-signed test servers, private CAs) */
  readonly caFile: string | undefined
  readonly key: string
  /** a secret: never printed, never in argv */
  readonly keySecret: string
}

/** S3 bucket naming rules (3–63 of lowercase letters, digits, dots and dashes, not like an address) */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/** `s3://bucket/prefix`: the location, or why it is not one; undefined when it is not an s3 URL at all */
export function parseS3Url(text: string): S3Location | { readonly problem: string } | undefined {
  if (!/^s3:\/\//i.test(text)) return undefined
  const rest = text.slice(5)
  const slash = rest.indexOf('/')
  const bucket = slash < 0 ? rest : rest.slice(0, slash)
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/\/{2,}/g, '/').replace(/^\/|\/$/g, '')
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket))
    return { problem: `${JSON.stringify(bucket)} is not a bucket name (3-63 lowercase letters, digits, dots and dashes)` }
  if (/[\0\n\r\\]/.test(prefix) || prefix.split('/').some((p) => p === '.' || p === '..'))
    return { problem: `${JSON.stringify(prefix)} is not a usable prefix` }
  return { bucket, prefix }
}

export function isS3Problem(v: S3Location | { readonly problem: string } | undefined): v is { readonly problem: string } {
  return v !== undefined && 'problem' in v
}

/** `https://host:port` → its parts; a string saying what is wrong otherwise */
export function parseEndpoint(text: string): Pick<S3Repo, 'endpoint' | 'scheme' | 'host' | 'port'> | string {
  let u: URL
  try {
    u = new URL(text)
  } catch {
    return `${JSON.stringify(text)} is not a URL (write https://host:port)`
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `${JSON.stringify(text)} is not an http(s) URL`
  if (u.username || u.password) return 'must not hold credentials (use s3-key and s3-key-secret)'
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return `${JSON.stringify(text)} must be scheme, host and port only`
  const scheme = u.protocol === 'https:' ? 'https' : 'http'
  const port = u.port ? Number(u.port) : scheme === 'https' ? 443 : 80
  const host = u.hostname.replace(/^\[|\]$/g, '')
  return { endpoint: `${scheme}://${u.host}`, scheme, host, port }
}

/** AWS's own endpoint for a region, when none is given */
export function awsEndpoint(region: string): string {
  return `https://s3.${region}.amazonaws.com`
}

/** where one tool keeps its repository in the bucket */
export function toolPrefix(repo: S3Location, tool: ToolId): string {
  return repo.prefix === '' ? tool : `${repo.prefix}/${tool}`
}

/** the repo as one tool sees it: prefix already `<PREFIX>/<tool>` */
export function forTool(repo: S3Repo, tool: ToolId): S3Repo {
  return { ...repo, prefix: toolPrefix(repo, tool) }
}

/** `s3://bucket/prefix`, for messages */
export function s3Url(loc: S3Location): string {
  return `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`
}

/** tools whose S3 client speaks plain http (pgBackRest only from 2.58; pg_rman has no object storage) */
export const S3_HTTP_OK: Readonly<Record<ToolId, boolean>> = { native: true, walg: true, barman: true, pgbackrest: false, pg_rman: false }
export const S3_CAPABLE: Readonly<Record<ToolId, boolean>> = { native: true, walg: true, barman: true, pgbackrest: true, pg_rman: false }
