import type { Handler } from 'hono'
import type { RouteDoc } from '../openapi/document.ts'
import type { AppEnv } from '../platform.ts'

export interface Route {
  method: 'GET' | 'POST'
  path: string
  /** Reachable without a token (GitLab's skip list, plus the docs). */
  public: boolean
  handler: Handler<AppEnv>
  /** Absent for routes the OpenAPI document leaves out (the docs themselves). */
  doc?: RouteDoc
}
