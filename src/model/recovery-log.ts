/**
 * What PostgreSQL 15's server log says about a recovery. `pg_ctl` exiting 0 proves nothing
 * (reliability.md L1–L4, L24–L25): the log, together with the server's own answers, is how
 * pitrctl knows whether and where recovery stopped. Messages from xlogrecovery.c / postmaster.c.
 */
export interface RecoveryStop {
  readonly when: 'before' | 'after' | 'at'
  readonly what: 'commit' | 'abort' | 'lsn' | 'restore-point' | 'consistency'
  readonly xid?: string
  /** as logged, in the server's log_timezone */
  readonly time?: string
  readonly lsn?: string
  readonly name?: string
  readonly line: string
}

export interface RecoveryLog {
  readonly stop: RecoveryStop | undefined
  readonly redoDoneAt: string | undefined
  readonly lastTransactionTime: string | undefined
  readonly newTimeline: number | undefined
  readonly consistentAt: string | undefined
  readonly pausedAtEnd: boolean
  readonly shutdownAtTarget: boolean
  readonly endedBeforeTarget: boolean
  readonly archiveRecoveryComplete: boolean
  /** FATAL and PANIC lines, and WARNINGs about WAL contents (a corrupt record ends redo quietly, L24) */
  readonly problems: readonly string[]
}

const STOP_PATTERNS: readonly [RegExp, (m: RegExpExecArray, line: string) => RecoveryStop][] = [
  [/recovery stopping (before|after) (commit|abort) of transaction (\d+), time (.+)$/, (m, line) => ({ when: m[1] as 'before' | 'after', what: m[2] as 'commit' | 'abort', xid: m[3]!, time: m[4]!.trim(), line })],
  [/recovery stopping at restore point "(.*)", time (.+)$/, (m, line) => ({ when: 'at', what: 'restore-point', name: m[1]!, time: m[2]!.trim(), line })],
  [/recovery stopping (before|after) WAL location \(LSN\) "([0-9A-F]+\/[0-9A-F]+)"/, (m, line) => ({ when: m[1] as 'before' | 'after', what: 'lsn', lsn: m[2]!, line })],
  [/recovery stopping after reaching consistency/, (_m, line) => ({ when: 'after', what: 'consistency', line })],
]

export function parseRecoveryLog(text: string): RecoveryLog {
  let stop: RecoveryStop | undefined
  let redoDoneAt: string | undefined
  let lastTransactionTime: string | undefined
  let newTimeline: number | undefined
  let consistentAt: string | undefined
  let pausedAtEnd = false
  let shutdownAtTarget = false
  let endedBeforeTarget = false
  let archiveRecoveryComplete = false
  const problems: string[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd()
    for (const [re, make] of STOP_PATTERNS) {
      const m = re.exec(line)
      if (m) stop = make(m, line)
    }
    let m: RegExpExecArray | null
    if ((m = /redo done at ([0-9A-F]+\/[0-9A-F]+)/.exec(line))) redoDoneAt = m[1]
    if ((m = /last completed transaction was at log time (.+)$/.exec(line))) lastTransactionTime = m[1]!.trim()
    if ((m = /selected new timeline ID: (\d+)/.exec(line))) newTimeline = Number(m[1])
    if ((m = /consistent recovery state reached at ([0-9A-F]+\/[0-9A-F]+)/.exec(line))) consistentAt = m[1]
    if (/pausing at the end of recovery/.test(line)) pausedAtEnd = true
    if (/shutdown at recovery target/.test(line)) shutdownAtTarget = true
    if (/recovery ended before configured recovery target was reached/.test(line)) endedBeforeTarget = true
    if (/archive recovery complete/.test(line)) archiveRecoveryComplete = true
    if (/\b(FATAL|PANIC):/.test(line) || /(incorrect resource manager data checksum|invalid record length|invalid magic number|contrecord is requested|unexpected pageaddr)/.test(line))
      problems.push(line)
  }
  return { stop, redoDoneAt, lastTransactionTime, newTimeline, consistentAt, pausedAtEnd, shutdownAtTarget, endedBeforeTarget, archiveRecoveryComplete, problems }
}

/** one line for the report: where recovery stopped, in the log's words */
export function describeStop(s: RecoveryStop): string {
  switch (s.what) {
    case 'commit':
    case 'abort':
      return `${s.when} ${s.what} of transaction ${s.xid} (${s.time})`
    case 'lsn':
      return `${s.when} WAL location ${s.lsn}`
    case 'restore-point':
      return `at restore point "${s.name}" (${s.time})`
    case 'consistency':
      return 'after reaching consistency'
  }
}
