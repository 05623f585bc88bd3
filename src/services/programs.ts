/**
 * Finds every program pitrctl may run, once per command, in the order model/program-search.ts
 * documents, and answers "which file" and "why not" for each: adapters get the absolute paths
 * through ToolEnv.programs, a plan that needs a missing program is refused with exit 6 naming
 * the program and every place looked, and `check` prints the path and version of each.
 *
 * The tests of each place run as the user pitrctl has become (run-as), the user its children run
 * as: a PATH directory that user cannot read (root's ~/go/bin) is skipped, not an EACCES later.
 */
import { promises as fs, constants } from 'node:fs'
import path from 'node:path'
import { NotInstalledError } from '../errors.js'
import { execStep, type ExecStep, type Plan } from '../model/plan.js'
import {
  POSTGRES_PROGRAMS,
  describeLooked,
  packagedBinDirs,
  parsePgConfigMajor,
  pathDirs,
  toolProgramPlaces,
  type Looked,
  type PlaceResult,
  type SearchSource,
} from '../model/program-search.js'
import type { Runner } from '../runner/runner.js'

export interface ProgramLocation {
  readonly name: string
  readonly path: string
  readonly source: SearchSource
}

export interface PgBinDir {
  readonly dir: string
  readonly source: SearchSource
  /** every place tested before (and including) the one chosen */
  readonly looked: readonly Looked[]
}

export interface ProgramSearchOptions {
  /** `bin-dir` from pitrctl.ini */
  readonly binDir: string | undefined
  /** the cluster's major version (PG_VERSION), when known */
  readonly pgMajor: number | undefined
  readonly pathEnv: string | undefined
  /** runs `pg_config --bindir --version` */
  readonly runner: Runner
}

/** an executable regular file, as the current user sees it */
export async function testProgram(file: string): Promise<PlaceResult> {
  let st
  try {
    st = await fs.stat(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return code === 'EACCES' || code === 'EPERM' ? 'no access' : 'absent'
  }
  if (!st.isFile()) return 'absent'
  try {
    await fs.access(file, constants.X_OK)
    return 'found'
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return code === 'EACCES' || code === 'EPERM' ? 'not executable' : 'absent'
  }
}

/** the PostgreSQL bin directory: bin-dir, else pg_config, else the packaged directory, else PATH */
export async function resolvePgBinDir(o: ProgramSearchOptions): Promise<PgBinDir> {
  const looked: Looked[] = []
  const tryDir = async (dir: string, source: SearchSource, note?: string): Promise<boolean> => {
    const result = await testProgram(path.join(dir, 'pg_ctl'))
    looked.push({ dir, source, result, ...(note ? { note } : {}) })
    return result === 'found'
  }
  if (o.binDir !== undefined) {
    if (await tryDir(o.binDir, 'bin-dir')) return { dir: o.binDir, source: 'bin-dir', looked }
    throw new NotInstalledError(`bin-dir ${o.binDir} has no pg_ctl${looked[0]!.result === 'no access' ? ' the run-as user can run' : ''}`, {
      hint: "set bin-dir in pitrctl.ini to the directory of the cluster's PostgreSQL programs",
    })
  }
  const pgConfig = await firstOnPath('pg_config', o.pathEnv)
  if (pgConfig) {
    const r = await o.runner.run(execStep('pg-config', 'pg_config --bindir --version', [pgConfig, '--bindir', '--version'], { mutates: false, timeoutMs: 30_000 }))
    const [bindir, version] = r.ok ? r.stdout.split('\n').map((l) => l.trim()) : []
    const major = version ? parsePgConfigMajor(version) : undefined
    if (bindir && path.isAbsolute(bindir)) {
      const other = o.pgMajor !== undefined && major !== undefined && major !== o.pgMajor
      if (other) looked.push({ dir: bindir, source: 'pg_config --bindir', result: 'absent', note: `${pgConfig} is PostgreSQL ${major}, the cluster ${o.pgMajor}` })
      else if (await tryDir(bindir, 'pg_config --bindir')) return { dir: bindir, source: 'pg_config --bindir', looked }
    }
  }
  if (o.pgMajor !== undefined)
    for (const dir of packagedBinDirs(o.pgMajor)) if (await tryDir(dir, 'packaged directory')) return { dir, source: 'packaged directory', looked }
  for (const dir of pathDirs(o.pathEnv)) {
    const file = path.join(dir, 'pg_ctl')
    const result = await testProgram(file)
    looked.push({ dir, source: 'PATH', result })
    if (result === 'found') return { dir: path.dirname(await fs.realpath(file)), source: 'PATH', looked }
  }
  throw new NotInstalledError(`PostgreSQL's programs were not found (no pg_ctl): looked in ${describeLooked(looked)}`, {
    hint: 'install PostgreSQL, or set bin-dir in pitrctl.ini',
  })
}

async function firstOnPath(name: string, pathEnv: string | undefined): Promise<string | undefined> {
  for (const dir of pathDirs(pathEnv)) {
    const file = path.join(dir, name)
    if ((await testProgram(file)) === 'found') return file
  }
  return undefined
}

/** every program of one command: where each is, or where pitrctl looked */
export class ProgramTable {
  constructor(
    readonly pgBinDir: PgBinDir,
    private readonly found: ReadonlyMap<string, ProgramLocation>,
    private readonly missing: ReadonlyMap<string, readonly Looked[]>,
  ) {}

  location(name: string): ProgramLocation | undefined {
    return this.found.get(name)
  }

  /** program → absolute path, for ToolEnv.programs */
  paths(): Record<string, string> {
    return Object.fromEntries([...this.found].map(([n, l]) => [n, l.path]))
  }

  /** the exit-6 error for a program that was not found, or undefined when it was (or is not one pitrctl looked for) */
  missingError(name: string): NotInstalledError | undefined {
    const looked = this.missing.get(name)
    if (!looked) return undefined
    if (POSTGRES_PROGRAMS.has(name))
      return new NotInstalledError(`${name} was not found in the PostgreSQL bin directory ${this.pgBinDir.dir} (from ${this.pgBinDir.source})`, {
        hint: `install the PostgreSQL ${name} of the cluster's version there, or set bin-dir in pitrctl.ini`,
      })
    return new NotInstalledError(`${name} was not found: looked in ${describeLooked(looked)}`, { hint: `install ${name}, or put it in bin-dir or on PATH` })
  }

  /** the error for the first step of `steps` whose program was not found */
  missingFor(steps: readonly ExecStep[]): NotInstalledError | undefined {
    for (const s of steps) {
      const program = s.argv[0]
      if (path.isAbsolute(program)) continue
      const e = this.missingError(program)
      if (e) return e
    }
    return undefined
  }

  /** refuse a plan that needs a program that is not installed (before any step of it runs) */
  requireForPlan(plan: Plan): void {
    const e = this.missingFor(plan.steps.filter((s): s is ExecStep => s.kind === 'exec'))
    if (e) throw e
  }

  /** the absolute path of a program, or the exit-6 error */
  require(name: string): string {
    const l = this.found.get(name)
    if (l) return l.path
    throw this.missingError(name) ?? new NotInstalledError(`${name} was not looked for`, { hint: 'this is a bug in pitrctl; report it' })
  }
}

export async function resolvePrograms(names: readonly string[], o: ProgramSearchOptions & { readonly pgBinDir?: PgBinDir }): Promise<ProgramTable> {
  const pgBinDir = o.pgBinDir ?? (await resolvePgBinDir(o))
  const found = new Map<string, ProgramLocation>()
  const missing = new Map<string, Looked[]>()
  const places = toolProgramPlaces({ binDir: o.binDir, pgBinDir: pgBinDir.dir, pathEnv: o.pathEnv })
  for (const name of new Set(names)) {
    if (POSTGRES_PROGRAMS.has(name)) {
      const file = path.join(pgBinDir.dir, name)
      const result = await testProgram(file)
      if (result === 'found') found.set(name, { name, path: file, source: pgBinDir.source })
      else missing.set(name, [{ dir: pgBinDir.dir, source: pgBinDir.source, result }])
      continue
    }
    const looked: Looked[] = []
    for (const p of places) {
      const file = path.join(p.dir, name)
      const result = await testProgram(file)
      looked.push({ ...p, result })
      if (result === 'found') {
        found.set(name, { name, path: file, source: p.source })
        break
      }
    }
    if (!found.has(name)) missing.set(name, looked)
  }
  return new ProgramTable(pgBinDir, found, missing)
}
