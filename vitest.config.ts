import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

// One contract suite (test/contract), two runtimes: the Node server on a real port, and the
// Worker entry inside workerd. Both projects start the same fakes (test/fakes/global-setup.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          globalSetup: ['test/fakes/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // DOCS_DB: the docs search index (test/workers/search.test.ts loads it); DOCS_DB_EMPTY stays without one.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: { d1Databases: ['DOCS_DB', 'DOCS_DB_EMPTY'] },
          }),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          // The second keeps workerd's logs of connections the tests break on purpose out of the output.
          globalSetup: ['test/fakes/global-setup.ts', 'test/workerd-noise.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
})
