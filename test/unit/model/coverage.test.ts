import { describe, expect, it } from 'vitest'
import { coverageByTool, describeCoverage } from '../../../src/model/coverage.js'
import type { WindowSpan } from '../../../src/model/window.js'

const span = (tool: WindowSpan['tool'], timeline: number, from: string, to: string): WindowSpan => ({ tool, timeline, from, to, backup: 'b', fromLsn: '0/1', toLsn: null, lastSegment: 'x', gapAt: null })

describe('coverage while migrating', () => {
  const spans = [
    span('pgbackrest', 1, '2026-11-01T00:00:00.000Z', '2026-11-21T10:00:00.000Z'),
    span('walg', 1, '2026-11-15T00:00:00.000Z', '2026-11-21T10:00:00.000Z'),
    span('walg', 2, '2026-11-15T00:00:00.000Z', '2026-11-21T11:00:00.000Z'),
  ]
  it('per tool on its newest timeline', () => {
    expect(coverageByTool(spans)).toEqual([
      { tool: 'pgbackrest', timeline: 1, from: '2026-11-01T00:00:00.000Z', to: '2026-11-21T10:00:00.000Z' },
      { tool: 'walg', timeline: 2, from: '2026-11-15T00:00:00.000Z', to: '2026-11-21T11:00:00.000Z' },
    ])
  })
  it('says in words whether the old tool can retire', () => {
    const lines = describeCoverage(coverageByTool(spans), 'walg')
    expect(lines).toContain('walg alone covers from 2026-11-15T00:00:00.000Z to 2026-11-21T11:00:00.000Z (timeline 2)')
    expect(lines).toContain('together they cover from 2026-11-01T00:00:00.000Z to 2026-11-21T11:00:00.000Z')
    expect(lines.at(-1)).toBe('pgbackrest is still the only way back to 2026-11-01T00:00:00.000Z … 2026-11-15T00:00:00.000Z; keep it until that falls out of your retention')
    const later = describeCoverage(coverageByTool([span('pgbackrest', 1, '2026-11-16T00:00:00.000Z', 'z'), span('walg', 1, '2026-11-15T00:00:00.000Z', 'z')]), 'walg')
    expect(later.at(-1)).toBe('walg alone covers everything pgbackrest does: pgbackrest can retire')
  })
})
