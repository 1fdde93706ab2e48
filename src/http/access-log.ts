/**
 * One structured line per request (logger `api.access`, GitLab's field names, the headers of
 * logged-headers.ts) and the `X-Process-Time` header (seconds to response start). Never the
 * token, a key or a body.
 */
import type { MiddlewareHandler } from 'hono'
import type { Logger } from '../logging.ts'
import { recordHttpRequest } from '../metrics/http-request.ts'
import type { AppBindings, GatewayMetrics } from '../platform.ts'
import { setResponseHeader } from './headers.ts'
import { loggedHeaders } from './logged-headers.ts'
import type { RequestIdEnv } from './request-id.ts'

/** The request id and log context the request-id middleware set, and the client's address from the adapter. */
type AccessLogEnv = RequestIdEnv & { Bindings: AppBindings }

/** `metrics`, when given, also gets GitLab's HTTP histogram: the same response-start time. */
export function accessLog(
  logger: Logger,
  now: () => number,
  metrics?: GatewayMetrics,
): MiddlewareHandler<AccessLogEnv> {
  const log = logger.child('api.access')
  return async (c, next) => {
    const started = performance.now()
    const arrivedAt = now()
    await next()
    const seconds = (performance.now() - started) / 1000
    setResponseHeader(c, 'X-Process-Time', seconds.toFixed(6))
    if (metrics) recordHttpRequest(metrics, c, seconds)

    // Query values may hold a credential someone put there: logged as names only, like bodies and headers.
    const href = withoutQueryValues(c.req.url)
    const pathWithQuery = href.slice(href.indexOf('/', href.indexOf('//') + 2))
    const clientIp = c.req.header('x-forwarded-for')?.split(',')[0]?.trim() || c.env?.clientAddress || ''
    const fields: Record<string, unknown> = {
      correlation_id: c.get('requestId'),
      method: c.req.method,
      path: pathWithQuery,
      url: href,
      status_code: c.res.status,
      duration_s: Number(seconds.toFixed(6)),
      request_arrived_at: new Date(arrivedAt).toISOString(),
      content_type: c.res.headers.get('content-type') ?? undefined,
      client_ip: clientIp || undefined,
      duration_request: railsLatency(c.req.header('x-gitlab-rails-send-start'), arrivedAt),
    }
    // GitLab's headers (bounded, token-free): they never decide an answer, so none is refused for its value.
    Object.assign(fields, loggedHeaders(c.req.raw.headers))
    // Verified claims win over headers (token_issuer, gitlab_realm, auth_error_details...).
    Object.assign(fields, c.get('logContext'))
    log.info(`${clientIp || '-'} - "${c.req.method} ${pathWithQuery}" ${c.res.status}`, fields)
  }
}

/** `…?api_key=sk-1&beta=true` → `…?api_key=[redacted]&beta=[redacted]`; a URL without a query is returned as is. */
export function withoutQueryValues(url: string): string {
  const query = url.indexOf('?')
  if (query < 0) return url
  const hash = url.indexOf('#', query)
  const params = url.slice(query + 1, hash < 0 ? undefined : hash)
  const names = params.split('&').map((pair) => {
    const equals = pair.indexOf('=')
    return equals < 0 ? pair : `${pair.slice(0, equals)}=[redacted]`
  })
  return `${url.slice(0, query)}?${names.join('&')}`
}

/** Seconds from GitLab sending the request (`X-Gitlab-Rails-Send-Start`) to its arrival; -1 if unknown. */
function railsLatency(sendStart: string | undefined, arrivedAt: number): number {
  const sent = Number(sendStart)
  if (!sendStart || !Number.isFinite(sent)) return -1
  return Number((arrivedAt / 1000 - sent).toFixed(6))
}
