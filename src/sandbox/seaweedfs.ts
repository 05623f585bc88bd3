/**
 * A throwaway S3 server on loopback for the drill (`--repo s3`) and the integration tests:
 * SeaweedFS's `weed server` (4.53) with a fresh self-signed certificate, one admin identity with a
 * random key, its own free ports, its data under `dir`, one bucket. Stop it, restart it on the
 * same data and ports, or freeze it (SIGSTOP) to test what the tools do when the server is gone.
 *
 * Lab notes (SeaweedFS 4.53, pgBackRest 2.45, checked by hand):
 * - `weed server` listens on every service's port + 10000 for gRPC unless told; each gRPC port is
 *   passed explicitly here, so all eight ports are ones freePort() handed out. It also starts
 *   Iceberg (8181) and Lance (9101) listeners by default and the master reports to a telemetry URL:
 *   both are turned off (`-s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false`).
 * - With a TLS key and no `-s3.port.https`, `-s3.port` itself serves HTTPS only: one S3 port.
 * - The volume server waits `-volume.preStopSeconds` (10) after SIGTERM before it stops: 0 here,
 *   so stop() takes about a second.
 * - Each bucket is a collection, and the master grows 7 volumes for a new one: `-volume.max` must
 *   leave room for a few buckets (the default 8 does not).
 * - S3 answers (ListBuckets) a second or more before it can store anything: the master has no
 *   raft leader yet, the volume server has not registered, and the first write waits ~5 s for a
 *   "lock server" (log: `FILER LOCK: … no lock server found`); after a restart the first write
 *   takes ~14 s more, silently (later ones take milliseconds). start() returns only once a probe
 *   object was written and deleted in the bucket, after every start: ~11 s the first time,
 *   ~17 s after a restart, measured on this 2-core machine.
 * - A restarted master waits `-master.electionTimeout` (10 s) before it leads again: 1 s here.
 * - On SIGTERM the volume server stops first; the filer then tries for 15 s to flush its
 *   metadata log (to a volume) and gives up, dropping it ("shutdown flush dropped N bytes").
 *   The objects themselves are safe by then, so stop() sends KILL 5 s after TERM.
 * - The log shows `Failed to load IAM configuration: no signing key found for STS service` at
 *   every start: harmless here (STS is unused; the -s3.config identities work).
 * - gRPC between the services goes over /tmp/seaweedfs-<svc>-grpc-<port>.sock as well; there is
 *   no flag for those paths (the filer's and S3's own sockets are put under `dir`). A KILL leaves
 *   them behind: stop() removes the four of this server.
 * - pgBackRest 2.45 speaks S3 only over TLS and checks the certificate's DNS names, not IP
 *   addresses: hence `localhost` in the endpoint and SAN DNS:localhost. Against this server it
 *   did stanza-create, check, backup (full), info, repo-ls, repo-get and restore with
 *   repo1-type=s3, repo1-s3-endpoint=localhost, repo1-storage-port, repo1-s3-uri-style=path,
 *   repo1-storage-ca-file, repo1-s3-region, repo1-s3-bucket, repo1-path.
 * - pgBackRest 2.45 with the server stopped: "[049] unable to connect … Connection refused" only
 *   after retrying for 4 × io-timeout (default 60 s: 4 minutes; 20 s with --io-timeout=5);
 *   paused (SIGSTOP): "[042] timeout after 5000ms waiting for read" after the same 20 s. Meanwhile
 *   a fast shutdown of PostgreSQL waits for the archiver's archive-push: use immediate, or a short
 *   io-timeout, in fault tests.
 */
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { NotInstalledError, ToolError } from '../errors.js'
import { execStep } from '../model/plan.js'
import { ExecaRunner } from '../runner/execa-runner.js'
import type { Runner } from '../runner/runner.js'
import { freePort } from '../util/free-port.js'
import type { RunAs } from '../util/identity.js'
import { redactor } from '../util/redact.js'

export interface SeaweedfsOptions {
  /** created when missing; holds the data, certificate, identities, log and pid file */
  readonly dir: string
  /** made once the server answers */
  readonly bucket: string
  /** when the caller is root: weed (and openssl) run as this user, who owns `dir` */
  readonly runAs?: RunAs | undefined
  /** default us-east-1 */
  readonly region?: string
  /** the weed program; default: found on PATH */
  readonly weed?: string
  /** SeaweedFS volume size (default 64): small, so a test does not reserve gigabytes */
  readonly volumeSizeLimitMB?: number
}

export interface S3Sandbox {
  /** `https://localhost:PORT` */
  readonly endpoint: string
  /** 'localhost': the certificate's DNS name (pgBackRest 2.45 checks names, not addresses) */
  readonly host: string
  readonly port: number
  readonly region: string
  /** the self-signed certificate (PEM) to trust; readable by everyone */
  readonly caFile: string
  readonly key: string
  /** a secret: register it with the redactor before anything can print it */
  readonly keySecret: string
  readonly bucket: string
  readonly dir: string
  /** weed's output (stdout and stderr) */
  readonly logFile: string
  /** every port weed listens on (S3, master, volume, filer and their gRPC ports) */
  readonly ports: readonly number[]
  /** stop weed and wait until it has exited; a no-op when it is not running */
  stop(): Promise<void>
  /** start weed again on the same data and ports and wait until S3 answers (after stop()) */
  start(): Promise<void>
  /** stop() then start(): the bucket and its objects are still there */
  restart(): Promise<void>
  /** SIGSTOP: connections are accepted by the kernel but never answered (a hung server) */
  pause(): Promise<void>
  /** SIGCONT after pause() */
  resume(): Promise<void>
  /** another bucket on the same server */
  createBucket(name: string): Promise<void>
}

/** the ports weed is told to use; nothing is left to its defaults */
export interface WeedPorts {
  readonly s3: number
  readonly s3Grpc: number
  readonly master: number
  readonly masterGrpc: number
  readonly volume: number
  readonly volumeGrpc: number
  readonly filer: number
  readonly filerGrpc: number
}

export interface WeedLayout {
  readonly dataDir: string
  readonly certFile: string
  readonly keyFile: string
  readonly identitiesFile: string
  readonly filerSocket: string
  readonly s3Socket: string
  readonly ports: WeedPorts
  readonly volumeSizeLimitMB: number
}

/** `weed` argv after the program name: global flags, then `server` and its flags */
export function weedServerArgs(l: WeedLayout): string[] {
  const p = l.ports
  return [
    // glog writes files into /tmp by default: stderr only, which start-stop-daemon puts in the log
    '-logtostderr',
    'server',
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-dir=${l.dataDir}`,
    `-master.port=${p.master}`,
    `-master.port.grpc=${p.masterGrpc}`,
    `-master.volumeSizeLimitMB=${l.volumeSizeLimitMB}`,
    '-master.telemetry=false',
    '-master.electionTimeout=1s',
    `-volume.port=${p.volume}`,
    `-volume.port.grpc=${p.volumeGrpc}`,
    '-volume.max=64',
    '-volume.preStopSeconds=0',
    '-filer',
    `-filer.port=${p.filer}`,
    `-filer.port.grpc=${p.filerGrpc}`,
    `-filer.localSocket=${l.filerSocket}`,
    '-s3',
    `-s3.port=${p.s3}`,
    `-s3.port.grpc=${p.s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.localSocket=${l.s3Socket}`,
    `-s3.cert.file=${l.certFile}`,
    `-s3.key.file=${l.keyFile}`,
    `-s3.config=${l.identitiesFile}`,
  ]
}

/** `-s3.config`: one identity allowed everything */
export function identitiesJson(key: string, keySecret: string): string {
  return `${JSON.stringify({ identities: [{ name: 'pitrctl', credentials: [{ accessKey: key, secretKey: keySecret }], actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'] }] }, null, 2)}\n`
}

/** a self-signed certificate for localhost (and 127.0.0.1) that is its own CA */
export function opensslArgs(certFile: string, keyFile: string, days = 30): [string, ...string[]] {
  return [
    'openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', String(days), '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-addext', 'basicConstraints=critical,CA:TRUE',
  ]
}

/** eight distinct free loopback ports */
export async function pickWeedPorts(): Promise<WeedPorts> {
  const seen = new Set<number>()
  const next = async (): Promise<number> => {
    for (;;) {
      const p = await freePort()
      if (!seen.has(p)) {
        seen.add(p)
        return p
      }
    }
  }
  return { s3: await next(), s3Grpc: await next(), master: await next(), masterGrpc: await next(), volume: await next(), volumeGrpc: await next(), filer: await next(), filerGrpc: await next() }
}

/** the weed program on PATH (then /usr/local/bin), or undefined */
export async function findWeed(): Promise<string | undefined> {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/local/bin']) {
    if (!dir) continue
    const p = path.join(dir, 'weed')
    if (await fs.access(p, fs.constants.X_OK).then(() => true, () => false)) return p
  }
  return undefined
}

export async function startSeaweedfs(o: SeaweedfsOptions): Promise<S3Sandbox> {
  const weed = o.weed ?? (await findWeed())
  if (!weed) throw new NotInstalledError('weed (SeaweedFS) is not installed', { hint: 'run scripts/install-seaweedfs.sh (or scripts/setup.sh)' })
  const runAs = o.runAs
  const runner: Runner = new ExecaRunner({ runAs })
  const dir = path.resolve(o.dir)
  const own = async (p: string) => {
    if (runAs && process.getuid?.() === 0) await fs.chown(p, runAs.uid, runAs.gid)
  }
  // 0755: the tools read the certificate as their own user; secrets inside are 0600
  await fs.mkdir(dir, { recursive: true, mode: 0o755 })
  await own(dir)
  const dataDir = path.join(dir, 'data')
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 })
  await own(dataDir)
  const layout: WeedLayout = {
    dataDir,
    certFile: path.join(dir, 'cert.pem'),
    keyFile: path.join(dir, 'key.pem'),
    identitiesFile: path.join(dir, 's3-identities.json'),
    filerSocket: path.join(dir, 'filer.sock'),
    s3Socket: path.join(dir, 's3.sock'),
    ports: await pickWeedPorts(),
    volumeSizeLimitMB: o.volumeSizeLimitMB ?? 64,
  }
  const logFile = path.join(dir, 'weed.log')
  const pidFile = path.join(dir, 'weed.pid')

  const cert = await runner.run(execStep('s3-cert', 'make a self-signed certificate for localhost', opensslArgs(layout.certFile, layout.keyFile), { timeoutMs: 60_000 }))
  if (!cert.ok) throw new ToolError(failure('openssl', cert, 'openssl could not make a certificate'))
  await fs.chmod(layout.keyFile, 0o600)
  await fs.chmod(layout.certFile, 0o644)

  const key = `PITRCTL${randomBytes(8).toString('hex').toUpperCase()}`
  const keySecret = randomBytes(24).toString('base64url')
  redactor.register(keySecret)
  await fs.writeFile(layout.identitiesFile, identitiesJson(key, keySecret), { mode: 0o600 })
  await fs.chmod(layout.identitiesFile, 0o600)
  await own(layout.identitiesFile)

  const region = o.region ?? 'us-east-1'
  const endpoint = `https://localhost:${layout.ports.s3}`
  const client = await s3Client({ endpoint, region, key, keySecret, caFile: layout.certFile })
  const ports = Object.values(layout.ports)
  const signal = (sig: string) => runner.run(execStep('weed-signal', `send ${sig} to weed`, ['start-stop-daemon', '--stop', '--quiet', '--signal', sig, '--pidfile', pidFile, '--exec', weed]))

  const sandbox: S3Sandbox = {
    endpoint,
    host: 'localhost',
    port: layout.ports.s3,
    region,
    caFile: layout.certFile,
    key,
    keySecret,
    bucket: o.bucket,
    dir,
    logFile,
    ports,
    async start() {
      const busy = (await Promise.all(ports.map(async (p) => ((await portFree(p)) ? undefined : p)))).filter((p) => p !== undefined)
      if (busy.length) throw new ToolError(failureText(`weed cannot start: port ${busy.join(', ')} is in use`))
      // start-stop-daemon detaches weed and writes its pid: the runner only waits for that
      const r = await runner.run(
        execStep('weed-start', 'start SeaweedFS', ['start-stop-daemon', '--start', '--quiet', '--background', '--make-pidfile', '--pidfile', pidFile, '--output', logFile, '--chdir', dir, '--exec', weed, '--', ...weedServerArgs(layout)], { timeoutMs: 30_000 }),
      )
      if (!r.ok) throw new ToolError(failure('start-stop-daemon', r, 'weed could not be started'))
      await waitUntilAnswering()
      // S3 answers before the master has a leader and the volume server has registered
      await createBucket(o.bucket)
    },
    async stop() {
      // TERM, then KILL after 5 s (see the lab note: the rest of a graceful stop only waits for
      // a flush that fails anyway); exit 1 is "was not running"
      const r = await runner.run(
        execStep('weed-stop', 'stop SeaweedFS', ['start-stop-daemon', '--stop', '--quiet', '--retry', 'TERM/5/KILL/5', '--remove-pidfile', '--pidfile', pidFile, '--exec', weed], { okExitCodes: [0, 1], timeoutMs: 60_000 }),
      )
      if (!r.ok) throw new ToolError(failure('start-stop-daemon', r, 'weed did not stop'))
      await waitForPortsFree(ports)
      await removeGrpcSockets(layout.ports)
    },
    async restart() {
      await sandbox.stop()
      await sandbox.start()
    },
    async pause() {
      const r = await signal('STOP')
      if (!r.ok) throw new ToolError(failure('start-stop-daemon', r, 'weed could not be paused (is it running?)'))
    },
    async resume() {
      const r = await signal('CONT')
      if (!r.ok) throw new ToolError(failure('start-stop-daemon', r, 'weed could not be resumed (is it running?)'))
    },
    createBucket: (name) => createBucket(name),
  }

  try {
    await sandbox.start()
  } catch (e) {
    await sandbox.stop().catch(() => undefined)
    throw e
  }
  return sandbox

  async function waitUntilAnswering(): Promise<void> {
    const { ListBucketsCommand } = await import('@aws-sdk/client-s3')
    const deadline = Date.now() + 120_000
    let last = ''
    while (Date.now() < deadline) {
      try {
        await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(5_000) })
        return
      } catch (e) {
        last = (e as Error).message
      }
      if (!(await running())) throw new ToolError(failureText('weed exited while starting', await logTail()), `read ${logFile}`)
      await sleep(250)
    }
    throw new ToolError(failureText(`SeaweedFS did not answer on ${endpoint} in 120 s (${last})`, await logTail()), `read ${logFile}`)
  }

  async function createBucket(name: string): Promise<void> {
    const { CreateBucketCommand, PutObjectCommand, DeleteObjectCommand } = await import('@aws-sdk/client-s3')
    // Right after start the filer or the volume server may not be registered yet: retry until a
    // bucket exists and a write into it lands, so the first write of a test never meets that.
    const deadline = Date.now() + 120_000
    let last = ''
    while (Date.now() < deadline) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: name })).catch((e: { name?: string }) => {
          if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') throw e
        })
        const probe = `.pitrctl-probe-${randomBytes(4).toString('hex')}`
        await client.send(new PutObjectCommand({ Bucket: name, Key: probe, Body: 'probe' }))
        await client.send(new DeleteObjectCommand({ Bucket: name, Key: probe }))
        return
      } catch (e) {
        last = (e as Error).message
      }
      await sleep(500)
    }
    throw new ToolError(failureText(`SeaweedFS did not accept bucket ${name} in 120 s (${last})`, await logTail()), `read ${logFile}`)
  }

  async function running(): Promise<boolean> {
    const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim())
    if (!pid) return false
    try {
      process.kill(pid, 0)
      return true
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM'
    }
  }

  async function logTail(): Promise<string[]> {
    const text = await fs.readFile(logFile, 'utf8').catch(() => '')
    return text.trim().split('\n').slice(-8)
  }
}

/** the pitrctl.ini lines of a cluster section keeping its repository at s3://BUCKET/PREFIX on this server */
export function s3IniLines(s3: S3Sandbox, prefix: string): string {
  return [
    `repo = s3://${s3.bucket}/${prefix}`,
    `s3-endpoint = ${s3.endpoint}`,
    `s3-region = ${s3.region}`,
    's3-uri-style = path',
    `s3-ca-file = ${s3.caFile}`,
    `s3-key = ${s3.key}`,
    `s3-key-secret = ${s3.keySecret}`,
  ].join('\n')
}

/** an S3 client for a sandbox (or any endpoint with its own CA), path-style */
export async function s3Client(c: { endpoint: string; region: string; key: string; keySecret: string; caFile?: string | undefined }) {
  // pitrctl runs on the machine's Node 20: the SDK's advice to move to Node 22 would land in every command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const [{ S3Client }, { NodeHttpHandler }, https] = await Promise.all([import('@aws-sdk/client-s3'), import('@smithy/node-http-handler'), import('node:https')])
  const ca = c.caFile ? await fs.readFile(c.caFile) : undefined
  return new S3Client({
    endpoint: c.endpoint,
    region: c.region,
    forcePathStyle: true,
    credentials: { accessKeyId: c.key, secretAccessKey: c.keySecret },
    requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca, keepAlive: true }) }),
    maxAttempts: 1,
  })
}

function failure(tool: string, r: { argv: readonly string[]; exitCode: number | undefined; stderr: string; spawnError?: string }, summary: string) {
  const tail = r.stderr.trim().split('\n').filter(Boolean).slice(-5)
  return { kind: r.spawnError === 'program not found' ? ('not-installed' as const) : ('unknown' as const), tool, summary: `${summary}${tail.length ? `: ${tail[tail.length - 1]}` : r.spawnError ? `: ${r.spawnError}` : ''}`, exitCode: r.exitCode, argv: r.argv, stderrTail: tail }
}

function failureText(summary: string, tail: readonly string[] = []) {
  return { kind: 'unknown' as const, tool: 'seaweedfs', summary, exitCode: undefined, argv: [], stderrTail: tail }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

async function waitForPortsFree(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const busy = (await Promise.all(ports.map(async (p) => ((await portFree(p)) ? undefined : p)))).filter((p) => p !== undefined)
    if (!busy.length) return
    if (Date.now() > deadline) throw new ToolError(failureText(`weed stopped but port ${busy.join(', ')} is still in use`))
    await sleep(100)
  }
}

/** the sockets weed puts in /tmp for its gRPC ports (see the lab note), left behind by KILL */
export function grpcSocketPaths(p: WeedPorts): string[] {
  return [
    `/tmp/seaweedfs-master-grpc-${p.masterGrpc}.sock`,
    `/tmp/seaweedfs-volume-grpc-${p.volumeGrpc}.sock`,
    `/tmp/seaweedfs-filer-grpc-${p.filerGrpc}.sock`,
    `/tmp/seaweedfs-s3-grpc-${p.s3Grpc}.sock`,
  ]
}

async function removeGrpcSockets(p: WeedPorts): Promise<void> {
  for (const f of grpcSocketPaths(p)) {
    const st = await fs.lstat(f).catch(() => undefined)
    if (st?.isSocket()) await fs.rm(f, { force: true }).catch(() => undefined)
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
