import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NotInstalledError } from '../../../src/errors.js'
import { execStep, plan } from '../../../src/model/plan.js'
import { describeLooked, toolProgramPlaces } from '../../../src/model/program-search.js'
import type { ProcessResult, Runner } from '../../../src/runner/runner.js'
import { resolvePgBinDir, resolvePrograms } from '../../../src/services/programs.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'pitrctl-programs-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let n = 0
/** a directory holding executable (or, with mode, other) files of the given names */
function dir(files: readonly string[], mode = 0o755): string {
  const d = path.join(root, `d${n++}`)
  mkdirSync(d)
  for (const f of files) {
    writeFileSync(path.join(d, f), '#!/bin/sh\nexit 0\n')
    chmodSync(path.join(d, f), mode)
  }
  return d
}

/** answers `pg_config --bindir --version` the way pg_config does; nothing else is run */
function pgConfigRunner(bindir: string, version: string): Runner & { calls: string[][] } {
  const calls: string[][] = []
  return {
    calls,
    async run(step) {
      calls.push([...step.argv])
      const ok = step.argv[1] === '--bindir' && step.argv[2] === '--version'
      const r: ProcessResult = { argv: step.argv, exitCode: ok ? 0 : 1, signal: undefined, stdout: ok ? `${bindir}\n${version}\n` : '', stderr: '', durationMs: 0, timedOut: false, ok }
      return r
    },
  }
}
const noRunner: Runner = {
  run() {
    throw new Error('nothing should run')
  },
}

const TOOL = 'pitrctl-unit-fake-tool'

describe('the PostgreSQL bin directory: bin-dir, else pg_config, else the packaged directory, else PATH', () => {
  it('bin-dir wins, and pg_config is not even asked', async () => {
    const bin = dir(['pg_ctl'])
    const other = dir(['pg_config', 'pg_ctl'])
    expect(await resolvePgBinDir({ binDir: bin, pgMajor: 15, pathEnv: other, runner: noRunner })).toMatchObject({ dir: bin, source: 'bin-dir' })
  })

  it('a bin-dir without pg_ctl is refused (exit 6), not silently replaced', async () => {
    const empty = dir([])
    const onPath = dir(['pg_ctl'])
    const e = await resolvePgBinDir({ binDir: empty, pgMajor: 15, pathEnv: onPath, runner: noRunner }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(NotInstalledError)
    expect((e as NotInstalledError).exitCode).toBe(6)
    expect((e as NotInstalledError).message).toBe(`bin-dir ${empty} has no pg_ctl`)
  })

  it('pg_config --bindir from PATH when it is the cluster major version', async () => {
    const bindir = dir(['pg_ctl'])
    const cfg = dir(['pg_config'])
    const runner = pgConfigRunner(bindir, 'PostgreSQL 15.20 (Debian 15.20-0+deb12u1)')
    expect(await resolvePgBinDir({ binDir: undefined, pgMajor: 15, pathEnv: `${dir([])}:${cfg}`, runner })).toMatchObject({ dir: bindir, source: 'pg_config --bindir' })
    expect(runner.calls).toEqual([[path.join(cfg, 'pg_config'), '--bindir', '--version']])
  })

  it("pg_config of another major version is passed over, and PATH's pg_ctl is used (symlinks followed)", async () => {
    const v16 = dir(['pg_ctl'])
    const v15 = dir(['pg_ctl'])
    const links = dir(['pg_config'])
    symlinkSync(path.join(v15, 'pg_ctl'), path.join(links, 'pg_ctl'))
    const found = await resolvePgBinDir({ binDir: undefined, pgMajor: 99, pathEnv: `${dir([])}:${links}`, runner: pgConfigRunner(v16, 'PostgreSQL 16.4') })
    expect(found).toMatchObject({ dir: v15, source: 'PATH' })
    expect(found.looked[0]).toMatchObject({ dir: v16, source: 'pg_config --bindir', note: `${path.join(links, 'pg_config')} is PostgreSQL 16, the cluster 99` })
  })

  it('nothing anywhere: exit 6 with every place looked', async () => {
    const a = dir([])
    const b = dir(['pg_ctl'], 0o644)
    const e = (await resolvePgBinDir({ binDir: undefined, pgMajor: 99, pathEnv: `${a}:${b}`, runner: noRunner }).catch((x: unknown) => x)) as NotInstalledError
    expect(e).toBeInstanceOf(NotInstalledError)
    expect(e.message).toBe(`PostgreSQL's programs were not found (no pg_ctl): looked in packaged directory /usr/lib/postgresql/99/bin, /usr/pgsql-99/bin; PATH ${a}, ${b} (not executable)`)
  })
})

describe("a tool's own program: bin-dir, the PostgreSQL bin directory, then PATH", () => {
  it('takes the first place that has it as an executable file', async () => {
    const bin = dir(['pg_ctl'])
    const notExec = dir([TOOL], 0o644)
    const onPath = dir([TOOL])
    const later = dir([TOOL])
    const t = await resolvePrograms([TOOL, 'pg_ctl'], { binDir: undefined, pgMajor: 15, pathEnv: `${notExec}:${onPath}:${later}`, runner: noRunner, pgBinDir: { dir: bin, source: 'packaged directory', looked: [] } })
    expect(t.location(TOOL)).toEqual({ name: TOOL, path: path.join(onPath, TOOL), source: 'PATH' })
    expect(t.paths()).toEqual({ [TOOL]: path.join(onPath, TOOL), pg_ctl: path.join(bin, 'pg_ctl') })
  })

  it('bin-dir and the PostgreSQL directory come before PATH (pg_rman installed beside the server)', async () => {
    const pg = dir(['pg_ctl', TOOL])
    const onPath = dir([TOOL])
    const t = await resolvePrograms([TOOL], { binDir: undefined, pgMajor: 15, pathEnv: onPath, runner: noRunner, pgBinDir: { dir: pg, source: 'pg_config --bindir', looked: [] } })
    expect(t.location(TOOL)?.path).toBe(path.join(pg, TOOL))
    const cfgBin = dir(['pg_ctl', TOOL])
    const t2 = await resolvePrograms([TOOL], { binDir: cfgBin, pgMajor: 15, pathEnv: onPath, runner: noRunner })
    expect(t2.location(TOOL)).toMatchObject({ path: path.join(cfgBin, TOOL), source: 'bin-dir' })
  })

  it('a missing program is exit 6, naming it and every place looked, before a plan that needs it runs', async () => {
    const pg = dir(['pg_ctl'])
    const a = dir([])
    const t = await resolvePrograms([TOOL, 'pg_verifybackup'], { binDir: undefined, pgMajor: 15, pathEnv: a, runner: noRunner, pgBinDir: { dir: pg, source: 'pg_config --bindir', looked: [] } })
    const e = t.missingError(TOOL)!
    expect(e).toBeInstanceOf(NotInstalledError)
    expect(e.exitCode).toBe(6)
    expect(e.message).toBe(`${TOOL} was not found: looked in PostgreSQL bin directory ${pg}; PATH ${a}`)
    expect(() => t.requireForPlan(plan('p', execStep('x', 'x', ['true']), execStep('v', 'v', [TOOL, '--version'])))).toThrow(e.message)
    // a program pitrctl found, or a command it did not look for, is left alone
    expect(() => t.requireForPlan(plan('p', execStep('x', 'x', [path.join(pg, 'pg_ctl'), 'status']), execStep('c', 'c', ['cp', 'a', 'b'])))).not.toThrow()
    // PostgreSQL programs come from the PostgreSQL directory only (one version)
    expect(t.missingError('pg_verifybackup')?.message).toBe(`pg_verifybackup was not found in the PostgreSQL bin directory ${pg} (from pg_config --bindir)`)
  })

  it('lists each place once, in order, and says which could not be read', () => {
    const places = toolProgramPlaces({ binDir: '/opt/pg/bin/', pgBinDir: '/opt/pg/bin', pathEnv: '/usr/local/bin:relative:/root/go/bin:/usr/bin' })
    expect(places.map((p) => `${p.source}:${p.dir}`)).toEqual(['bin-dir:/opt/pg/bin', 'PATH:/usr/local/bin', 'PATH:/root/go/bin', 'PATH:/usr/bin'])
    expect(describeLooked(places.map((p) => ({ ...p, result: p.dir === '/root/go/bin' ? 'no access' : 'absent' })))).toBe('bin-dir /opt/pg/bin; PATH /usr/local/bin, /root/go/bin (no access), /usr/bin')
  })
})
