// Copies the Swagger UI files the /docs page loads into the Worker's static-assets directory
// (wrangler.toml [assets]). Runs before `wrangler dev`/`deploy` (wrangler.toml [build]) and tests.
import { copyFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SWAGGER_UI_FILES } from '../src/routes/swagger-ui-files.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const source = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const target = join(root, 'dist/worker-assets/docs/assets')
mkdirSync(target, { recursive: true })
for (const file of SWAGGER_UI_FILES) copyFileSync(join(source, file), join(target, file))
