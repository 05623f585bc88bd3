import { describe, expect, it } from 'vitest'
import { compareVersions, versionAtLeast } from '../../../src/model/version.js'

describe('compareVersions', () => {
  it.each<[string, string, -1 | 0 | 1]>([
    ['2.45', '2.45', 0],
    ['2.45', '2.46', -1],
    ['2.46', '2.45', 1],
    // numeric, not text: 10 is after 9
    ['2.10', '2.9', 1],
    ['1.3.9', '1.3.13', -1],
    // missing parts are 0
    ['3.4', '3.4.0', 0],
    ['3.4.0', '3.4', 0],
    ['3.4.1', '3.4', 1],
    ['3', '3.0.1', -1],
    // a part is read as a number from its start; non-numeric parts are 0
    ['2.46dev', '2.46', 0],
    ['2.x', '2.0', 0],
    ['x', '0', 0],
    ['', '0.0', 0],
  ])('%s vs %s → %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign)
    expect(Math.sign(compareVersions(b, a))).toBe(-sign || 0)
  })
})

describe('versionAtLeast', () => {
  it.each<[string, string, boolean]>([
    ['3.4.0', '3.6', false],
    ['3.6.0', '3.6', true],
    ['3.15.1', '3.9', true],
    ['1.3.19', '1.3.13', true],
    ['1.3.12', '1.3.13', false],
    ['2.45', '0', true],
  ])('%s ≥ %s: %s', (v, min, ok) => {
    expect(versionAtLeast(v, min)).toBe(ok)
  })
})
