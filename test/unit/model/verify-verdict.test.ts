import { describe, expect, it } from 'vitest'
import { verdictOf, worthTestRestore } from '../../../src/model/verify-verdict.js'

const pass = (name: string) => ({ name, ok: true })
const fail = (name: string) => ({ name, ok: false })
const unchecked = (name: string) => ({ name, ok: false, unchecked: true })

describe('verify verdict', () => {
  it('ok only when every check passed', () => {
    expect(verdictOf([pass('a'), pass('b')])).toBe(true)
    expect(verdictOf([pass('a'), fail('b')])).toBe(false)
  })

  it('nothing checked is not ok', () => {
    expect(verdictOf([])).toBe(false)
  })

  it('a check that could not be made is not a pass', () => {
    expect(verdictOf([pass('WAL'), unchecked('content')])).toBe(false)
  })

  it('a passing test restore makes up for a check that could not be made, not for a failed one', () => {
    expect(verdictOf([pass('WAL'), unchecked('content'), pass('test restore')])).toBe(true)
    expect(verdictOf([pass('WAL'), unchecked('content'), { name: 'test restore', ok: false }])).toBe(false)
    expect(verdictOf([fail('WAL'), pass('test restore')])).toBe(false)
  })

  it('a test restore is run when only unchecked lines failed', () => {
    expect(worthTestRestore([pass('a'), unchecked('content')])).toBe(true)
    expect(worthTestRestore([pass('a'), fail('b')])).toBe(false)
  })
})
