/**
 * The S3 sandbox itself: a real SeaweedFS on loopback that the S3 tests and `drill --repo s3`
 * start. Objects go in and come back intact over TLS with the sandbox's CA, weed listens on the
 * ports it was given and nowhere else, and stop/restart/pause behave as the fault tests need.
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { s3Client } from '../../src/sandbox/seaweedfs.js'
import { s3SkipReason, startS3ForTest, type TestS3 } from '../support/s3.js'

const skip = await s3SkipReason()
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })

/** the TCP addresses a process listens on, from ss */
function listening(pid: number): string[] {
  const out = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.trim().split(/\s+/)[3]!)
    .sort()
}

describe.skipIf(skip !== undefined)(`SeaweedFS sandbox${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let s3: TestS3
  let client: Awaited<ReturnType<typeof s3Client>>
  const pid = () => Number(readFileSync(path.join(s3.dir, 'weed.pid'), 'utf8').trim())

  beforeAll(async () => {
    s3 = await startS3ForTest({ bucket: 'pitrctl-sandbox' })
    client = await s3Client(s3)
  })
  afterAll(async () => s3?.destroy())

  it('answers on https://localhost:PORT with its own CA and a path-style bucket', () => {
    expect(s3.endpoint).toBe(`https://localhost:${s3.port}`)
    expect(readFileSync(s3.caFile, 'utf8')).toContain('BEGIN CERTIFICATE')
    expect(s3.keySecret.length).toBeGreaterThanOrEqual(24)
  })

  it('listens on 127.0.0.1 on exactly the ports it was given', () => {
    const addrs = listening(pid())
    expect(addrs.length).toBeGreaterThan(0)
    for (const a of addrs) expect(a.startsWith('127.0.0.1:'), a).toBe(true)
    const ports = new Set(addrs.map((a) => Number(a.split(':').pop())))
    expect([...ports].filter((p) => !s3.ports.includes(p))).toEqual([])
    expect(ports.has(s3.port)).toBe(true)
  })

  it('stores an object and gives the same bytes back', async () => {
    const body = randomBytes(200_000)
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'a/b/one', Body: body }))
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'a/b/one' }))
    const bytes = await got.Body!.transformToByteArray()
    expect(sha(bytes)).toBe(sha(body))
    const list = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'a/' }))
    expect(list.Contents?.map((o) => o.Key)).toEqual(['a/b/one'])
  })

  it('takes a multipart upload (lib-storage, as the native tool streams a base backup)', async () => {
    const body = randomBytes(12 * 1024 * 1024)
    await new Upload({ client, params: { Bucket: s3.bucket, Key: 'multi', Body: body }, partSize: 5 * 1024 * 1024, queueSize: 2 }).done()
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'multi' }))
    expect(sha(await got.Body!.transformToByteArray())).toBe(sha(body))
    await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'multi' }))
  })

  it('refuses a wrong secret', async () => {
    const wrong = await s3Client({ ...s3, keySecret: `${s3.keySecret}x` })
    await expect(wrong.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'a/b/one' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } })
  })

  it('stop() releases every port and refuses connections; start() brings the same objects back', async () => {
    await s3.stop()
    for (const p of s3.ports) expect(await portFree(p), `port ${p}`).toBe(true)
    await expect(client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'a/b/one' }))).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    await s3.start()
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'a/b/one' }))
    expect(head.ContentLength).toBe(200_000)
  })

  it('pause() leaves requests unanswered until resume()', async () => {
    await s3.pause()
    try {
      await expect(client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'a/b/one' }), { abortSignal: AbortSignal.timeout(2_000) })).rejects.toThrow()
    } finally {
      await s3.resume()
    }
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'a/b/one' }))
    expect(head.ContentLength).toBe(200_000)
  })

  it('restart() keeps the bucket', async () => {
    await s3.restart()
    expect((await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'a/b/one' }))).ContentLength).toBe(200_000)
  })

  it('stop() twice is harmless and leaves every port free', async () => {
    await s3.stop()
    await s3.stop()
    for (const p of s3.ports) expect(await portFree(p), `port ${p}`).toBe(true)
    const sockets = readdirSync('/tmp').filter((f) => /^seaweedfs-.*-grpc-(\d+)\.sock$/.test(f) && s3.ports.includes(Number(/(\d+)\.sock$/.exec(f)![1])))
    expect(sockets).toEqual([])
  })
})
