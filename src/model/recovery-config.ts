/**
 * After a tool restored the files, make the recovery settings exactly what was asked: what the tool
 * wrote through its own flags is kept when it matches, anything that conflicts is commented out
 * (never deleted) and pitrctl's values are appended. Pure: file contents in, plan out.
 */
import path from 'node:path'
import type { Plan, Step } from './plan.js'
import { RECOVERY_GUCS, parseConfLines } from './recovery-settings.js'

export interface RecoveryConfigInput {
  readonly dest: string
  /** every recovery GUC with the value wanted; null = must not be set */
  readonly desired: Readonly<Record<string, string | null>>
  /** current content of postgresql.auto.conf ('' when absent) */
  readonly autoConf: string
  /** other files the tool wrote recovery settings into, with their content */
  readonly extraFiles: readonly { readonly path: string; readonly content: string }[]
  /** replace the tool's restore_command (or supply one where the tool wrote none) */
  readonly restoreCommand: string | undefined
  /** a copy beside the cluster: never archive into its repository, listen on its own port */
  readonly clone: { readonly port: number } | undefined
  /**
   * In place, the cluster keeps archiving: some tools switch archive_command off in what they
   * restore (Barman writes `archive_command = false`), so the cluster's own command is put back.
   */
  readonly archiveCommand?: string | undefined
}

export interface RecoveryConfigPlan extends Plan {
  /** settings the tool had already written as wanted */
  readonly keptFromTool: readonly string[]
  /** the effective restore_command after the plan, for the report */
  readonly restoreCommand: string | undefined
}

function same(a: string, b: string): boolean {
  const norm = (v: string) => {
    const l = v.trim().toLowerCase()
    if (['on', 'true', 'yes', '1'].includes(l)) return 'on'
    if (['off', 'false', 'no', '0'].includes(l)) return 'off'
    return v.trim()
  }
  return norm(a) === norm(b)
}

export function planRecoveryConfig(i: RecoveryConfigInput): RecoveryConfigPlan {
  const autoPath = path.join(i.dest, 'postgresql.auto.conf')
  const extra = i.extraFiles.map((f) => ({ path: f.path, values: parseConfLines(f.content) }))
  const auto = parseConfLines(i.autoConf)
  // postgresql.auto.conf is read last, so it wins over included files.
  const effective = (k: string) => auto.get(k) ?? [...extra].reverse().find((f) => f.values.has(k))?.values.get(k)
  const toSet: Record<string, string | null> = {}
  const extraEdits = new Map<string, Record<string, null>>()
  const kept: string[] = []
  const commentOutInExtras = (k: string) => {
    for (const f of extra) if (f.values.has(k)) extraEdits.set(f.path, { ...(extraEdits.get(f.path) ?? {}), [k]: null })
  }
  const want = (k: string, v: string | null) => {
    const cur = effective(k)
    const isSet = cur !== undefined && cur !== ''
    if (v === null) {
      if (!isSet) return
      commentOutInExtras(k)
      if (auto.has(k)) toSet[k] = null
      return
    }
    if (cur !== undefined && same(cur, v)) {
      kept.push(k)
      return
    }
    commentOutInExtras(k)
    toSet[k] = v
  }
  for (const k of RECOVERY_GUCS) want(k, i.desired[k] ?? null)
  if (i.restoreCommand !== undefined) want('restore_command', i.restoreCommand)
  if (i.clone) {
    want('archive_mode', 'off')
    want('port', String(i.clone.port))
  } else if (i.archiveCommand !== undefined) {
    want('archive_command', i.archiveCommand)
  }
  const steps: Step[] = []
  for (const [p, settings] of extraEdits) steps.push({ kind: 'set-gucs', id: `extra-${steps.length}`, title: `recovery settings in ${path.basename(p)}`, path: p, settings })
  if (Object.keys(toSet).length) steps.push({ kind: 'set-gucs', id: 'auto-conf', title: 'recovery settings in postgresql.auto.conf', path: autoPath, settings: toSet })
  steps.push({ kind: 'write-file', id: 'recovery-signal', title: 'recovery.signal', path: path.join(i.dest, 'recovery.signal'), content: '', mode: 0o600 })
  return {
    title: 'recovery settings',
    steps,
    keptFromTool: kept,
    restoreCommand: i.restoreCommand ?? effective('restore_command'),
  }
}
