import type { Context } from 'hono'
import type { BackgroundTasks } from '../platform.ts'

/**
 * `waitUntil` of the request's execution context: Workers' own, or the Node adapter's shim that
 * SIGTERM drains. Without one (a bare `app.request` in a test) the work simply runs.
 */
export function backgroundTasks(c: Context): BackgroundTasks {
  let ctx: BackgroundTasks | undefined
  try {
    ctx = c.executionCtx
  } catch {
    // no execution context
  }
  return { waitUntil: (promise) => ctx?.waitUntil(promise) }
}
