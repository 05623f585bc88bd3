/**
 * The contract every tool adapter fulfils. An adapter turns pitrctl's common requests into the
 * tool's commands and config files as data (`plan*`, pure) and parses the tool's output into the
 * common model (`read*`, `parse*`, pure, or async through the read-only `CatalogIO` where the tool
 * needs several round trips). It never starts a process or writes a file itself: the services
 * execute its plans through the one runner, which `--dry-run` replaces by printing.
 */
import type { ToolFailure } from '../errors.js'
import type { Backup, BackupType } from '../model/catalog.js'
import type { ExecStep, Plan } from '../model/plan.js'
import type { RecoveryAction, RecoveryTarget, TimelineChoice } from '../model/recovery-target.js'
import type { DeleteScope } from '../model/retention.js'
import type { Tablespace, TablespaceDest } from '../model/tablespaces.js'
import type { ToolId } from '../model/tool-id.js'
import type { ProcessResult, StepOutputs } from '../runner/runner.js'
import type { FileDigest } from '../util/digest.js'
import type { StoredObject } from '../model/content-record.js'
import type { S3Repo } from '../model/s3-repo.js'

export type { ToolId } from '../model/tool-id.js'

/** the PostgreSQL cluster a tool serves, from pitrctl.ini */
export interface PgTarget {
  readonly pgdata: string
  /** directory of the PostgreSQL programs (pg_ctl, pg_basebackup, …), resolved */
  readonly binDir: string
  /** libpq host: a socket directory or an address */
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
}

/** everything an adapter may know about where it runs; built once by the service layer */
export interface ToolEnv {
  readonly cluster: string
  readonly tool: ToolId
  readonly pg: PgTarget
  /** managed: pitrctl writes the tool's config under repoDir; adopted: the team's own setup */
  readonly mode: 'managed' | 'adopted'
  /** `<repo>/<tool>` in managed mode with a local repo; undefined when the repo is a bucket */
  readonly repoDir: string | undefined
  /**
   * `repo = s3://…`: the bucket, with `prefix` already `<PREFIX>/<tool>`, endpoint and keys. The
   * key secret goes to a tool only through a 0600 file or a step's secretEnv, never argv.
   */
  readonly s3?: S3Repo
  /** every `<tool>.<option>` key of the cluster's section, adopted-mode keys included */
  readonly options: Readonly<Record<string, string>>
  /** the OS user the tools run as (Barman's barman_user) */
  readonly osUser: string
  /** argv that starts pitrctl itself (absolute node and entry point), for WAL commands */
  readonly pitrctl: readonly [string, ...string[]]
  /** absolute path of the pitrctl.ini in use */
  readonly configPath: string
  /** a directory pitrctl owns for this cluster (scratch files, caches) */
  readonly stateDir: string
  /** the server's major version, when known (from PG_VERSION) */
  readonly pgMajor: number | undefined
  /** program name → absolute path of every program found (program-path.ts); absent in unit tests */
  readonly programs?: Readonly<Record<string, string>>
}

export interface Capabilities {
  readonly backupTypes: readonly BackupType[]
  /** why the tool takes only these types, in words (what `backup --type` says when refused) */
  readonly backupTypesNote: string
  /** target kinds the tool's own restore flags express; pitrctl writes the others itself */
  readonly nativeTargets: readonly RecoveryTarget['kind'][]
  /** false: verify is pitrctl's WAL check plus a test restore */
  readonly hasBackupVerify: boolean
  /**
   * Which backups the tool's delete can remove: any set, each with what depends on it ('any'),
   * or only every backup older than a date ('oldest-first': pg_rman's `delete DATE`).
   */
  readonly deleteScope: DeleteScope
  /** the tool can restore a tablespace at another path than its old one (false: pg_rman) */
  readonly relocatesTablespaces: boolean
  /** the adapter serves `repo = s3://…` (ToolEnv.s3); false: such a cluster is refused (exit 2) */
  readonly objectStorage: boolean
}

/** `pitrctl expire`: backups pitrctl decided to delete (model/retention.ts) */
export interface DeleteRequest {
  /** oldest first; whatever depends on one of them is in the list too */
  readonly backups: readonly Backup[]
}

/** `pitrctl expire`: the WAL no remaining backup needs, after the deletes */
export interface WalExpireRequest {
  /** the oldest backup that remains: nothing from its start segment on may go */
  readonly oldest: Backup
  /** archived segments below that start, on every timeline (the decision's WalCut segments) */
  readonly segments: readonly string[]
  /** every segment the tool's archive holds (a tool whose own rule differs checks it against `segments`) */
  readonly archived: readonly string[]
  /** the backups just deleted (their `.backup` history files may go with them) */
  readonly deleted: readonly Backup[]
  /** full backups that remain in the tool's catalog */
  readonly remainingFulls: number
}

export interface WalExpirePlan extends Plan {
  /** how this tool's WAL goes, in words: dry runs and notes print it */
  readonly how: string
}

export interface BackupRequest {
  readonly type: 'full' | 'incr' | 'diff'
  readonly label: string | undefined
  /** when the backup starts, for tools where pitrctl names the backup (native) */
  readonly startedAt?: Date
  /** the cluster's tablespaces now (pg_tblspc), for tools that must place them (native); absent: none */
  readonly tablespaces?: readonly Tablespace[]
}

export interface RestoreRequest {
  readonly backup: Backup
  /** absolute; absent or empty when the tool runs (pitrctl moved an in-place directory aside) */
  readonly dest: string
  readonly target: RecoveryTarget
  readonly inclusive: boolean
  /** what the user asked for (the plan also prints the number it resolved to) */
  readonly timeline: TimelineChoice
  readonly action: RecoveryAction
  /** a copy beside the cluster (--into): must never archive into the cluster's repository */
  readonly clone: boolean
  /**
   * Where each of the backup's tablespaces goes (services/restore-tablespaces.ts decided, refusals
   * included); absent or empty: the backup has none. The adapter turns it into its own flags.
   */
  readonly tablespaces?: readonly TablespaceDest[]
}

export interface RestorePlan extends Plan {
  /**
   * The restore_command the restored server must use when the tool writes none (WAL-G, native),
   * or must replace the tool's (Barman 3.4's `sudo -u`); undefined keeps the tool's own.
   */
  readonly restoreCommand: string | undefined
  /** files besides postgresql.auto.conf where the tool writes recovery settings (pg_rman_recovery.conf) */
  readonly recoveryFiles: readonly string[]
}

export interface VerifyCheck {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
  /**
   * true: pitrctl could not make this check (ok is then false, and the detail says why). Only a
   * passing test restore (verify --restore), which reads every file, makes up for it.
   */
  readonly unchecked?: boolean
}

export type { StoredObject } from '../model/content-record.js'

/** one archived WAL file a backup needs to recover, with the sha256 pitrctl recorded when it was archived */
export interface WalNeeded {
  readonly name: string
  readonly sha256: string | null
}

/** what `readCatalog` may do: read-only commands and reading files */
export interface CatalogIO {
  /** true while a pitrctl run holds the cluster's lock (a backup marked running may really be running) */
  lockHeld(): Promise<boolean>
  /** runs a read-only step; a failure (not ok) throws a ToolError classified by the adapter */
  run(step: ExecStep): Promise<ProcessResult>
  /** undefined when the file does not exist */
  readFile(path: string): Promise<string | undefined>
  /** names in a directory; [] when it does not exist */
  listDir(path: string): Promise<string[]>
}

/** what verification may do besides CatalogIO: read whole files and objects, keeping only digests */
export interface ContentIO extends CatalogIO {
  /** size, CRC-32C and sha256 of a file's bytes; undefined when it does not exist */
  digestFile(path: string): Promise<FileDigest | undefined>
  /** runs a read-only step, hashing its stdout instead of keeping it (result.stdoutDigest); a failure is returned, not thrown */
  runDigest(step: ExecStep): Promise<ProcessResult>
}

export interface CatalogRead {
  readonly backups: readonly Backup[]
  /** names of the segments and `.history` files in the tool's WAL archive */
  readonly walFiles: readonly string[]
}

export interface Adapter {
  readonly id: ToolId
  readonly capabilities: Capabilities
  /** programs that must be on PATH (or in the PostgreSQL bin dir) */
  programs(env: ToolEnv): readonly string[]
  planVersion(env: ToolEnv): ExecStep
  readVersion(result: ProcessResult): string
  /** why this tool version cannot serve this PostgreSQL major version, or undefined */
  unsupportedReason(version: string, pgMajor: number): string | undefined
  /** managed mode: config files and repository initialisation (not archive_command: pitrctl sets that) */
  planSetup(env: ToolEnv): Plan
  /** the tool's own health check, read-only */
  planCheck(env: ToolEnv): Plan
  /** hand one WAL file (segment, .history, .backup) to the tool's archive; `walPath` is absolute */
  planWalPush(env: ToolEnv, walPath: string): Plan
  /** copy one file out of the tool's archive to `destPath` (a missing file must fail, not hang) */
  planWalGet(env: ToolEnv, walName: string, destPath: string): Plan
  planBackup(env: ToolEnv, req: BackupRequest): Plan
  /**
   * What brings the tool's archive up to date with what it received, run before every catalog
   * read: undefined where nothing lags (only Barman moves WAL from incoming/, on `archive-wal`).
   */
  planArchiveRefresh(env: ToolEnv): Plan | undefined
  /** problems the refresh reported (a segment that differs from the one already archived) */
  readArchiveRefresh(outputs: StepOutputs): readonly string[]
  readCatalog(env: ToolEnv, io: CatalogIO): Promise<CatalogRead>
  /** `wal`: the archived WAL recovering the backup needs (its own, then on to the newest segment) */
  planVerify(env: ToolEnv, backup: Backup, wal: readonly WalNeeded[]): Plan
  /**
   * The tool's verdict from its outputs: several tools exit 0 on corruption, so read, don't trust
   * codes. Where the tool's own check does not read the backup's content (pg_rman re-validates
   * nothing once OK, WAL-G has none), the adapter reads it through `io` and compares it with what
   * was recorded, which is why this may be async.
   */
  readVerify(env: ToolEnv, backup: Backup, outputs: StepOutputs, io: ContentIO): VerifyCheck[] | Promise<VerifyCheck[]>
  /**
   * Right after a backup: its stored objects, read through the tool, for pitrctl to keep and
   * `readVerify` to compare against later; null where the tool records its own checksums.
   */
  readStoredObjects(env: ToolEnv, backup: Backup, io: ContentIO): Promise<readonly StoredObject[] | null>
  /**
   * The backup's tablespaces as the tool recorded them (oid, old path, and the name where the tool
   * keeps it), read-only; [] when it has none.
   */
  readTablespaces(env: ToolEnv, backup: Backup, io: CatalogIO): Promise<readonly Tablespace[]>
  planRestore(env: ToolEnv, req: RestoreRequest): RestorePlan
  /** delete these backups with the tool's own command (never more: expire re-reads the catalog to check) */
  planDelete(env: ToolEnv, req: DeleteRequest): Plan
  /**
   * Remove WAL below the oldest remaining backup's start. A tool that removes WAL itself as it
   * deletes backups (Barman) returns no steps and says so in `how`.
   */
  planWalExpire(env: ToolEnv, req: WalExpireRequest): WalExpirePlan
  /** a failed step's result to a ToolFailure: documented exit codes first, then stderr, else unknown */
  classifyFailure(step: ExecStep, result: ProcessResult): ToolFailure
}
