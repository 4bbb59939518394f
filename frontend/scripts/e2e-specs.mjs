// `npm run test:e2e [-- spec ...]`: Node's test runner over the browser specs, one file at a time (they share
// one backend, which some of them stop and start); with arguments, only those spec files.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const named = process.argv.slice(2).filter(Boolean)
const specs = named.length ? named : readdirSync('e2e').filter((f) => f.endsWith('.test.mjs')).sort().map((f) => `e2e/${f}`)
const { status } = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...specs], { stdio: 'inherit' })
process.exit(status ?? 1)
