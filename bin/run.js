#!/usr/bin/env node
// wal-fetch runs once per WAL segment during recovery: it takes a path that skips loading the
// whole CLI (same flags, exit codes and errors); anything it does not recognise goes to oclif.
if (process.argv[2] === 'wal-fetch') {
  const { fastWalFetch } = await import('../dist/cli/wal-fetch-fast.js')
  const code = await fastWalFetch(process.argv.slice(3))
  if (code !== undefined) process.exit(code)
}
const { execute } = await import('@oclif/core')
await execute({ dir: import.meta.url })
