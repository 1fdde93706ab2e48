// npm run size:worker: builds the Worker exactly as `wrangler deploy` would (--dry-run, no login)
// and prints the bundle size, raw and gzipped.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const outdir = 'dist/worker'
rmSync(outdir, { recursive: true, force: true })
execFileSync('node_modules/.bin/wrangler', ['deploy', '--dry-run', '--outdir', outdir], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
})
for (const file of readdirSync(outdir).filter((name) => name.endsWith('.js'))) {
  const bytes = readFileSync(join(outdir, file))
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`
  console.log(
    `${file}: ${kib(statSync(join(outdir, file)).size)}, gzip ${kib(gzipSync(bytes, { level: 9 }).length)}`,
  )
}
