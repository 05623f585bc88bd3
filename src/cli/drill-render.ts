/**
 * The drill's results as a terminal table and as one self-contained HTML page (inline SVG charts,
 * no scripts, no external fonts): something a DBA can paste into a post-mortem.
 */
import type { DrillReport, DrillToolResult } from '../services/drill.js'
import { bytes, table } from './render.js'

const secs = (n: number | null) => (n === null ? '-' : `${n.toFixed(2)}s`)

export function renderDrill(r: DrillReport): string {
  const rows = r.results.map((x) => [x.tool, x.status.toUpperCase(), secs(x.backupSeconds), secs(x.restoreSeconds), secs(x.recoverySeconds), x.repoBytes === null ? '-' : bytes(x.repoBytes), x.reason ?? ''])
  return [
    `drill ${r.scenario}: ${r.rows} rows, target ${r.target || '-'} (${r.seconds.toFixed(1)}s in all)`,
    table(['TOOL', 'RESULT', 'BACKUP', 'RESTORE', 'RECOVERY', 'REPOSITORY', 'REASON'], rows),
    ...(r.cpSeconds !== null ? [`cp -a of the same data directory: ${secs(r.cpSeconds)} (the floor for copying these files)`] : []),
  ].join('\n')
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const COLORS: Record<string, string> = { native: '#4e79a7', pgbackrest: '#f28e2b', barman: '#59a14f', walg: '#e15759', pg_rman: '#b07aa1' }

/** one horizontal bar chart: a bar per tool */
function barChart(title: string, results: readonly DrillToolResult[], value: (r: DrillToolResult) => number | null, format: (n: number) => string): string {
  const ran = results.filter((r) => value(r) !== null)
  const max = Math.max(1e-9, ...ran.map((r) => value(r)!))
  const rowH = 28
  const h = 30 + Math.max(1, ran.length) * rowH
  const bars = ran
    .map((r, i) => {
      const v = value(r)!
      const w = Math.max(2, (v / max) * 360)
      const y = 24 + i * rowH
      return `<text x="0" y="${y + 15}" class="lbl">${esc(r.tool)}</text><rect x="90" y="${y}" width="${w.toFixed(1)}" height="20" rx="3" fill="${COLORS[r.tool] ?? '#888'}"/><text x="${(96 + w).toFixed(1)}" y="${y + 15}" class="val">${esc(format(v))}</text>`
    })
    .join('')
  return `<figure class="chart"><svg viewBox="0 0 560 ${h}" width="560" height="${h}" role="img" aria-label="${esc(title)}"><text x="0" y="14" class="ttl">${esc(title)}</text>${bars || '<text x="0" y="40" class="lbl">no tool ran</text>'}</svg></figure>`
}

/**
 * The scenario as a picture: a lane per timeline, events in the order they happened (evenly
 * spaced: the story matters more than the seconds between steps), each with its time.
 */
function timelinePicture(r: DrillReport): string {
  const ev = r.events
  if (ev.length === 0) return ''
  const lanes = [...new Set(ev.map((e) => e.timeline))].sort((a, b) => a - b)
  const step = Math.min(130, 640 / Math.max(1, ev.length - 1))
  const x = (i: number) => 110 + i * step
  const y = (tl: number) => 50 + lanes.indexOf(tl) * 80
  const h = 90 + lanes.length * 80
  const w = Math.max(780, x(ev.length - 1) + 90)
  const laneSvg = lanes.map((tl) => `<text x="0" y="${y(tl) + 5}" class="lbl">timeline ${tl}</text><line x1="100" x2="${w - 20}" y1="${y(tl)}" y2="${y(tl)}" class="lane"/>`).join('')
  const shape: Record<string, string> = { backup: '#4e79a7', point: '#59a14f', accident: '#e15759', restore: '#f28e2b' }
  // a restore starts a new timeline: draw the jump from the previous step's lane
  const links = ev
    .map((e, i) => (i > 0 && e.timeline !== ev[i - 1]!.timeline ? `<path d="M${x(i - 1)},${y(ev[i - 1]!.timeline)} C${x(i) - step / 2},${y(ev[i - 1]!.timeline)} ${x(i) - step / 2},${y(e.timeline)} ${x(i)},${y(e.timeline)}" class="jump"/>` : ''))
    .join('')
  const marks = ev
    .map((e, i) => {
      const cx = x(i)
      const cy = y(e.timeline)
      return `<circle cx="${cx}" cy="${cy}" r="7" fill="${shape[e.kind]}"><title>${esc(`${e.label} at ${e.at}`)}</title></circle><text x="${cx}" y="${cy - 14}" text-anchor="middle" class="ev">${esc(e.label)}</text><text x="${cx}" y="${cy + 22}" text-anchor="middle" class="val">${e.at.slice(11, 19)}</text>`
    })
    .join('')
  const legend = Object.entries(shape).map(([k, c], i) => `<circle cx="${120 + i * 120}" cy="${h - 14}" r="6" fill="${c}"/><text x="${132 + i * 120}" y="${h - 10}" class="lbl">${k}</text>`).join('')
  return `<figure class="chart wide"><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="scenario timeline">${laneSvg}${links}${marks}${legend}</svg><figcaption>The scenario in order (UTC time under each step): backups, the noted points, the accident, and the restores with the timelines they created.</figcaption></figure>`
}

export function renderDrillHtml(r: DrillReport): string {
  const rows = r.results
    .map((x) => `<tr class="${x.status}"><td>${esc(x.tool)}</td><td>${esc(x.version ?? '-')}</td><td class="st">${x.status}</td><td>${secs(x.backupSeconds)}</td><td>${secs(x.restoreSeconds)}</td><td>${secs(x.recoverySeconds)}</td><td>${x.repoBytes === null ? '-' : bytes(x.repoBytes)}</td><td>${esc(x.reason ?? '')}</td></tr>`)
    .join('')
  const restores = r.results
    .flatMap((x) => x.restores.map((s) => `<tr class="${s.ok ? 'passed' : 'failed'}"><td>${esc(x.tool)}</td><td>${esc(s.label)}</td><td>${esc(s.target)}</td><td>${esc(s.backup ?? '-')}</td><td>${s.timeline ?? '-'}</td><td>${secs(s.restoreSeconds)}</td><td>${secs(s.recoverySeconds)}</td><td class="check">${esc(s.detail)}</td></tr>`))
    .join('')
  const env = Object.entries(r.environment).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')
  const passed = r.results.filter((x) => x.status === 'passed').length
  const ran = r.results.filter((x) => x.status !== 'skipped').length
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pitrctl drill: ${esc(r.scenario)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:2rem auto;max-width:60rem;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
.sub{color:#666}table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #eee;padding:.3rem .5rem;text-align:left;vertical-align:top}
tr.passed .st{color:#2e7d32;font-weight:600}tr.failed td{background:#fdecea}tr.failed .st{color:#c62828;font-weight:600}tr.skipped{color:#888}
.verdict{font-size:1.1rem;padding:.6rem 1rem;border-radius:6px;background:${passed === ran && ran > 0 ? '#e8f5e9' : '#fdecea'}}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{margin:0}.chart svg{max-width:100%;height:auto}
.ttl{font-weight:600;font-size:13px}.lbl{font-size:12px;fill:#333}.val{font-size:11px;fill:#555}.ev{font-size:11px;fill:#333}.lane{stroke:#bbb;stroke-width:2}.jump{fill:none;stroke:#f28e2b;stroke-width:2;stroke-dasharray:4 3}td.check{word-break:break-all}
figcaption{color:#666;font-size:12px}
</style></head><body>
<h1>Recovery drill: ${esc(r.scenario)}</h1>
<p class="sub">${esc(r.startedAt)} · ${r.rows} rows · target ${esc(r.target || '-')} · ${r.seconds.toFixed(1)} s in all</p>
<p class="verdict">${passed} of ${ran} tool(s) restored exactly the rows that existed at the target${r.results.length > ran ? `; ${r.results.length - ran} skipped` : ''}.</p>
<h2>Results</h2>
${r.cpSeconds !== null ? `<p class="sub">For scale: <code>cp -a</code> of the same data directory took ${secs(r.cpSeconds)} on this machine.</p>` : ''}
<table><thead><tr><th>Tool</th><th>Version</th><th>Result</th><th>Backup</th><th>Restore (files)</th><th>Recovery (WAL replay)</th><th>Repository</th><th>Reason</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Phases per tool</h2>
<div class="charts">
${barChart('Backup seconds', r.results, (x) => x.backupSeconds, (n) => `${n.toFixed(2)} s`)}
${barChart('Restore seconds (files)', r.results, (x) => x.restoreSeconds, (n) => `${n.toFixed(2)} s`)}
${barChart('Recovery seconds (WAL replay to target)', r.results, (x) => x.recoverySeconds, (n) => `${n.toFixed(2)} s`)}
${barChart('Repository bytes', r.results, (x) => x.repoBytes, (n) => bytes(n))}
</div>
<h2>Scenario</h2>
${timelinePicture(r)}
<h2>Every restore</h2>
<table><thead><tr><th>Tool</th><th>Step</th><th>Target</th><th>Backup</th><th>Timeline</th><th>Restore</th><th>Recovery</th><th>Check</th></tr></thead><tbody>${restores || '<tr><td colspan="8">none</td></tr>'}</tbody></table>
<h2>Environment</h2>
<table>${env}</table>
</body></html>
`
}
