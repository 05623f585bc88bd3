import { describe, expect, it } from 'vitest'
import { thrownAs } from '../../support/recorded.js'
import { parseConfigText, selectCluster } from '../../../src/config/load.js'
import { ConfigError } from '../../../src/errors.js'
import { forTool, parseEndpoint, parseS3Url } from '../../../src/model/s3-repo.js'
import { redactor } from '../../../src/util/redact.js'

const FILE = '/etc/pitrctl/pitrctl.ini'
const S3 = `s3-endpoint = https://localhost:8333
s3-region = us-east-1
s3-uri-style = path
s3-ca-file = /etc/pitrctl/s3-ca.pem
s3-key = AKIACANARY1
s3-key-secret = CANARYSECRET2
`
const section = (tool: string, repo: string, extra = S3) => `[main]\ntool = ${tool}\npgdata = /var/lib/postgresql/15/main\nrepo = ${repo}\n${extra}`

const configError = (text: string, mode = 0o600): ConfigError => thrownAs(ConfigError, 2, () => parseConfigText(FILE, text, mode))

describe('repo = s3://BUCKET/PREFIX', () => {
  it('reads the contract example: bucket, prefix, endpoint parts, keys; no local repo', () => {
    const c = selectCluster(parseConfigText(FILE, section('pgbackrest', 's3://pitrctl-backups/main'), 0o600), 'main')
    expect(c.repo).toBeUndefined()
    expect(c.s3).toEqual({
      bucket: 'pitrctl-backups', prefix: 'main', endpoint: 'https://localhost:8333', scheme: 'https', host: 'localhost', port: 8333,
      region: 'us-east-1', uriStyle: 'path', caFile: '/etc/pitrctl/s3-ca.pem', key: 'AKIACANARY1', keySecret: 'CANARYSECRET2',
    })
    expect(forTool(c.s3!, 'walg').prefix).toBe('main/walg')
  })

  it('registers the key secret with the redactor', () => {
    parseConfigText(FILE, section('walg', 's3://b-1/p'), 0o600)
    expect(redactor.redact('secret=CANARYSECRET2')).toBe('secret=********')
  })

  it('takes s3-* keys from [global] as defaults, the section winning', () => {
    const text = `[global]\n${S3}\n${section('walg', 's3://bkt/a/b/', 's3-region = eu-west-1\n')}`
    const c = selectCluster(parseConfigText(FILE, text, 0o600), 'main')
    expect(c.s3?.region).toBe('eu-west-1')
    expect(c.s3?.prefix).toBe('a/b')
    expect(c.s3?.key).toBe('AKIACANARY1')
  })

  it('a file holding s3-key-secret readable by others is refused', () => {
    expect(configError(section('walg', 's3://bkt/main'), 0o644).message).toMatch(/holds a secret but is readable by group or others/)
  })

  it('pg_rman has no object storage: exit 2 naming repo', () => {
    expect(configError(section('pg_rman', 's3://bkt/main')).message).toMatch(/\[main\] repo: pg_rman has no object storage/)
  })

  it('pgBackRest 2.45 speaks S3 only over https; WAL-G may use http', () => {
    expect(configError(section('pgbackrest', 's3://bkt/main', S3.replace('https://', 'http://'))).message).toMatch(/s3-endpoint: pgbackrest speaks S3 only over https/)
    expect(selectCluster(parseConfigText(FILE, section('walg', 's3://bkt/main', S3.replace('https://', 'http://')), 0o600), 'main').s3?.port).toBe(8333)
  })

  it('names the missing or bad key', () => {
    expect(configError(section('walg', 's3://bkt/main', S3.replace(/s3-key-secret.*\n/, ''))).message).toMatch(/\[main\] s3-key-secret: is required/)
    expect(configError(section('walg', 's3://bkt/main', S3.replace(/s3-key = .*\n/, ''))).message).toMatch(/\[main\] s3-key: is required/)
    expect(configError(section('walg', 's3://bkt/main', S3 + 's3-uri-style = virtual\n')).message).toMatch(/s3-uri-style: "virtual" is neither path nor host/)
    expect(configError(section('walg', 's3://bkt/main', S3.replace('/etc/pitrctl/s3-ca.pem', 'ca.pem'))).message).toMatch(/s3-ca-file: must be an absolute path/)
    expect(configError(section('walg', 's3://Bad_Bucket/main')).message).toMatch(/\[main\] repo: "Bad_Bucket" is not a bucket name/)
  })

  it('s3-* keys beside a local repo are an error in the section, ignored from [global]', () => {
    expect(configError(section('walg', '/var/backups/pitrctl/main')).message).toMatch(/\[main\] s3-endpoint: is set, but this cluster's repo is not in object storage/)
    const c = selectCluster(parseConfigText(FILE, `[global]\n${S3}\n${section('walg', '/var/backups/pitrctl/main', '')}`, 0o600), 'main')
    expect(c.s3).toBeUndefined()
    expect(c.repo).toBe('/var/backups/pitrctl/main')
  })

  it('defaults: AWS endpoint for the region, host-style URIs', () => {
    const c = selectCluster(parseConfigText(FILE, section('walg', 's3://bkt', 's3-key = K\ns3-key-secret = SSSSSSSS\n'), 0o600), 'main')
    expect(c.s3).toMatchObject({ endpoint: 'https://s3.us-east-1.amazonaws.com', port: 443, uriStyle: 'host', prefix: '', caFile: undefined })
    expect(forTool(c.s3!, 'native').prefix).toBe('native')
  })
})

describe('parseS3Url / parseEndpoint', () => {
  it('parses and refuses', () => {
    expect(parseS3Url('/var/backups')).toBeUndefined()
    expect(parseS3Url('s3://bkt//x//y/')).toEqual({ bucket: 'bkt', prefix: 'x/y' })
    expect(parseS3Url('s3://bkt/../x')).toHaveProperty('problem')
    expect(parseS3Url('s3://192.168.1.1/x')).toHaveProperty('problem')
    expect(parseEndpoint('https://user:pw@host')).toMatch(/credentials/)
    expect(parseEndpoint('https://host/path')).toMatch(/scheme, host and port only/)
    expect(parseEndpoint('ftp://host')).toMatch(/not an http/)
    expect(parseEndpoint('https://[::1]:9000')).toEqual({ endpoint: 'https://[::1]:9000', scheme: 'https', host: '::1', port: 9000 })
  })
})
