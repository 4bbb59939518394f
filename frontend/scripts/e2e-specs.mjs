// `npm run test:e2e [-- spec|--flag ...]`: Node's test runner over the browser specs, one file at a time (they
// share one backend, which some of them stop and start); with spec arguments, only those files; arguments that
// start with `--` go to the runner (`--test-reporter=tap`, ...).
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const args = process.argv.slice(2).filter(Boolean)
const flags = args.filter((a) => a.startsWith('--'))
const named = args.filter((a) => !a.startsWith('--'))
const specs = named.length ? named : readdirSync('e2e').filter((f) => f.endsWith('.test.mjs')).sort().map((f) => `e2e/${f}`)
const { status } = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...flags, ...specs], { stdio: 'inherit' })
process.exit(status ?? 1)
