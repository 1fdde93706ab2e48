import type { Handler } from 'hono'
import type { z } from 'zod/mini'
import type { AuthEnv } from '../auth/middleware.ts'
import type { RequestIdEnv } from '../http/request-id.ts'
import type { RouteDoc } from '../openapi/document.ts'
import type { AppBindings } from '../platform.ts'

/** What a route's handler sees: the adapter's per-request bindings and what the middleware before it set. */
export type AppEnv = { Bindings: AppBindings; Variables: RequestIdEnv['Variables'] & AuthEnv['Variables'] }

/**
 * A route's contract, apart from its handler: method, path, the schema its handler validates the
 * body with, and what the OpenAPI document says. Each route group keeps these in `routes/specs/`,
 * so a route file holds logic and the document is built from the very schema that validates.
 */
export interface RouteSpec {
  method: 'GET' | 'POST'
  path: string
  /** Reachable without a token (GitLab's skip list, plus the docs). */
  public: boolean
  /** The JSON body's schema: the handler reads the body with it (`readJsonBody(c, spec.body, …)`). */
  body?: z.ZodMiniType
  /** Absent for routes the OpenAPI document leaves out (the docs themselves). */
  doc?: RouteDoc
}

export interface Route extends RouteSpec {
  handler: Handler<AppEnv>
}
