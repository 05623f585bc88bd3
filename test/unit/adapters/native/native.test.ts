import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CatalogIO, ToolEnv } from '../../../../src/adapters/adapter.js'
import { classifyFailure } from '../../../../src/adapters/native/errors.js'
import { nativeAdapter } from '../../../../src/adapters/native/index.js'
import { parseBackupLabel, parseManifest, pgLabelTimeToIso, readChecksums, readVerifybackup } from '../../../../src/adapters/native/read.js'
import { parseBackupHistory } from '../../../../src/model/backup-history.js'
import { parseRecoveryTarget } from '../../../../src/model/recovery-target.js'
import type { ProcessResult } from '../../../../src/runner/runner.js'
import type { Backup } from '../../../../src/model/catalog.js'

const FIX = 'test/fixtures/native/15.20'
const read = (p: string) => readFileSync(path.join(FIX, p), 'utf8')

const env: ToolEnv = {
  cluster: 'main', tool: 'native', mode: 'managed', repoDir: '/r/native', options: {}, osUser: 'postgres',
  pg: { pgdata: '/pg/data', binDir: '/usr/lib/postgresql/15/bin', host: '/run/pg', port: 5433, user: 'postgres', database: 'postgres' },
  pitrctl: ['/usr/bin/node', '/opt/pitrctl/bin/run.js'], configPath: '/etc/pitrctl/pitrctl.ini', stateDir: '/r/.pitrctl', pgMajor: 15,
}

function result(fixture: string): ProcessResult {
  const meta = JSON.parse(read(`${fixture}/meta.json`))
  return { argv: [], exitCode: meta.exitCode, signal: undefined, stdout: read(`${fixture}/stdout`), stderr: read(`${fixture}/stderr`), durationMs: 1, timedOut: false, ok: meta.exitCode === 0 }
}

describe('native plans', () => {
  it('backup: a running record, pg_basebackup with a manifest, the done record last', () => {
    const p = nativeAdapter.planBackup(env, { type: 'full', label: 'nightly', startedAt: new Date('2026-11-21T09:31:15.123Z') })
    expect(p.steps.map((s) => `${s.kind}:${s.id}`)).toEqual(['mkdir:mkdir', 'write-file:record-running', 'exec:basebackup', 'write-file:record-done'])
    const bb = p.steps[2]!
    expect(bb.kind === 'exec' && bb.argv).toEqual([
      '/usr/lib/postgresql/15/bin/pg_basebackup', '--pgdata', '/r/native/backups/20261121T093115Z/data', '--format=plain', '--wal-method=stream',
      '--checkpoint=fast', '--manifest-checksums=SHA256', '--no-password', '--label', 'nightly', '--host', '/run/pg', '--port', '5433', '--username', 'postgres',
    ])
    const running = p.steps[1]!
    expect(running.kind === 'write-file' && JSON.parse(running.content)).toEqual({ id: '20261121T093115Z', type: 'full', label: 'nightly', startedAt: '2026-11-21T09:31:15.123Z', status: 'running' })
    const done = p.steps[3]!
    expect(done.kind === 'write-file' && JSON.parse(done.content).status).toBe('done')
  })

  it('wal-push is pitrctl\'s durable copy; restore copies the backup and names pitrctl wal-fetch', () => {
    expect(nativeAdapter.planWalPush(env, '/pg/data/pg_wal/000000010000000000000003').steps).toEqual([
      { kind: 'archive-copy', id: 'archive', title: 'archive 000000010000000000000003', src: '/pg/data/pg_wal/000000010000000000000003', destDir: '/r/native/wal' },
    ])
    const b = { id: '20261121T093115Z' } as never
    const r = nativeAdapter.planRestore(env, { backup: b, dest: '/copy', target: parseRecoveryTarget('latest', { zone: 'UTC', now: new Date() }), inclusive: true, timeline: { kind: 'latest' }, action: 'pause', clone: true })
    expect(r.restoreCommand).toBe('/usr/bin/node /opt/pitrctl/bin/run.js wal-fetch --config /etc/pitrctl/pitrctl.ini --cluster main --tool native %f %p')
    expect(r.steps[1]!.kind === 'exec' && r.steps[1]!.argv).toEqual(['cp', '-a', '--', '/r/native/backups/20261121T093115Z/data/.', '/copy/'])
  })
})

describe('native reads (recorded from PostgreSQL 15.20)', () => {
  it('backup_label, .backup history, manifest', () => {
    expect(parseBackupLabel(read('backup/backup_label'))).toEqual({ startLsn: '0/5000028', startWal: '000000010000000000000005', startTime: '2026-11-21 10:06:26 UTC', timeline: 1, label: 'pitrctl native 20261121T100626Z' })
    expect(parseBackupHistory(read('backup/000000010000000000000005.00000028.backup'))).toEqual({ startLsn: '0/5000028', stopLsn: '0/5000100', stopWal: '000000010000000000000005', stopTime: '2026-11-21 10:06:27 UTC', stopTimeline: 1 })
    const m = parseManifest(read('backup/backup_manifest'))!
    expect(m).toMatchObject({ startLsn: '0/5000028', stopLsn: '0/5000100', timeline: 1 })
    expect(m.bytes).toBeGreaterThan(20_000_000)
  })

  it('label times: UTC exact, offsets exact, abbreviations through log_timezone, else unknown', () => {
    expect(pgLabelTimeToIso('2026-11-21 10:06:27 UTC', undefined)).toBe('2026-11-21T10:06:27.000Z')
    expect(pgLabelTimeToIso('2026-11-21 19:06:27 +09', undefined)).toBe('2026-11-21T10:06:27.000Z')
    expect(pgLabelTimeToIso('2026-11-21 19:06:27 JST', 'Asia/Tokyo')).toBe('2026-11-21T10:06:27.000Z')
    expect(pgLabelTimeToIso('2026-11-21 19:06:27 JST', undefined)).toBeNull()
  })

  it('the whole catalog through CatalogIO, with the 64-bit system id as a string', async () => {
    const files: Record<string, string> = {
      '/r/native/backups/20261121T100626Z/pitrctl-backup.json': read('backup/pitrctl-backup.json'),
      '/r/native/backups/20261121T100626Z/data/backup_label': read('backup/backup_label'),
      '/r/native/backups/20261121T100626Z/data/backup_manifest': read('backup/backup_manifest'),
      '/r/native/backups/20261121T100626Z/data/PG_VERSION': read('backup/PG_VERSION'),
      '/r/native/wal/000000010000000000000005.00000028.backup': read('backup/000000010000000000000005.00000028.backup'),
      '/r/native/backups/20261121T999999Z/pitrctl-backup.json': JSON.stringify({ id: '20261121T999999Z', status: 'running', type: 'full', label: null, startedAt: '2026-11-21T11:00:00.000Z' }),
    }
    const io: CatalogIO = {
      lockHeld: async () => true,
      run: async () => result('controldata'),
      readFile: async (p) => files[p],
      listDir: async (p) => (p === '/r/native/backups' ? ['20261121T100626Z', '20261121T999999Z'] : p === '/r/native/wal' ? ['000000010000000000000005', '000000010000000000000005.00000028.backup', '00000002.history'] : []),
    }
    const cat = await nativeAdapter.readCatalog(env, io)
    expect(cat.walFiles).toEqual(['000000010000000000000005', '00000002.history'])
    expect(cat.backups[0]).toEqual({
      id: '20261121T100626Z', tool: 'native', type: 'full', status: 'ok', start: '2026-11-21T10:06:26.000Z', stop: '2026-11-21T10:06:27.000Z',
      startLsn: '0/5000028', stopLsn: '0/5000100', timeline: 1, walStart: '000000010000000000000005', walStop: '000000010000000000000005',
      size: cat.backups[0]!.size, storedSize: cat.backups[0]!.size, parent: null, pgVersion: '15', systemId: '7710563993399461322', label: null,
    })
    expect(cat.backups[1]).toMatchObject({ id: '20261121T999999Z', status: 'running', stopLsn: null })
    // no pitrctl holds the lock: a backup still marked running was interrupted
    const after = await nativeAdapter.readCatalog(env, { ...io, lockHeld: async () => false })
    expect(after.backups.map((b) => b.status)).toEqual(['ok', 'error'])
  })

  it('pg_verifybackup: the verdict from its output', () => {
    expect(readVerifybackup(result('verify-ok'))).toEqual({ name: 'pg_verifybackup (files and WAL inside the backup)', ok: true, detail: 'backup successfully verified' })
    expect(readVerifybackup(result('verify-corrupt'))).toMatchObject({ ok: false, detail: 'checksum mismatch for file "PG_VERSION"' })
  })

  it('archived WAL checksums: sha256sum --check names what changed or went missing', () => {
    expect(readChecksums(result('wal-checksums-ok'))).toEqual({ name: 'archived WAL checksums', ok: true, detail: '3 segment(s) match their archive-time sha256' })
    expect(readChecksums(result('wal-checksums-bad'))).toEqual({ name: 'archived WAL checksums', ok: false, detail: 'changed since archived: 000000010000000000000005, 000000010000000000000006' })
  })

  it('verify plans sha256sum only over segments whose checksum was recorded', () => {
    const b = { id: '20261121T100626Z' } as Backup
    expect(nativeAdapter.planVerify(env, b, [{ name: '000000010000000000000005', sha256: null }]).steps.map((s) => s.id)).toEqual(['verifybackup'])
    const p = nativeAdapter.planVerify(env, b, [{ name: '000000010000000000000005', sha256: 'ab' }, { name: '000000010000000000000006', sha256: null }])
    expect(p.steps.map((s) => s.id)).toEqual(['verifybackup', 'checksum-list', 'wal-checksums'])
    expect(p.steps[1]).toMatchObject({ kind: 'write-file', content: 'ab  /r/native/wal/000000010000000000000005\n', mode: 0o600 })
  })

  it.each([
    ['pg_basebackup: error: connection to server on socket "/run/pg/.s.PGSQL.5433" failed: No such file or directory', 'db-unreachable'],
    ['pg_verifybackup: error: checksum mismatch for file "PG_VERSION"', 'corrupt'],
    ["cp: cannot stat '/r/native/wal/00000003.history': No such file or directory", 'backup-not-found'],
    ['something else', 'unknown'],
  ])('classifies %s', (stderr, kind) => {
    const f = classifyFailure({ kind: 'exec', id: 'x', title: 'pg_basebackup', argv: ['pg_basebackup'], mutates: true }, { argv: ['pg_basebackup'], exitCode: 1, signal: undefined, stdout: '', stderr, durationMs: 1, timedOut: false, ok: false })
    expect(f.kind).toBe(kind)
  })
})
