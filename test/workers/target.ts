/**
 * The contract suites' Workers target: the real Worker entry (worker-entry/main.ts) inside workerd, with
 * its real Cache API and static assets; each gateway gets its own `env` (its settings).
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env as workerEnv } from 'cloudflare:workers'
import { vi } from 'vitest'
import worker, { type Env } from '../../worker-entry/main.ts'
import type { Target } from '../contract/target.ts'

export const workersTarget: Target = {
  runtime: 'workerd',
  sharesKeyStore: true,
  async start(settings) {
    const env: Env = { ASSETS: (workerEnv as Env).ASSETS, ...settings, ...d1Bindings(settings) }
    const lines: string[] = []
    const spies = (['log', 'warn', 'error'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '))
      }),
    )
    const contexts: ExecutionContext[] = []
    return {
      async fetch(path, init) {
        const ctx = createExecutionContext()
        contexts.push(ctx)
        const request = new Request(`http://gateway.test${path}`, init) as Request<
          unknown,
          IncomingRequestCfProperties
        >
        return worker.fetch(request, env, ctx)
      },
      logs: () => lines,
      async settled() {
        for (const ctx of contexts.splice(0)) await waitOnExecutionContext(ctx)
      },
      async close() {
        for (const spy of spies) spy.mockRestore()
      },
    }
  },
  async startInvalid(settings) {
    const gateway = await this.start(settings)
    try {
      const response = await gateway.fetch('/v1/code/user_access_token', { method: 'POST' })
      if (response.status !== 500) throw new Error(`expected a 500, got ${response.status}`)
      return ((await response.json()) as { detail: string }).detail
    } finally {
      await gateway.close()
    }
  },
}

/** A `DOCS_DB` setting names a D1 database of the test environment (vitest.config.ts): the gateway gets that binding. */
function d1Bindings(settings: Record<string, string>): Partial<Env> {
  const name = settings.DOCS_DB
  return name === undefined ? {} : { DOCS_DB: (workerEnv as Record<string, unknown>)[name] as D1Database }
}
