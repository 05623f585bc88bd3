/**
 * Output of `--all` (list, check): one block per cluster under a header line, or with --json an
 * array with one element per cluster, in the file's order — the command's single-cluster JSON
 * object, or `{ "cluster", "error": { "code", "message" } }` for a cluster whose work failed.
 * The exit code is the worst of the clusters'.
 */
import type { FleetResult } from '../services/fleet.js'
import { redactor } from '../util/redact.js'

export function fleetJson<R>(fleet: FleetResult<R>): unknown[] {
  return fleet.outcomes.map((o) => (o.error ? { cluster: o.cluster, error: { code: o.error.exitCode, message: redactor.redact(o.error.message) } } : o.result))
}

export function renderFleet<R>(fleet: FleetResult<R>, render: (r: R) => string): string {
  return fleet.outcomes
    .map((o) => {
      const body = o.error ? `FAIL ${redactor.redact(o.error.message)}${o.error.hint ? ` — ${redactor.redact(o.error.hint)}` : ''}` : render(o.result).replace(/\n$/, '')
      return `== cluster ${o.cluster} ==\n${body}`
    })
    .join('\n\n')
}

/** prints the fleet's result and sets the exit code; failures get one stderr line each */
export function emitFleet<R>(fleet: FleetResult<R>, opts: { json: boolean; render: (r: R) => string; failure: (r: R) => string }): void {
  if (opts.json) process.stdout.write(`${JSON.stringify(fleetJson(fleet), null, 2)}\n`)
  else process.stdout.write(`${renderFleet(fleet, opts.render)}\n`)
  const bad = fleet.outcomes.filter((o) => o.exitCode !== 0)
  for (const o of bad)
    process.stderr.write(`pitrctl: cluster ${o.cluster}: ${o.error ? redactor.redact(o.error.message) : opts.failure(o.result)} (exit ${o.exitCode})\n`)
  if (bad.length) process.stderr.write(`pitrctl: ${bad.length} of ${fleet.outcomes.length} clusters failed — read each cluster's block above; the exit code is the worst of them\n`)
  process.exitCode = fleet.exitCode
}
