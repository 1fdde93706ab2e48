// Bundles the Node entry into one file (dist/node/main.mjs), run by `npm start`. One bundled
// module starts faster and holds about 35 MiB less memory than Node stripping types from the
// sources at run time.
import { copyFileSync, mkdirSync } from 'node:fs'
import { build } from 'esbuild'

// `node scripts/build-node.mjs doctor` builds the doctor alone (its test must not rewrite
// main.mjs while other tests run it).
const only = process.argv[2]

if (only !== 'doctor') await build({
  entryPoints: ['node-entry/main.ts'],
  outfile: 'dist/node/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // swagger-ui-dist is read from disk (its files), not imported: keep it out of the bundle.
  external: ['swagger-ui-dist'],
  // undici is CommonJS and requires Node built-ins: give the ESM bundle a `require` for them.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
})

// The Agent Platform's gRPC server reads its .proto files at start-up from beside the module,
// which in the bundle is dist/node/ (node-entry/agent-platform/codec.ts).
if (only !== 'doctor') copyAgentPlatformProtos('dist/node')

// `npm run doctor`, and `node dist/node/doctor.mjs` in the container image: the setup checks
// (node-entry/doctor/), self-contained like main.mjs.
await build({
  entryPoints: ['node-entry/doctor/cli.ts'],
  outfile: 'dist/node/doctor.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
})

function copyAgentPlatformProtos(outdir) {
  mkdirSync(outdir, { recursive: true })
  for (const name of ['contract.proto', 'health.proto']) copyFileSync(`node-entry/agent-platform/${name}`, `${outdir}/${name}`)
}
