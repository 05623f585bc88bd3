/**
 * What each tool alone can restore on the current timeline, and all of them together — so a team
 * migrating between tools sees when the new one covers their retention and the old one can retire.
 */
import type { ToolId } from './tool-id.js'
import type { WindowSpan } from './window.js'

export interface Coverage {
  readonly tool: ToolId
  readonly timeline: number
  readonly from: string
  readonly to: string
}

/** per tool: the contiguous span that reaches furthest, on the newest timeline the tool has */
export function coverageByTool(spans: readonly WindowSpan[]): Coverage[] {
  const out: Coverage[] = []
  for (const tool of [...new Set(spans.map((s) => s.tool))]) {
    const mine = spans.filter((s) => s.tool === tool)
    const timeline = Math.max(...mine.map((s) => s.timeline))
    const best = mine.filter((s) => s.timeline === timeline).sort((a, b) => b.to.localeCompare(a.to))[0]!
    out.push({ tool, timeline, from: best.from, to: best.to })
  }
  return out
}

/** sentences for `list`: each tool's span, and whether the primary (new) tool covers the others */
export function describeCoverage(cov: readonly Coverage[], primary: ToolId): string[] {
  if (cov.length === 0) return []
  const lines = cov.map((c) => `${c.tool} alone covers from ${c.from} to ${c.to} (timeline ${c.timeline})`)
  if (cov.length < 2) return lines
  const from = cov.map((c) => c.from).sort()[0]!
  const to = cov.map((c) => c.to).sort().at(-1)!
  lines.push(`together they cover from ${from} to ${to}`)
  const main = cov.find((c) => c.tool === primary)
  if (!main) {
    lines.push(`${primary} has no restorable backup yet: keep ${cov.map((c) => c.tool).join(', ')}`)
    return lines
  }
  for (const other of cov.filter((c) => c.tool !== primary)) {
    lines.push(
      main.from <= other.from
        ? `${primary} alone covers everything ${other.tool} does: ${other.tool} can retire`
        : `${other.tool} is still the only way back to ${other.from} … ${main.from}; keep it until that falls out of your retention`,
    )
  }
  return lines
}
