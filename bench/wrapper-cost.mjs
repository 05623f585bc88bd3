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
const pitrctl = (args) => {
  const t = performance.now()
  execFileSync(process.execPath, [`${root}/bin/run.js`, ...args, '--config', cfgPath, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 })
  return (performance.now() - t) / 1000
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

let cfgPath
const results = []
const tools = []
{
  for (const t of wanted) {
    const a = adapterFor(t)
    const r = a && spawnSync(t === 'native' ? path.join(binDir, 'pg_basebackup') : { pgbackrest: 'pgbackrest', barman: 'barman', walg: 'wal-g', pg_rman: 'pg_rman' }[t], ['--version'], { stdio: 'ignore' })
    if (r && !r.error) tools.push(t)
    else console.error(`skipped ${t}: not installed`)
  }
}
let cpSeconds = null
let dbBytes = null
// One cluster per tool, archiving to that tool alone: the setup a team actually runs.
for (const tool of tools) {
  const sb = await createSandbox({ binDir, prefix: `pitrctl-bench-${tool}-` })
  const runAs = sb.runAs
  const asUser = (argv, env = {}) => {
    // "by hand": the tool's own command, as the postgres user, with the same environment pitrctl gives it
    const t = performance.now()
    const r = spawnSync(argv[0], argv.slice(1), { env: { ...baseEnv(runAs), ...env }, uid: runAs?.uid, gid: runAs?.gid, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 })
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`)
    return (performance.now() - t) / 1000
  }
  const own = (p) => runAs && execFileSync('chown', [`${runAs.uid}:${runAs.gid}`, p])
  try {
    const repo = await sb.mkdir('repo')
    const ini = `[global]\nrun-as = postgres\n\n[b]\ntool = ${tool}\npgdata = ${sb.pgdata}\nhost = ${sb.socketDir}\nport = ${sb.port}\nrepo = ${repo}\n`
    cfgPath = await sb.writeFile('pitrctl.ini', ini)
    const config = parseConfigText(cfgPath, ini, 0o600)
    const ctx = await buildContext(config, config.clusters.get('b'), 'postgres', { progress: silentProgress, dryRun: false })
    console.error(`${tool}: pgbench -i -s ${SCALE} …`)
    asUser([path.join(binDir, 'pgbench'), '-i', '-s', String(SCALE), '-q', '-h', sb.socketDir, '-p', String(sb.port), '-U', 'postgres', 'postgres'])
    pitrctl(['setup'])
    if (cpSeconds === null) {
      const [{ size }] = await sb.query("select pg_database_size('postgres')::bigint as size")
      dbBytes = Number(size)
      await sb.query('checkpoint')
      cpSeconds = asUser(['cp', '-a', sb.pgdata, path.join(sb.root, 'cp-a-copy')])
      rmSync(path.join(sb.root, 'cp-a-copy'), { recursive: true, force: true })
    }
    const a = adapterFor(tool)
    const env = ctx.env(tool)
    const hand = { backup: [], restore: [], list: [] }
    const wrap = { backup: [], restore: [], list: [] }
    for (let i = 0; i < REPEAT; i++) {
      // what a Barman setup's cron does anyway: move incoming WAL into the archive (not timed)
      for (const st of a.planArchiveRefresh?.(env)?.steps ?? []) if (st.kind === 'exec') asUser(st.argv, { ...st.env, ...st.secretEnv })
      // the same backup command pitrctl runs, by hand
      let backupSeconds = 0
      for (const st of a.planBackup(env, { type: 'full', label: undefined, startedAt: new Date() }).steps) {
        if (st.kind === 'exec') backupSeconds += asUser(st.argv, { ...st.env, ...st.secretEnv })
        else if (st.kind === 'mkdir') mkdirSync(st.path, { recursive: true, mode: 0o700 }), own(st.path)
        else if (st.kind === 'write-file') writeFileSync(st.path, st.content, { mode: st.mode }), own(st.path)
      }
      hand.backup.push(backupSeconds)
      await new Promise((r) => setTimeout(r, 1100)) // backup ids of some tools have one-second resolution
      wrap.backup.push(pitrctl(['backup']))
      // restore the newest backup into an empty directory: files only, by hand and through pitrctl
      const cat = await readCatalog(ctx, tool, { fillIndex: false })
      const newest = cat.backups.filter((b) => b.status === 'ok').at(-1)
      const handDir = await sb.mkdir(`hand-${i}`)
      const rp = a.planRestore(env, { backup: newest, dest: handDir, target: { kind: 'immediate' }, inclusive: true, timeline: { kind: 'current' }, action: 'pause', clone: true })
      let t = 0
      for (const st of rp.steps) {
        if (st.kind === 'exec') t += asUser(st.argv, { ...st.env, ...st.secretEnv })
        else if (st.kind === 'mkdir') mkdirSync(st.path, { recursive: true, mode: 0o700 }), own(st.path)
      }
      hand.restore.push(t)
      wrap.restore.push(pitrctl(['restore', '--to', 'immediate', '--backup', newest.id, '--into', path.join(sb.root, `wrap-${i}`)]))
      rmSync(handDir, { recursive: true, force: true })
      rmSync(path.join(sb.root, `wrap-${i}`), { recursive: true, force: true })
    }
    // listing: the tool's own catalog command against pitrctl list
    const listStep = {
      pgbackrest: () => ['pgbackrest', `--config=${path.join(env.repoDir, 'pgbackrest.conf')}`, '--stanza=b', '--output=json', 'info'],
      barman: () => ['barman', '-c', path.join(env.repoDir, 'barman.conf'), '-f', 'json', 'list-backups', 'b'],
      walg: () => ['wal-g', '--config', path.join(env.repoDir, 'walg.json'), 'backup-list', '--detail', '--json'],
      pg_rman: () => ['pg_rman', 'show', '-B', path.join(env.repoDir, 'backup')],
      native: () => ['ls', path.join(env.repoDir, 'backups')],
    }[tool]()
    for (let i = 0; i < 3; i++) {
      hand.list.push(asUser(listStep, tool === 'pg_rman' ? { TZ: 'UTC' } : {}))
      wrap.list.push(pitrctl(['list']))
    }
    const row = { tool }
    for (const k of ['backup', 'restore', 'list']) {
      row[`${k}Hand`] = +median(hand[k]).toFixed(2)
      row[`${k}Pitrctl`] = +median(wrap[k]).toFixed(2)
      row[`${k}Ratio`] = +(median(wrap[k]) / Math.max(median(hand[k]), 0.001)).toFixed(2)
    }
    results.push(row)
    console.error(JSON.stringify(row))
  } finally {
    await sb.destroy()
  }
}
const out = { scale: SCALE, databaseBytes: dbBytes, cpSeconds: cpSeconds === null ? null : +cpSeconds.toFixed(2), results, at: new Date().toISOString() }
writeFileSync(path.join(root, 'bench', 'results.json'), `${JSON.stringify(out, null, 2)}\n`)
console.log(`pgbench -s ${SCALE}: ${((dbBytes ?? 0) / 2 ** 20).toFixed(0)} MiB; cp -a of the data directory: ${cpSeconds?.toFixed(2)} s`)
console.log('tool        backup hand/pitrctl (ratio)   restore hand/pitrctl (ratio)   list hand/pitrctl')
for (const r of results)
  console.log(`${r.tool.padEnd(11)} ${r.backupHand}s/${r.backupPitrctl}s (${r.backupRatio})`.padEnd(42) + `${r.restoreHand}s/${r.restorePitrctl}s (${r.restoreRatio})`.padEnd(31) + `${r.listHand}s/${r.listPitrctl}s`)
