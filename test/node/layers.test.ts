/**
 * Imports point down. The gateway's parts (each top-level file or folder of src/, and the two
 * adapters) sit in layers; a part imports only from its own layer or the ones below it, and no two
 * parts import each other, however indirectly. A new top-level part fails this test until it is
 * given a layer here: where it goes is a decision, not an accident.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

/** Top to bottom. */
const LAYERS: readonly { name: string; parts: readonly string[] }[] = [
  // Runtime code: they build a Platform and hand requests to the core; never imported by it, nor by each other.
  { name: 'adapters', parts: ['worker-entry', 'node-entry'] },
  // What the adapters call: the HTTP app, the gateway that builds it, the Agent Platform service beside it, start-up warnings.
  { name: 'composition', parts: ['settings-warnings.ts', 'agent-platform', 'gateway.ts', 'app.ts'] },
  // One route group per GitLab API area, and the OpenAPI document generated from their schemas.
  { name: 'routes', parts: ['routes', 'openapi'] },
  // What GitLab asks for, without HTTP: code suggestions, chat, prompts, embeddings, the proxy's checks, docs search.
  { name: 'features', parts: ['code', 'chat', 'prompts', 'embeddings', 'proxy', 'search'] },
  // The front door for model calls: identifiers, families, quirks, the neutral request.
  { name: 'models', parts: ['models'] },
  // The gateway's clients: model servers (one module per wire format, the model client) and token issuers (auth).
  { name: 'clients', parts: ['providers', 'auth'] },
  // Bytes in and out: request plumbing, upstream streams and what goes to the client, measurements.
  { name: 'transport', parts: ['http', 'streaming', 'metrics'] },
  // What a model call is (messages, tools, events, results) and how a call to a model server fails.
  { name: 'model call', parts: ['model-call'] },
  // Settings, logging, error bodies, and the ports a runtime fills in.
  { name: 'foundation', parts: ['platform.ts', 'config.ts', 'settings.ts', 'logging.ts', 'errors.ts'] },
]

const ROOT = join(import.meta.dirname, '..', '..')
const ADAPTERS = new Set(LAYERS[0]!.parts)
const layerOf = new Map(LAYERS.flatMap(({ parts }, index) => parts.map((part) => [part, index] as const)))

interface Edge {
  from: string
  to: string
  file: string
  target: string
}

/** Every relative import between two different parts (`import`, `export … from`, `import()`). */
function edges(): { edges: Edge[]; parts: Set<string> } {
  const found: Edge[] = []
  const parts = new Set<string>()
  for (const file of sourceFiles()) {
    const from = partOf(file)!
    parts.add(from)
    const text = readFileSync(join(ROOT, file), 'utf8')
    for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = relative(ROOT, normalize(join(ROOT, dirname(file), match[1]!)))
        .split(sep)
        .join('/')
      const to = partOf(target)
      if (to !== undefined && to !== from) found.push({ from, to, file, target })
    }
  }
  return { edges: found, parts }
}

function sourceFiles(): string[] {
  return ['src', ...ADAPTERS].flatMap((dir) =>
    (existsSync(join(ROOT, dir)) ? (readdirSync(join(ROOT, dir), { recursive: true }) as string[]) : [])
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
      .map((name) => `${dir}/${name.split(sep).join('/')}`),
  )
}

/** `src/streaming/guard.ts` → `streaming`, `node-entry/doctor/cli.ts` → `node-entry`; outside the code (package.json...): none. */
function partOf(path: string): string | undefined {
  const [top, part] = path.split('/')
  if (top === 'src') return part
  return ADAPTERS.has(top!) ? top : undefined
}

function layerName(part: string): string {
  return LAYERS[layerOf.get(part)!]!.name
}

function upwardImports(all: Edge[]): string[] {
  return all
    .filter(({ from, to }) => {
      const [a, b] = [layerOf.get(from), layerOf.get(to)]
      if (a === undefined || b === undefined) return false
      return b < a || (ADAPTERS.has(from) && ADAPTERS.has(to))
    })
    .map(
      ({ from, to, file, target }) =>
        `${file} imports ${target}: ${from} (${layerName(from)}) may not import ${to} (${layerName(to)})`,
    )
}

/** Each cycle between parts once, as `a → b → … → a` with one file behind each step. */
function cycles(all: Edge[]): string[] {
  const next = new Map<string, Map<string, Edge>>()
  for (const edge of all) {
    const out = next.get(edge.from) ?? new Map<string, Edge>()
    if (!out.has(edge.to)) out.set(edge.to, edge)
    next.set(edge.from, out)
  }
  const found = new Set<string>()
  const path: Edge[] = []
  const onPath = new Set<string>()
  const done = new Set<string>()
  const visit = (part: string) => {
    onPath.add(part)
    for (const [to, edge] of next.get(part) ?? []) {
      path.push(edge)
      if (onPath.has(to)) {
        const loop = path.slice(path.findIndex((step) => step.from === to))
        found.add(
          loop.map((step) => `${step.from} → (${step.file} imports ${step.target})`).join(' → ') + ` → ${to}`,
        )
      } else if (!done.has(to)) {
        visit(to)
      }
      path.pop()
    }
    onPath.delete(part)
    done.add(part)
  }
  for (const part of [...next.keys()].sort()) if (!done.has(part)) visit(part)
  return [...found]
}

describe('layers: imports point down', () => {
  const { edges: all, parts } = edges()

  it('gives every part of src/ a layer (and names no part that is gone)', () => {
    expect([...parts].filter((part) => !layerOf.has(part)).sort(), 'parts without a layer').toEqual([])
    expect(
      [...layerOf.keys()].filter((part) => !parts.has(part)).sort(),
      'layers naming parts that do not exist',
    ).toEqual([])
  })

  it('has no import from a part to one in a higher layer, nor between the adapters', () => {
    expect(upwardImports(all)).toEqual([])
  })

  it('has no cycle between parts', () => {
    expect(cycles(all)).toEqual([])
  })

  it('sees the imports it checks (a broken scan passes everything)', () => {
    expect(all.some((edge) => edge.from === 'routes' && edge.to === 'code')).toBe(true)
    expect(all.some((edge) => edge.from === 'node-entry' && edge.to === 'gateway.ts')).toBe(true)
  })
})
