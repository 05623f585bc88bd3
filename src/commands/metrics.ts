import { constants, promises as fs } from 'node:fs'
import path from 'node:path'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { renderExposition } from '../cli/metrics-exposition.js'
import { UsageError } from '../errors.js'
import { metricsExitCode, type MetricsPart } from '../model/metrics.js'
import { gatherMetrics, gatherMetricsAsRunAs, writeTextfile } from '../services/metrics.js'
import { isRoot } from '../util/identity.js'

const PART_WORDS: Record<MetricsPart, string> = {
  context: 'the cluster (PostgreSQL programs, data directory)',
  archiver: 'the archiver',
  'pending-segments': 'the WAL waiting to be archived',
  catalog: 'the catalog',
  'repo-size': 'the repository size',
  'verify-record': 'the verify --restore record',
}

export default class Metrics extends BaseCommand<typeof Metrics> {
  static override summary = 'the same Prometheus metrics for every tool (text exposition 0.0.4)'
  static override description =
    'Prints the metrics, or with --textfile writes them atomically for node_exporter\'s textfile collector. What could not be read is left out, pitrctl_collect_success is 0 for it, and the exit code says so (the worst of all clusters with --all).'
  static override flags = {
    all: Flags.boolean({ description: 'every cluster of the config file, in one exposition' }),
    textfile: Flags.string({ description: 'write the exposition to this *.prom file (temp file, fsync, rename; mode 0644) instead of stdout' }),
  }

  async run(): Promise<void> {
    const f = this.flags as typeof this.flags & { config?: string; cluster?: string }
    if (f.all && f.cluster !== undefined) throw new UsageError('--all and --cluster exclude each other', { hint: 'use one of them' })
    const textfile = f.textfile === undefined ? undefined : path.resolve(f.textfile)
    if (textfile !== undefined && !textfile.endsWith('.prom'))
      throw new UsageError(`--textfile ${f.textfile}: node_exporter's textfile collector reads only *.prom files`, { hint: 'name it e.g. pitrctl.prom' })
    // Before the gathering, as the user that will write it: a wrong path fails fast.
    if (textfile !== undefined && !(await writableDir(path.dirname(textfile))))
      throw new UsageError(`--textfile ${f.textfile}: ${path.dirname(textfile)} is not a directory this user can write`, { hint: "point it at node_exporter's --collector.textfile.directory" })
    const sel = { configFlag: f.config, cluster: f.cluster, all: f.all }
    // As root, the clusters are read by a child running as run-as; this process only writes the file.
    const report = isRoot() && textfile !== undefined ? await gatherMetricsAsRunAs(sel) : await gatherMetrics(sel)
    const text = await renderExposition(report)
    if (textfile !== undefined) await writeTextfile(textfile, text)
    if (this.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    else if (textfile === undefined) process.stdout.write(text)
    for (const c of report.clusters)
      for (const p of c.problems)
        this.failWith(p.exitCode, `metrics of ${c.cluster}${p.tool ? ` (${p.tool})` : ''}: could not read ${PART_WORDS[p.part]}: ${p.message}`, 'pitrctl_collect_success is 0 for it; everything else was still reported')
    process.exitCode = metricsExitCode(report)
  }
}

async function writableDir(dir: string): Promise<boolean> {
  const st = await fs.stat(dir).catch(() => undefined)
  return st !== undefined && st.isDirectory() && (await fs.access(dir, constants.W_OK | constants.X_OK).then(() => true, () => false))
}
