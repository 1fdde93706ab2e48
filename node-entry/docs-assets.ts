import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { DocsAssets } from '../src/platform.ts'
import { SWAGGER_UI_FILES } from '../src/routes/swagger-ui-files.ts'

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.png': 'image/png',
}

/** The Swagger UI files, read once from the installed `swagger-ui-dist` package. */
export function swaggerUiAssets(): DocsAssets {
  const directory = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
  const cache = new Map<string, Promise<Uint8Array>>()
  const allowed = new Set<string>(SWAGGER_UI_FILES)
  return {
    async get(name) {
      if (!allowed.has(name)) return undefined
      let bytes = cache.get(name)
      if (!bytes) {
        bytes = readFile(join(directory, name))
        cache.set(name, bytes)
        bytes.catch(() => cache.delete(name))
      }
      const extension = name.slice(name.lastIndexOf('.'))
      return new Response(new Uint8Array(await bytes), {
        headers: {
          'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
          'cache-control': 'public, max-age=86400',
        },
      })
    },
  }
}
