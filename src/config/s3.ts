/**
 * The object-storage keys of pitrctl.ini: `repo = s3://BUCKET/PREFIX` in a cluster section, and
 * `s3-endpoint`, `s3-region`, `s3-uri-style`, `s3-ca-file`, `s3-key`, `s3-key-secret` there or in
 * [global] as the default for every cluster. A cluster's own key wins.
 */
import { ConfigError } from '../errors.js'
import { S3_CAPABLE, S3_HTTP_OK, awsEndpoint, parseEndpoint, type S3Location, type S3Repo } from '../model/s3-repo.js'
import type { ToolId } from '../model/tool-id.js'

export const S3_KEYS = ['s3-endpoint', 's3-region', 's3-uri-style', 's3-ca-file', 's3-key', 's3-key-secret'] as const
export type S3Key = (typeof S3_KEYS)[number]

export function isS3Key(k: string): k is S3Key {
  return (S3_KEYS as readonly string[]).includes(k)
}

export function s3Part(sec: unknown): Partial<Record<S3Key, string>> {
  if (typeof sec !== 'object' || sec === null) return {}
  return Object.fromEntries(Object.entries(sec).filter(([k, v]) => isS3Key(k) && typeof v === 'string').map(([k, v]) => [k, String(v).trim()]))
}

/**
 * The cluster's S3 repository from its location and the merged keys. `where(key)` names the
 * section a key came from, so errors point at the line to fix.
 */
export function readS3Repo(file: string, section: string, loc: S3Location, tools: readonly ToolId[], global: Partial<Record<S3Key, string>>, own: Partial<Record<S3Key, string>>): S3Repo {
  const keys = { ...global, ...own }
  const where = (k: S3Key): string => (own[k] !== undefined ? section : 'global')
  const fail = (k: S3Key, problem: string, hint?: string): never => {
    throw new ConfigError(file, keys[k] === undefined ? section : where(k), k, problem, hint)
  }
  for (const t of tools)
    if (!S3_CAPABLE[t]) throw new ConfigError(file, section, 'repo', `${t} has no object storage: an s3:// repo cannot serve it`, `give ${t} a local repo (a cluster of its own), or use pgbackrest, walg, barman or native`)
  const region = keys['s3-region'] || 'us-east-1'
  if (!/^[a-z0-9-]{1,40}$/.test(region)) fail('s3-region', `${JSON.stringify(region)} is not a region name`, 'e.g. us-east-1')
  const ep = parseEndpoint(keys['s3-endpoint'] || awsEndpoint(region))
  if (typeof ep === 'string') fail('s3-endpoint', ep)
  const endpoint = ep as Exclude<typeof ep, string>
  if (endpoint.scheme === 'http')
    for (const t of tools) if (!S3_HTTP_OK[t]) fail('s3-endpoint', `${t} speaks S3 only over https`, 'serve the endpoint over TLS (s3-ca-file trusts a private CA)')
  const style = (keys['s3-uri-style'] || 'host').toLowerCase()
  if (style !== 'path' && style !== 'host') fail('s3-uri-style', `${JSON.stringify(keys['s3-uri-style'])} is neither path nor host`)
  const caFile = keys['s3-ca-file'] || undefined
  if (caFile !== undefined && !caFile.startsWith('/')) fail('s3-ca-file', 'must be an absolute path')
  const key = keys['s3-key']
  if (!key) fail('s3-key', `is required with repo = s3://${loc.bucket}`, 'the access key id pitrctl hands every tool')
  const keySecret = keys['s3-key-secret']
  if (!keySecret) fail('s3-key-secret', `is required with repo = s3://${loc.bucket}`, 'the secret access key (keep the file 0600)')
  return { ...loc, ...endpoint, region, uriStyle: style as 'path' | 'host', caFile, key: key!, keySecret: keySecret! }
}
