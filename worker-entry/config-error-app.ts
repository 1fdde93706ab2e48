import { Hono } from 'hono'
import type { ConfigError } from '../src/config.ts'

/**
 * What a Worker serves when its settings are invalid (a Node process refuses to start instead):
 * liveness stays up, readiness says why, everything else is a 500 naming the variables (never
 * their values).
 */
export function createConfigErrorApp(error: ConfigError): Hono {
  const app = new Hono()
  app.get('/monitoring/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/monitoring/ready', (c) => c.json({ status: 'not_ready', reasons: error.problems }, 503))
  app.all('*', (c) => c.json({ detail: error.message }, 500))
  return app
}
