// Bundles the Node entry into one file (dist/node/main.mjs), run by `npm start`. One bundled
// module starts faster and holds about 35 MiB less memory than Node stripping types from the
// sources at run time.
// Usage: node scripts/build-node.mjs [doctor] [--outdir DIR]
//   doctor      builds the doctor alone (its test must not rewrite main.mjs while other tests run it)
//   --outdir    writes elsewhere than dist/node (a test that must not touch the shared bundle)
import { build } from 'esbuild'
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

const args = process.argv.slice(2)
const only = args.includes('doctor') ? 'doctor' : undefined
const outdirAt = args.indexOf('--outdir')
const outdir = outdirAt >= 0 ? args[outdirAt + 1] : 'dist/node'

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Old enough that a too-old Node still loads the bundle and gets main.ts's clear refusal.
  target: 'node20',
  sourcemap: true,
  // undici is CommonJS and requires Node built-ins: give the ESM bundle a `require` for them.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
}

if (only !== 'doctor')
  await build({
    ...common,
    entryPoints: ['node-entry/main.ts'],
    outfile: join(outdir, 'main.mjs'),
    // swagger-ui-dist is read from disk (its files), not imported: keep it out of the bundle.
    external: ['swagger-ui-dist'],
  })

// The Agent Platform's gRPC server reads its .proto files at start-up from beside the module,
// which in the bundle is dist/node/ (node-entry/agent-platform/codec.ts).
if (only !== 'doctor') copyAgentPlatformProtos(outdir)

// `npm run doctor`, and `node dist/node/doctor.mjs` in the container image: the setup checks
// (node-entry/doctor/), self-contained like main.mjs.
await build({
  ...common,
  entryPoints: ['node-entry/doctor/cli.ts'],
  outfile: join(outdir, 'doctor.mjs'),
})

function copyAgentPlatformProtos(outdir) {
  mkdirSync(outdir, { recursive: true })
  for (const name of ['contract.proto', 'health.proto'])
    copyFileSync(`node-entry/agent-platform/${name}`, `${outdir}/${name}`)
}
