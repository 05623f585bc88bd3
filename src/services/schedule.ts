/**
 * `pitrctl schedule`: the cluster's `schedule-*` keys as systemd units, a cron.d file or
 * Kubernetes CronJobs (renderers in src/schedule/), printed or written into a directory. Needs
 * neither the server nor the tools, and keeps the caller's privileges (root writes
 * /etc/systemd/system); the jobs themselves run as run-as.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { adapterFor } from '../adapters/registry.js'
import type { ClusterConfig, PitrConfig } from '../config/schema.js'
import { UsageError } from '../errors.js'
import { NotExpressibleError, toOnCalendar } from '../model/cron.js'
import { systemTimeZone } from '../model/time.js'
import { TOOL_LABEL, type ToolId } from '../model/tool-id.js'
import { renderCrontab } from '../schedule/cron.js'
import { planScheduledJobs, type JobSource, type ScheduleFile } from '../schedule/jobs.js'
import { cronJobName, renderKubernetes, type KubernetesOptions } from '../schedule/kubernetes.js'
import { renderSystemd, unitBase } from '../schedule/systemd.js'
import { writeFileDurable } from '../util/durable-fs.js'
import { lookupUser } from '../util/identity.js'
import { osUserFor } from './context.js'
import { pitrctlArgv } from './tool-env.js'

export const SCHEDULE_FORMATS = ['systemd', 'cron', 'kubernetes'] as const
export type ScheduleFormat = (typeof SCHEDULE_FORMATS)[number]

export interface ScheduleResult {
  readonly cluster: string
  readonly format: ScheduleFormat
  readonly files: readonly ScheduleFile[]
}

export interface ScheduleOptions {
  readonly format: ScheduleFormat
  /** kubernetes only */
  readonly image: string
  readonly namespace: string | undefined
  readonly node: string | undefined
}

export function buildSchedule(config: PitrConfig, cluster: ClusterConfig, o: ScheduleOptions): ScheduleResult {
  const source = { cluster: cluster.name, configFile: config.file, schedules: cluster.schedules, expireAuto: cluster.expireAuto }
  const jobs = planScheduledJobs(source)
  if (jobs.length === 0)
    throw new UsageError(`cluster ${cluster.name} has no schedule`, {
      hint: `set schedule-full, schedule-diff, schedule-incr or schedule-verify (5 cron fields, e.g. schedule-full = 0 2 * * *) in [${cluster.name}] or [global] of ${config.file}`,
    })
  const primary = cluster.tools[0]
  const types = adapterFor(primary)?.capabilities.backupTypes ?? []
  for (const j of jobs)
    if (j.kind !== 'verify' && !types.includes(j.kind))
      throw new UsageError(`${j.key} asks for ${j.kind} backups, which ${TOOL_LABEL[primary]}, the primary tool of ${cluster.name}, cannot take`, {
        hint: `remove ${j.key}; ${primary} takes ${types.join(', ')} backups`,
      })
  if (o.format === 'systemd')
    for (const j of jobs) {
      try {
        toOnCalendar(j.schedule)
      } catch (e) {
        if (!(e instanceof NotExpressibleError)) throw e
        throw new UsageError(`${j.key} = ${j.schedule} restricts both day-of-month and day-of-week: cron then runs on days that match either, which systemd's OnCalendar cannot express`, {
          hint: 'restrict only one of the two day fields (e.g. 0 4 * * 0 for Sundays), or use --format cron or kubernetes',
        })
      }
    }
  const user = osUserFor(config)
  const files =
    o.format === 'systemd'
      ? renderSystemd(jobs, { ...source, pitrctl: pitrctlArgv(), user })
      : o.format === 'cron'
        ? renderCrontab(jobs, { ...source, pitrctl: pitrctlArgv(), user })
        : renderKubernetes(jobs, { ...source, ...kubernetesHost(config, cluster, user, o) })
  return { cluster: cluster.name, format: o.format, files }
}

/** where the pod runs and what of the host it mounts: the run-as user and the paths pitrctl.ini names */
function kubernetesHost(config: PitrConfig, cluster: ClusterConfig, user: string, o: ScheduleOptions): Omit<KubernetesOptions, keyof JobSource> {
  const who = lookupUser(user)
  // adopted-mode paths of the cluster's tools are mounted too
  const present = (keys: readonly string[]) =>
    keys.flatMap((k) => {
      const [tool, option] = k.split('.') as [ToolId, string]
      const v = cluster.tools.includes(tool) ? cluster.toolOptions[tool][option] : undefined
      return v ? [v] : []
    })
  return {
    image: o.image,
    namespace: o.namespace,
    node: o.node ?? os.hostname(),
    runAs: { user, uid: who.uid, gid: who.gid },
    timeZone: systemTimeZone(),
    paths: {
      configFile: config.file,
      home: who.home,
      pgdata: cluster.pgdata,
      repo: cluster.repo,
      socketDir: cluster.host.startsWith('/') ? cluster.host : undefined,
      files: present(['pgbackrest.config', 'barman.config', 'walg.config']),
      dirs: present(['pg_rman.backup-path', 'pg_rman.arclog-path']),
    },
  }
}

export interface WrittenSchedule {
  readonly written: readonly string[]
  /** files of earlier runs for this cluster that no schedule-* key makes any more: left alone */
  readonly stale: readonly string[]
}

/** writes each file (0644: systemd and cron read them as root) atomically into `dir` */
export async function writeSchedule(dir: string, r: ScheduleResult): Promise<WrittenSchedule> {
  const abs = path.resolve(dir)
  await fs.mkdir(abs, { recursive: true, mode: 0o755 })
  const written: string[] = []
  for (const f of r.files) {
    const file = path.join(abs, f.name)
    await writeFileDurable(file, f.content, 0o644)
    written.push(file)
  }
  const ours = new Set(r.files.map((f) => f.name))
  const possible = new Set(
    ['backup-full', 'backup-diff', 'backup-incr', 'verify'].flatMap((id) =>
      r.format === 'systemd' ? [`${unitBase(r.cluster, { id })}.service`, `${unitBase(r.cluster, { id })}.timer`] : r.format === 'kubernetes' ? [`${cronJobName(r.cluster, id)}.yaml`] : [],
    ),
  )
  const stale = (await fs.readdir(abs)).filter((n) => possible.has(n) && !ours.has(n)).map((n) => path.join(abs, n))
  return { written, stale }
}
