/**
 * GitLab's HTTP histogram, from the access log: which route template a request matched (in
 * FastAPI's `{param}` form, as GitLab's dashboards know them), and whether it is recorded at all.
 * Like GitLab's instrumentator: requests that matched no route, and the auth skip list, are not.
 */
import type { Context } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { GatewayMetrics } from '../platform.ts'

/** GitLab's auth skip list (probes, the model catalogue): left out of its histogram. */
const NOT_RECORDED = new Set([
  '/monitoring/healthz',
  '/monitoring/ready',
  '/metrics',
  '/v1/models/definitions',
])

/** Hono template → FastAPI template (or '' for not recorded); a handful of routes, converted once each. */
const templates = new Map<string, string>()

export function recordHttpRequest(metrics: GatewayMetrics, c: Context, seconds: number): void {
  const handler = handlerOf(c)
  if (handler) metrics.httpRequest(handler, c.req.method, c.res.status, seconds)
}

/** The first matched route that is not a catch-all middleware; undefined when the path has no route. */
export function handlerOf(c: Context): string | undefined {
  for (const route of matchedRoutes(c)) {
    if (route.path === '*' || route.path === '/*') continue
    let template = templates.get(route.path)
    if (template === undefined) {
      template = NOT_RECORDED.has(route.path) ? '' : fastApiTemplate(route.path)
      templates.set(route.path, template)
    }
    return template || undefined
  }
  return undefined
}

/** `/v1/chat/:invokable` → `/v1/chat/{invokable}`; `:id{.+}` → `{id}`; a trailing `/*` → `/{path}`. */
function fastApiTemplate(path: string): string {
  return path.replace(/\/\*$/, '/{path}').replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')
}
