/**
 * The house rules, checked on the import graph of src/ so they hold after whoever changes it
 * next: one module starts processes, one folder talks SQL, only the registry knows the adapter
 * folders, adapters stay pure, arrows point down the layers, and nothing imports in a circle.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = path.resolve('src')

interface Import {
  readonly from: string
  /** a path under src/ (no extension) or a package name */
  readonly to: string
  readonly typeOnly: boolean
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : []
  })
}

const rel = (abs: string) => path.relative(SRC, abs).replace(/\.(ts|js)$/, '')

export function readImports(file: string, text: string): Import[] {
  const out: Import[] = []
  const statement = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'|^\s*import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm
  for (const m of text.matchAll(statement)) {
    const spec = m[4] ?? m[5] ?? m[6]!
    // `import { type A, type B }` is as type-only as `import type { A, B }`
    const names = m[3] ?? ''
    const allTypes = /^\{[^}]*\}$/.test(names.trim()) && names.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type'))
    const typeOnly = m[2] !== undefined || (m[4] !== undefined && allTypes)
    const to = spec.startsWith('.') ? rel(path.resolve(path.dirname(file), spec)) : spec.startsWith('node:') ? spec : spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/')
    out.push({ from: rel(file), to, typeOnly })
  }
  return out
}

const imports = sourceFiles(SRC).flatMap((f) => readImports(f, readFileSync(f, 'utf8')))
const layer = (p: string) => p.split('/')[0]!
const ADAPTER_FOLDER = /^adapters\/(native|pgbackrest|barman|walg|pg_rman)\//

describe('the import graph of src/', () => {
  it('sees the imports it checks (a parser that found nothing would pass every rule)', () => {
    expect(imports.length).toBeGreaterThan(300)
    expect(imports).toContainEqual({ from: 'runner/execa-runner', to: 'execa', typeOnly: false })
    expect(imports).toContainEqual({ from: 'adapters/native/index', to: 'adapters/adapter', typeOnly: true })
  })

  it('only runner/execa-runner.ts imports execa', () => {
    expect(imports.filter((i) => i.to === 'execa' && i.from !== 'runner/execa-runner')).toEqual([])
  })

  it('only src/pg/ imports pg', () => {
    expect(imports.filter((i) => i.to === 'pg' && layer(i.from) !== 'pg')).toEqual([])
  })

  it('only adapters/registry.ts imports an adapter folder, and no adapter folder imports another', () => {
    const bad = imports.filter((i) => {
      const target = ADAPTER_FOLDER.exec(`${i.to}/`)?.[1] ?? ADAPTER_FOLDER.exec(i.to)?.[1]
      if (!target) return false
      const source = ADAPTER_FOLDER.exec(i.from)?.[1]
      return source !== target && i.from !== 'adapters/registry'
    })
    expect(bad).toEqual([])
  })

  it('adapters import nothing from cli/, services/, runner/, commands/ or pg/ but types', () => {
    const bad = imports.filter((i) => layer(i.from) === 'adapters' && ['cli', 'services', 'runner', 'commands', 'pg', 'sandbox'].includes(layer(i.to)) && !i.typeOnly)
    expect(bad).toEqual([])
  })

  it.each([
    ['model', ['cli', 'commands', 'services', 'runner', 'pg', 'sandbox', 'adapters', 'config']],
    ['util', ['cli', 'commands', 'services', 'runner', 'pg', 'sandbox', 'adapters']],
    ['runner', ['cli', 'commands', 'services', 'pg', 'sandbox', 'adapters']],
    ['pg', ['cli', 'commands', 'services', 'sandbox', 'adapters']],
    ['sandbox', ['cli', 'commands', 'services', 'adapters']],
    ['config', ['cli', 'commands', 'services', 'runner', 'pg', 'sandbox', 'adapters']],
    ['services', ['cli', 'commands']],
  ])('%s/ does not import from the layers above it', (from, above) => {
    expect(imports.filter((i) => layer(i.from) === from && above.includes(layer(i.to)))).toEqual([])
  })

  it('has no import cycles', () => {
    const graph = new Map<string, Set<string>>()
    const internal = new Set(imports.map((i) => i.from))
    for (const i of imports) if (internal.has(i.to)) (graph.get(i.from) ?? graph.set(i.from, new Set()).get(i.from)!).add(i.to)
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (n: string, trail: string[]) => {
      if (state.get(n) === 'done') return
      if (state.get(n) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(n)), n].join(' -> '))
        return
      }
      state.set(n, 'open')
      for (const m of graph.get(n) ?? []) visit(m, [...trail, n])
      state.set(n, 'done')
    }
    for (const n of graph.keys()) visit(n, [])
    expect(cycles).toEqual([])
  })
})

describe('readImports', () => {
  it('tells value imports from type-only ones, and resolves relative paths', () => {
    const text = [
      "import type { A } from '../model/a.js'",
      "import { type B, type C } from './b.js'",
      "import { d, type E } from './d.js'",
      "export { f } from '../util/f.js'",
      "import { execa } from 'execa'",
      "const x = await import('../cli/x.js')",
    ].join('\n')
    expect(readImports(path.join(SRC, 'services', 's.ts'), text)).toEqual([
      { from: 'services/s', to: 'model/a', typeOnly: true },
      { from: 'services/s', to: 'services/b', typeOnly: true },
      { from: 'services/s', to: 'services/d', typeOnly: false },
      { from: 'services/s', to: 'util/f', typeOnly: false },
      { from: 'services/s', to: 'execa', typeOnly: false },
      { from: 'services/s', to: 'cli/x', typeOnly: false },
    ])
  })
})
