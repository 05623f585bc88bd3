/**
 * What pitrctl records of a backup's stored objects right after taking it, for tools whose own
 * checks do not read a backup's content (WAL-G), and the comparison `verify` makes against a fresh
 * read through the tool. Pure: the services read and write the record file.
 */
/** one object of a backup as the tool's storage returns it; `path` relative to the storage root */
export interface StoredObject {
  readonly path: string
  readonly sizeBytes: number
  readonly sha256: string
}

export interface ContentRecord {
  readonly tool: string
  readonly backup: string
  readonly recordedAt: string
  readonly objects: readonly StoredObject[]
}

export function renderContentRecord(r: ContentRecord): string {
  return `${JSON.stringify(r, null, 1)}\n`
}

/** undefined for anything that is not a record of this backup (a damaged record is no record) */
export function parseContentRecord(text: string | undefined, backupId: string): ContentRecord | undefined {
  if (text === undefined) return undefined
  let r: unknown
  try {
    r = JSON.parse(text)
  } catch {
    return undefined
  }
  const rec = r as Partial<ContentRecord>
  if (rec === null || typeof rec !== 'object' || rec.backup !== backupId || !Array.isArray(rec.objects)) return undefined
  const ok = rec.objects.every((o) => typeof o?.path === 'string' && Number.isInteger(o.sizeBytes) && /^[0-9a-f]{64}$/.test(String(o.sha256)))
  return ok && rec.objects.length > 0 ? (rec as ContentRecord) : undefined
}

export interface ObjectProblem {
  readonly path: string
  readonly problem: 'missing' | 'size' | 'content' | 'unreadable'
  readonly detail: string
}

/**
 * Every recorded object must still be there with the same size and bytes. `now` has one entry per
 * recorded path that could be read (absent: missing); `unreadable` carries the tool's message for
 * objects the listing shows but reading failed. Objects added since are not the backup's and are
 * left alone.
 */
export function compareStoredObjects(
  recorded: readonly StoredObject[],
  now: ReadonlyMap<string, { readonly listedSizeBytes?: number; readonly read?: { sizeBytes: number; sha256: string }; readonly error?: string }>,
): ObjectProblem[] {
  const problems: ObjectProblem[] = []
  for (const o of recorded) {
    const n = now.get(o.path)
    if (n === undefined || (n.listedSizeBytes === undefined && n.read === undefined && n.error === undefined)) {
      problems.push({ path: o.path, problem: 'missing', detail: `${o.path} is missing from the storage` })
      continue
    }
    const size = n.read?.sizeBytes ?? n.listedSizeBytes
    if (size !== undefined && size !== o.sizeBytes) {
      problems.push({ path: o.path, problem: 'size', detail: `${o.path} is ${size} bytes, ${o.sizeBytes} when it was backed up` })
      continue
    }
    if (n.error !== undefined || n.read === undefined) {
      problems.push({ path: o.path, problem: 'unreadable', detail: `${o.path} could not be read: ${n.error ?? 'not read'}` })
      continue
    }
    if (n.read.sha256 !== o.sha256) problems.push({ path: o.path, problem: 'content', detail: `${o.path} has changed: sha256 ${n.read.sha256.slice(0, 12)}…, ${o.sha256.slice(0, 12)}… when it was backed up` })
  }
  return problems
}

/** a verdict line from the problems: the first few named, the count of the rest */
export function summarizeProblems(problems: readonly { detail: string }[], checked: number, what: string): string {
  if (problems.length === 0) return `${checked} ${what} read: every one matches`
  const shown = problems.slice(0, 5).map((p) => p.detail)
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : ''
  return `${problems.length} of ${checked} ${what} damaged: ${shown.join('; ')}${more}`
}
