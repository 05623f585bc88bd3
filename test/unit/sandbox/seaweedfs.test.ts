import { describe, expect, it } from 'vitest'
import { grpcSocketPaths, identitiesJson, opensslArgs, pickWeedPorts, weedServerArgs, type WeedLayout } from '../../../src/sandbox/seaweedfs.js'

const layout: WeedLayout = {
  dataDir: '/s/data',
  certFile: '/s/cert.pem',
  keyFile: '/s/key.pem',
  identitiesFile: '/s/s3-identities.json',
  filerSocket: '/s/filer.sock',
  s3Socket: '/s/s3.sock',
  ports: { s3: 41001, s3Grpc: 41002, master: 41003, masterGrpc: 41004, volume: 41005, volumeGrpc: 41006, filer: 41007, filerGrpc: 41008 },
  volumeSizeLimitMB: 64,
}

/** `-name=value` flags of an argv as a map (bare `-flag` → 'true') */
const flags = (argv: readonly string[]) => new Map(argv.filter((a) => a.startsWith('-')).map((a) => (a.includes('=') ? [a.slice(1, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(1), 'true'])))

describe('weedServerArgs', () => {
  const argv = weedServerArgs(layout)
  const f = flags(argv)

  it('puts the global log flag before the server subcommand', () => {
    expect(argv.indexOf('-logtostderr')).toBeLessThan(argv.indexOf('server'))
    expect(argv.filter((a) => !a.startsWith('-'))).toEqual(['server'])
  })

  it('binds loopback only', () => {
    expect(f.get('ip')).toBe('127.0.0.1')
    expect(f.get('ip.bind')).toBe('127.0.0.1')
  })

  it('gives every service and its gRPC port explicitly (weed would add 10000, or take 9333/8080/8888/8333)', () => {
    expect([f.get('s3.port'), f.get('s3.port.grpc'), f.get('master.port'), f.get('master.port.grpc'), f.get('volume.port'), f.get('volume.port.grpc'), f.get('filer.port'), f.get('filer.port.grpc')]).toEqual(
      ['41001', '41002', '41003', '41004', '41005', '41006', '41007', '41008'],
    )
    // no https side port: with a key, -s3.port itself is HTTPS only
    expect(f.has('s3.port.https')).toBe(false)
  })

  it('turns off the listeners and the telemetry it starts by default', () => {
    expect(f.get('s3.port.iceberg')).toBe('0')
    expect(f.get('s3.port.lance')).toBe('0')
    expect(f.get('master.telemetry')).toBe('false')
  })

  it('keeps a restart quick: no 10 s election wait, no 10 s pre-stop wait', () => {
    expect(f.get('master.electionTimeout')).toBe('1s')
    expect(f.get('volume.preStopSeconds')).toBe('0')
  })

  it('starts filer and S3 with the certificate and identities, data under the sandbox', () => {
    expect(f.get('filer')).toBe('true')
    expect(f.get('s3')).toBe('true')
    expect(f.get('s3.cert.file')).toBe('/s/cert.pem')
    expect(f.get('s3.key.file')).toBe('/s/key.pem')
    expect(f.get('s3.config')).toBe('/s/s3-identities.json')
    expect(f.get('dir')).toBe('/s/data')
    expect(f.get('master.volumeSizeLimitMB')).toBe('64')
    expect(f.get('filer.localSocket')).toBe('/s/filer.sock')
    expect(f.get('s3.localSocket')).toBe('/s/s3.sock')
  })
})

describe('identitiesJson', () => {
  it('is one identity with the key and every action', () => {
    expect(JSON.parse(identitiesJson('AK', 's3cr"et'))).toEqual({
      identities: [{ name: 'pitrctl', credentials: [{ accessKey: 'AK', secretKey: 's3cr"et' }], actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'] }],
    })
  })
})

describe('opensslArgs', () => {
  it('makes a self-signed CA certificate naming localhost (pgBackRest 2.45 checks DNS names)', () => {
    const argv = opensslArgs('/s/cert.pem', '/s/key.pem')
    expect(argv.slice(0, 3)).toEqual(['openssl', 'req', '-x509'])
    expect(argv[argv.indexOf('-keyout') + 1]).toBe('/s/key.pem')
    expect(argv[argv.indexOf('-out') + 1]).toBe('/s/cert.pem')
    expect(argv).toContain('subjectAltName=DNS:localhost,IP:127.0.0.1')
    expect(argv).toContain('-nodes')
  })
})

describe('pickWeedPorts', () => {
  it('gives eight distinct ports, none a default of weed or PostgreSQL', async () => {
    const ports = Object.values(await pickWeedPorts())
    expect(ports).toHaveLength(8)
    expect(new Set(ports).size).toBe(8)
    for (const p of [5432, 9333, 8080, 8888, 8333, 19333, 18080, 18888]) expect(ports).not.toContain(p)
  })
})

describe('grpcSocketPaths', () => {
  it('names the /tmp sockets of the four gRPC ports, which stop() removes', () => {
    expect(grpcSocketPaths(layout.ports)).toEqual([
      '/tmp/seaweedfs-master-grpc-41004.sock',
      '/tmp/seaweedfs-volume-grpc-41006.sock',
      '/tmp/seaweedfs-filer-grpc-41008.sock',
      '/tmp/seaweedfs-s3-grpc-41002.sock',
    ])
  })
})
