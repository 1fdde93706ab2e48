import type { Handler } from 'hono'
import type { AuthEnv } from '../auth/middleware.ts'
import type { RequestIdEnv } from '../http/request-id.ts'
import type { RouteDoc } from '../openapi/document.ts'
import type { AppBindings } from '../platform.ts'

/** What a route's handler sees: the adapter's per-request bindings and what the middleware before it set. */
export type AppEnv = { Bindings: AppBindings; Variables: RequestIdEnv['Variables'] & AuthEnv['Variables'] }

export interface Route {
  method: 'GET' | 'POST'
  path: string
  /** Reachable without a token (GitLab's skip list, plus the docs). */
  public: boolean
  handler: Handler<AppEnv>
  /** Absent for routes the OpenAPI document leaves out (the docs themselves). */
  doc?: RouteDoc
}
