/**
 * `pitrctl schedule --format kubernetes`: one batch/v1 CronJob per job, rendered with `yaml`.
 * Pure.
 *
 * The choices, written into each manifest's header too:
 * - The backup tools work on the server's data directory, so the pod runs on the database host
 *   (nodeSelector kubernetes.io/hostname = --node, default this host's name), on its network
 *   (hostNetwork), as the run-as user's uid/gid, with the host's paths mounted at the same paths
 *   (hostPath): the pitrctl.ini file, the run-as user's home (state, .pgpass), the data directory,
 *   the repository, the socket directory and any adopted tool config; TMPDIR (verify --restore's
 *   scratch copy) is an emptyDir. The commands are exactly those of the systemd and cron formats.
 * - The image (--image) must hold `pitrctl` on PATH, the PostgreSQL programs at the config's
 *   bin-dir (or on PATH) and the cluster's tools; it is not pulled from anywhere by pitrctl.
 * - `concurrencyPolicy: Forbid`, `startingDeadlineSeconds: 3600` (a run that could not start
 *   within an hour is skipped until the next), `restartPolicy: Never` with `backoffLimit: 0`: a
 *   failed backup is not retried at once but shows as a failed Job, is counted by
 *   alert-backup-failures, and the next scheduled run tries again (as with systemd and cron).
 * - `timeZone`: the zone the other formats run in (this host's), so the schedule fires at the
 *   same wall-clock times.
 * - A job of two commands (backup, then expire with expire-auto = on) runs the first as an init
 *   container: the second starts only when the first succeeded, with no shell in between.
 */
import { createHash } from 'node:crypto'
import YAML from 'yaml'
import { generatedBy, type JobSource, type ScheduledJob, type ScheduleFile } from './jobs.js'

export interface HostPaths {
  readonly configFile: string
  readonly home: string
  readonly pgdata: string
  readonly repo: string | undefined
  /** the libpq host when it is a socket directory */
  readonly socketDir: string | undefined
  /** adopted-mode tool files (pgbackrest.config, barman.config, walg.config) */
  readonly files: readonly string[]
  /** adopted-mode tool directories (pg_rman.backup-path, pg_rman.arclog-path) */
  readonly dirs: readonly string[]
}

export interface KubernetesOptions extends JobSource {
  readonly image: string
  readonly namespace: string | undefined
  readonly node: string
  readonly runAs: { readonly user: string; readonly uid: number; readonly gid: number }
  readonly timeZone: string
  readonly paths: HostPaths
}

export const STARTING_DEADLINE_SECONDS = 3600
/** TMPDIR of the pod (an emptyDir): verify --restore's scratch copy goes there */
export const SCRATCH = '/var/tmp/pitrctl-scratch'

export interface HostMount {
  readonly name: string
  readonly path: string
  readonly type: 'File' | 'Directory'
}

/** hostPath mounts, one per path; a path inside a directory already mounted is left out */
export function hostMounts(p: HostPaths): HostMount[] {
  const wanted: Omit<HostMount, 'name'>[] = [
    { path: p.configFile, type: 'File' },
    { path: p.home, type: 'Directory' },
    { path: p.pgdata, type: 'Directory' },
    ...(p.repo ? [{ path: p.repo, type: 'Directory' as const }] : []),
    ...(p.socketDir ? [{ path: p.socketDir, type: 'Directory' as const }] : []),
    ...p.files.map((f) => ({ path: f, type: 'File' as const })),
    ...p.dirs.map((d) => ({ path: d, type: 'Directory' as const })),
  ]
  const dirs = wanted.filter((w) => w.type === 'Directory').map((w) => w.path)
  const inside = (child: string, parent: string) => child !== parent && (parent === '/' || child.startsWith(`${parent}/`))
  const out: HostMount[] = []
  for (const w of wanted) {
    if (dirs.some((d) => inside(w.path, d)) || out.some((m) => m.path === w.path)) continue
    out.push({ ...w, name: `host-${out.length}` })
  }
  return out
}

/** a DNS-1123 name of at most 52 characters (the CronJob limit) */
export function cronJobName(cluster: string, jobId: string): string {
  const raw = `pitrctl-${cluster}-${jobId}`
  const clean = raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-|-$/g, '')
  if (clean.length <= 52 && clean === raw) return clean
  // changed or shortened: a hash of the exact name keeps two clusters apart
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 6)
  return `${clean.slice(0, 45).replace(/-$/, '')}-${hash}`
}

/** a label value: at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends */
function labelValue(v: string): string {
  return v.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || 'x'
}

export function renderKubernetes(jobs: readonly ScheduledJob[], o: KubernetesOptions): ScheduleFile[] {
  const mounts = hostMounts(o.paths)
  const volumes = [...mounts.map((m) => ({ name: m.name, hostPath: { path: m.path, type: m.type } })), { name: 'scratch', emptyDir: {} }]
  const volumeMounts = [...mounts.map((m) => ({ name: m.name, mountPath: m.path })), { name: 'scratch', mountPath: SCRATCH }]
  const header = [
    generatedBy('kubernetes', o),
    `Runs on node ${o.node} (its network, hostPath mounts of the paths pitrctl.ini names) as ${o.runAs.user} (uid ${o.runAs.uid}).`,
    `The image ${o.image} must hold pitrctl on PATH, the PostgreSQL programs and the cluster's tools.`,
  ]
  return jobs.map((job) => {
    const name = cronJobName(o.cluster, job.id)
    const labels = { 'app.kubernetes.io/name': 'pitrctl', 'app.kubernetes.io/instance': labelValue(o.cluster), 'app.kubernetes.io/component': job.id }
    const container = (cname: string, args: readonly string[]) => ({
      name: cname,
      image: o.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['pitrctl', ...args],
      env: [
        { name: 'HOME', value: o.paths.home },
        { name: 'TMPDIR', value: SCRATCH },
      ],
      volumeMounts,
    })
    const named = job.commands.map((args) => container(job.commands.length === 1 ? job.id : args[0]!, args))
    const podSpec = {
      restartPolicy: 'Never',
      nodeSelector: { 'kubernetes.io/hostname': o.node },
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      securityContext: { runAsUser: o.runAs.uid, runAsGroup: o.runAs.gid, runAsNonRoot: true },
      ...(named.length > 1 ? { initContainers: named.slice(0, -1) } : {}),
      containers: named.slice(-1),
      volumes,
    }
    const manifest = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name, ...(o.namespace ? { namespace: o.namespace } : {}), labels, annotations: { 'pitrctl/cluster': o.cluster, 'pitrctl/key': job.key } },
      spec: {
        schedule: job.schedule,
        timeZone: o.timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: STARTING_DEADLINE_SECONDS,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: { metadata: { labels }, spec: { backoffLimit: 0, template: { metadata: { labels }, spec: podSpec } } },
      },
    }
    const doc = new YAML.Document(manifest, { aliasDuplicateObjects: false })
    doc.commentBefore = [...header, `${job.title} (${job.key} = ${job.schedule})`].map((l) => ` ${l}`).join('\n')
    return { name: `${name}.yaml`, content: doc.toString({ lineWidth: 0 }) }
  })
}
