/**
 * Where pitrctl looks for the programs it runs, in the contract's order (`bin-dir`, else
 * `pg_config` / `PATH`), as data: the I/O that tests each place is services/programs.ts. Pure.
 *
 * PostgreSQL programs (pg_ctl, pg_basebackup, pg_waldump, …) all come from one directory, so
 * that they are one version:
 *   1. `bin-dir` from pitrctl.ini, when set (nothing else is tried);
 *   2. `pg_config --bindir`, when pg_config is on PATH and is the cluster's major version;
 *   3. the packaged directory of the cluster's major version (Debian /usr/lib/postgresql/N/bin,
 *      PGDG RPM /usr/pgsql-N/bin), for hosts whose pg_config is another version's or missing;
 *   4. the directory of the first pg_ctl on PATH (symlinks followed).
 * A tool's own program (pgbackrest, barman, wal-g, pg_rman) is the first executable found in
 * `bin-dir`, the PostgreSQL directory above (where `make USE_PGXS=1 install` puts pg_rman), then
 * each PATH directory in order (/usr/local/bin where PATH has it). Nothing else is searched: a
 * PATH the user narrowed is honoured.
 */

export type SearchSource = 'bin-dir' | 'pg_config --bindir' | 'packaged directory' | 'PATH' | 'PostgreSQL bin directory'

export interface SearchPlace {
  readonly dir: string
  readonly source: SearchSource
}

/** what pitrctl found when it tested a place */
export type PlaceResult = 'found' | 'absent' | 'no access' | 'not executable'

export interface Looked extends SearchPlace {
  readonly result: PlaceResult
  /** why a place that has the program did not serve (pg_config of another major version) */
  readonly note?: string
}

/** PostgreSQL's own programs: taken from the PostgreSQL bin directory only */
export const POSTGRES_PROGRAMS: ReadonlySet<string> = new Set([
  'pg_ctl', 'postgres', 'initdb', 'pg_basebackup', 'pg_verifybackup', 'pg_waldump', 'pg_controldata', 'pg_isready', 'pg_resetwal', 'pg_config', 'psql',
])

/** programs pitrctl itself runs whatever the tool: server start/stop/promote, and reading WAL for its index */
export const PITRCTL_PROGRAMS: readonly string[] = ['pg_ctl', 'pg_waldump']

export function pathDirs(pathEnv: string | undefined): string[] {
  return (pathEnv ?? '').split(':').filter((d) => d !== '' && d.startsWith('/'))
}

/** packaged PostgreSQL directories of one major version */
export function packagedBinDirs(pgMajor: number): string[] {
  return [`/usr/lib/postgresql/${pgMajor}/bin`, `/usr/pgsql-${pgMajor}/bin`]
}

/** where a tool's own program is looked for, in order, each directory once */
export function toolProgramPlaces(o: { readonly binDir: string | undefined; readonly pgBinDir: string | undefined; readonly pathEnv: string | undefined }): SearchPlace[] {
  const places: SearchPlace[] = []
  const add = (dir: string | undefined, source: SearchSource) => {
    if (dir === undefined) return
    const d = trimSlash(dir)
    if (!places.some((p) => p.dir === d)) places.push({ dir: d, source })
  }
  add(o.binDir, 'bin-dir')
  add(o.pgBinDir, 'PostgreSQL bin directory')
  for (const d of pathDirs(o.pathEnv)) add(d, 'PATH')
  return places
}

/** `/usr/local/go/bin (PATH, no access), …`: the places in order, each with why it did not serve */
export function describeLooked(looked: readonly Looked[]): string {
  const parts: string[] = []
  let i = 0
  while (i < looked.length) {
    const source = looked[i]!.source
    const group: string[] = []
    for (; i < looked.length && looked[i]!.source === source; i++) {
      const l = looked[i]!
      group.push(`${l.dir}${l.note ? ` (${l.note})` : l.result === 'no access' || l.result === 'not executable' ? ` (${l.result})` : ''}`)
    }
    parts.push(`${source} ${group.join(', ')}`)
  }
  return parts.join('; ')
}

function trimSlash(d: string): string {
  return d.length > 1 ? d.replace(/\/+$/, '') : d
}

/** the major version in `pg_config --version` output (`PostgreSQL 15.20 (Debian …)`) */
export function parsePgConfigMajor(line: string): number | undefined {
  const m = /^PostgreSQL (\d+)(?:\.\d+)?/.exec(line.trim())
  return m ? Number(m[1]) : undefined
}
