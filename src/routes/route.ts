import type { Handler } from 'hono'
import type * as z from 'zod/mini'
import type { AppEnv } from '../deps.ts'

/** What the OpenAPI document says about a route; the same zod schemas validate its requests. */
export interface RouteDoc {
  summary: string
  description?: string
  tags: string[]
  requestBody?: z.ZodMiniType
  responses: Record<number, { description: string; schema?: z.ZodMiniType }>
}

export interface Route {
  method: 'GET' | 'POST'
  path: string
  /** Reachable without a token (GitLab's skip list, plus the docs). */
  public: boolean
  handler: Handler<AppEnv>
  /** Absent for routes the OpenAPI document leaves out (the docs themselves). */
  doc?: RouteDoc
}
