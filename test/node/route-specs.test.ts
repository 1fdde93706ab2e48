/**
 * Docs and validation cannot drift: a route's contract (method, path, body schema, OpenAPI prose)
 * lives in `src/routes/specs/`, the document is built from it, and every handler reads its JSON body
 * with a schema taken from there. This test holds the route files to the last part.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROUTES = join(import.meta.dirname, '..', '..', 'src', 'routes')

function routeFiles(): { name: string; text: string }[] {
  return readdirSync(ROUTES)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ name, text: withoutComments(readFileSync(join(ROUTES, name), 'utf8')) }))
}

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
}

/** The names a file imports from `./specs/…`. */
function specImports(text: string): Set<string> {
  const names = new Set<string>()
  for (const match of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'\.\/specs\/[^']+'/g)) {
    for (const name of match[1]!.split(',')) names.add(name.replace(/^\s*type\s+/, '').trim())
  }
  return names
}

describe('route specs', () => {
  it('every route file reads its JSON bodies with a schema from routes/specs/', () => {
    const reads: string[] = []
    const strays: string[] = []
    for (const { name, text } of routeFiles()) {
      const fromSpecs = specImports(text)
      for (const match of text.matchAll(/readJsonBody\(\s*\w+\s*,\s*([A-Za-z_$][\w$]*)/g)) {
        reads.push(`${name}: ${match[1]}`)
        if (!fromSpecs.has(match[1]!)) strays.push(`${name} validates with ${match[1]}, not a spec's body`)
      }
    }
    expect(strays).toEqual([])
    expect(reads.length).toBeGreaterThanOrEqual(8) // code ×3, chat ×2, prompts, embeddings, search
  })

  it('no route file carries OpenAPI prose (summary, description, responses)', () => {
    const prose = routeFiles()
      .filter(({ name }) => name !== 'route.ts')
      .filter(({ text }) => /^\s*(summary|responses):/m.test(text))
      .map(({ name }) => name)
    expect(prose).toEqual([])
  })
})
