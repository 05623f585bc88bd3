#!/usr/bin/env node
// Soak: N crash rounds per tool (test/integration/wal-crash.integration.test.ts, "crash round"
// test: pgbench load, kill -9 of wal-push or of a backup, or pg_ctl -m immediate, then an
// in-place restore --to latest checked against the crash-recovered copy), one tool at a time,
// and a table of the outcomes.
//   npm run build && node test/soak/wal-crash.mjs --rounds 20 --tools native,pgbackrest
// --seed S replays a run (each round uses S + i). Exit 1 when any round failed.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : dflt
}
const rounds = Number(arg('rounds', '20'))
const tools = arg('tools', 'native,pgbackrest,barman,walg').split(',')
const seed = Number(arg('seed', String(Date.now() % 1_000_000)))
const report = path.join(os.tmpdir(), `pitrctl-wal-crash-${process.pid}.jsonl`)
rmSync(report, { force: true })

for (const tool of tools) {
  const t0 = Date.now()
  const r = spawnSync('npx', ['vitest', 'run', '--project', 'integration', 'test/integration/wal-crash.integration.test.ts', '-t', 'crash round'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TOOLS: tool, CRASH_ROUNDS: String(rounds), CRASH_REPORT: report, CRASH_SEED: String(seed) },
  })
  console.log(`${tool}: vitest exit ${r.status} after ${Math.round((Date.now() - t0) / 1000)}s`)
}

const rows = existsSync(report) ? readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []
const key = (r) => `${r.tool}\t${r.kind}`
const table = new Map()
for (const r of rows) {
  const t = table.get(key(r)) ?? { tool: r.tool, kind: r.kind, rounds: 0, ok: 0, failed: 0, killedPush: 0, rescued: 0 }
  t.rounds++
  if (r.ok) t.ok++
  else t.failed++
  if (r.killedPush) t.killedPush++
  t.rescued += r.rescued
  table.set(key(r), t)
}
console.log(`\nseed ${seed}, ${rounds} rounds per tool\n`)
console.log(['tool', 'crash', 'rounds', 'ok', 'failed', 'wal-push killed', 'WAL files rescued'].join('\t'))
for (const t of table.values()) console.log([t.tool, t.kind, t.rounds, t.ok, t.failed, t.killedPush, t.rescued].join('\t'))
const failed = rows.filter((r) => !r.ok)
for (const f of failed) console.log(`FAILED ${f.tool} ${f.kind} seed ${f.seed}: ${f.error} truth=${JSON.stringify(f.truth)} restored=${JSON.stringify(f.restored)}`)
console.log(`\nreport: ${report}`)
process.exit(failed.length || rows.length === 0 ? 1 : 0)
