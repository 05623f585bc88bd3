#!/usr/bin/env node
// The wrapper's cost: backup and restore of a `pgbench -i -s SCALE` cluster through pitrctl
// against the same tool command run by hand with the same options, and `pitrctl list` against
// the tool's own listing. Prints a table and writes bench/results.json.
//
//   npm run build && node bench/wrapper-cost.mjs            # SCALE=50 TOOLS=all REPEAT=1
//   SCALE=10 TOOLS=native,pgbackrest node bench/wrapper-cost.mjs
//
// Run as root (clusters run as postgres) or as the postgres user. Needs nothing but what
// scripts/setup.sh installs; tools that are not installed are skipped.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const { createSandbox, findBinDir } = await import(`${root}/dist/sandbox/pg-sandbox.js`)
const { adapterFor } = await import(`${root}/dist/adapters/registry.js`)
const { parseConfigText } = await import(`${root}/dist/config/load.js`)
const { buildContext } = await import(`${root}/dist/services/context.js`)
const { silentProgress } = await import(`${root}/dist/cli/progress.js`)
const { readCatalog } = await import(`${root}/dist/services/catalog.js`)
const { baseEnv } = await import(`${root}/dist/runner/execa-runner.js`)

const SCALE = Number(process.env.SCALE ?? 50)
const REPEAT = Number(process.env.REPEAT ?? 1)
const wanted = (process.env.TOOLS ?? 'all') === 'all' ? ['native', 'pgbackrest', 'barman', 'walg', 'pg_rman'] : process.env.TOOLS.split(',')

const binDir = await findBinDir()
const sb = await createSandbox({ binDir, prefix: 'pitrctl-bench-' })
const runAs = sb.runAs
const asUser = (argv, env = {}) => {
  // "by hand": the tool's own command, as the postgres user, with the same environment pitrctl gives it
  const t = performance.now()
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...baseEnv(runAs), ...env }, uid: runAs?.uid, gid: runAs?.gid, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`)
  return (performance.now() - t) / 1000
}
const pitrctl = (args) => {
  const t = performance.now()
  execFileSync(process.execPath, [`${root}/bin/run.js`, ...args, '--config', cfgPath, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 })
  return (performance.now() - t) / 1000
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

let cfgPath
const results = []
try {
  const repo = await sb.mkdir('repo')
  const probeIni = `[global]\nrun-as = postgres\n\n[b]\ntool = native\npgdata = ${sb.pgdata}\nhost = ${sb.socketDir}\nport = ${sb.port}\nrepo = ${repo}\n`
  const probeCfg = parseConfigText('/x', probeIni, 0o600)
  const probe = await buildContext(probeCfg, probeCfg.clusters.get('b'), 'postgres', { progress: silentProgress, dryRun: false })
  const tools = []
  for (const t of wanted) {
    const a = adapterFor(t)
    const r = a && (await probe.runner.run(a.planVersion(probe.env(t))))
    if (r?.ok) tools.push(t)
    else console.error(`skipped ${t}: not installed`)
  }
  const ini = `[global]\nrun-as = postgres\n\n[b]\ntool = ${tools.join(', ')}\npgdata = ${sb.pgdata}\nhost = ${sb.socketDir}\nport = ${sb.port}\nrepo = ${repo}\n`
  cfgPath = await sb.writeFile('pitrctl.ini', ini)
  const config = parseConfigText(cfgPath, ini, 0o600)
  const ctx = await buildContext(config, config.clusters.get('b'), 'postgres', { progress: silentProgress, dryRun: false })
  console.error(`pgbench -i -s ${SCALE} …`)
  asUser([path.join(binDir, 'pgbench'), '-i', '-s', String(SCALE), '-q', '-h', sb.socketDir, '-p', String(sb.port), '-U', 'postgres', 'postgres'])
  pitrctl(['setup'])
  const [{ size }] = await sb.query("select pg_database_size('postgres')::bigint as size")
  const cpT = performance.now()
  asUser(['cp', '-a', sb.pgdata, path.join(sb.root, 'cp-a-copy')])
  const cpSeconds = (performance.now() - cpT) / 1000
  rmSync(path.join(sb.root, 'cp-a-copy'), { recursive: true, force: true })

  for (const tool of tools) {
    const a = adapterFor(tool)
    const env = ctx.env(tool)
    const hand = { backup: [], restore: [], list: [] }
    const wrap = { backup: [], restore: [], list: [] }
    for (let i = 0; i < REPEAT; i++) {
      // the same backup command pitrctl runs, by hand
      let backupSeconds = 0
      for (const s of a.planBackup(env, { type: 'full', label: undefined, startedAt: new Date() }).steps) {
        if (s.kind === 'exec') backupSeconds += asUser(s.argv, { ...s.env, ...s.secretEnv })
        else if (s.kind === 'mkdir') mkdirSync(s.path, { recursive: true, mode: 0o700 }), runAs && execFileSync('chown', [`${runAs.uid}:${runAs.gid}`, s.path])
        else if (s.kind === 'write-file') writeFileSync(s.path, s.content, { mode: s.mode }), runAs && execFileSync('chown', [`${runAs.uid}:${runAs.gid}`, s.path])
      }
      hand.backup.push(backupSeconds)
      wrap.backup.push(pitrctl(['backup', '--tool', tool]))
      // restore the newest backup into an empty directory: files only, by hand and through pitrctl
      const cat = await readCatalog(ctx, tool, { fillIndex: false })
      const newest = cat.backups.filter((b) => b.status === 'ok').at(-1)
      const handDir = await sb.mkdir(`hand-${tool}-${i}`)
      const rp = a.planRestore(env, { backup: newest, dest: handDir, target: { kind: 'immediate' }, inclusive: true, timeline: { kind: 'current' }, action: 'pause', clone: true })
      let t = 0
      for (const s of rp.steps) if (s.kind === 'exec') t += asUser(s.argv, { ...s.env, ...s.secretEnv })
      hand.restore.push(t)
      wrap.restore.push(pitrctl(['restore', '--to', 'immediate', '--backup', newest.id, '--tool', tool, '--into', path.join(sb.root, `wrap-${tool}-${i}`)]))
      rmSync(handDir, { recursive: true, force: true })
      rmSync(path.join(sb.root, `wrap-${tool}-${i}`), { recursive: true, force: true })
    }
    // listing: the tool's own catalog command against pitrctl list for that tool
    const listStep = {
      pgbackrest: () => ['pgbackrest', `--config=${path.join(env.repoDir, 'pgbackrest.conf')}`, '--stanza=b', '--output=json', 'info'],
      barman: () => ['barman', '-c', path.join(env.repoDir, 'barman.conf'), '-f', 'json', 'list-backups', 'b'],
      walg: () => ['wal-g', '--config', path.join(env.repoDir, 'walg.json'), 'backup-list', '--detail', '--json'],
      pg_rman: () => ['pg_rman', 'show', '-B', path.join(env.repoDir, 'backup')],
      native: () => ['ls', path.join(env.repoDir, 'backups')],
    }[tool]()
    for (let i = 0; i < 3; i++) {
      hand.list.push(asUser(listStep, tool === 'pg_rman' ? { TZ: 'UTC' } : {}))
      wrap.list.push(pitrctl(['list', '--tool', tool]))
    }
    const row = { tool }
    for (const k of ['backup', 'restore', 'list']) {
      row[`${k}Hand`] = +median(hand[k]).toFixed(2)
      row[`${k}Pitrctl`] = +median(wrap[k]).toFixed(2)
      row[`${k}Ratio`] = +(median(wrap[k]) / median(hand[k])).toFixed(2)
    }
    results.push(row)
    console.error(JSON.stringify(row))
  }
  const out = { scale: SCALE, databaseBytes: Number(size), cpSeconds: +cpSeconds.toFixed(2), results, at: new Date().toISOString() }
  writeFileSync(path.join(root, 'bench', 'results.json'), `${JSON.stringify(out, null, 2)}\n`)
  console.log(`pgbench -s ${SCALE}: ${(Number(size) / 2 ** 20).toFixed(0)} MiB; cp -a of the data directory: ${cpSeconds.toFixed(2)} s`)
  console.log('tool        backup hand/pitrctl (ratio)   restore hand/pitrctl (ratio)   list hand/pitrctl (ratio)')
  for (const r of results)
    console.log(`${r.tool.padEnd(11)} ${r.backupHand}s/${r.backupPitrctl}s (${r.backupRatio})`.padEnd(42) + `${r.restoreHand}s/${r.restorePitrctl}s (${r.restoreRatio})`.padEnd(31) + `${r.listHand}s/${r.listPitrctl}s (${r.listRatio})`)
} finally {
  await sb.destroy()
}
