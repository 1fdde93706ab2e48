import type { MiddlewareHandler } from 'hono'
import { setResponseHeader } from './headers.ts'

/** What this middleware sets on every request, for the middleware and routes after it. */
export type RequestIdEnv = {
  Variables: {
    requestId: string
    /** Fields added to this request's access-log line (token issuer, realm, auth error...); starts empty here. */
    logContext: Record<string, unknown>
  }
}

/**
 * `X-Request-ID`: taken verbatim when the client sends one (GitLab Rails sends its correlation id),
 * else a new uuid4 hex, as asgi-correlation-id does; echoed on every response, 401s included.
 */
export function requestId(): MiddlewareHandler<RequestIdEnv> {
  return async (c, next) => {
    const id = c.req.header('x-request-id') || crypto.randomUUID().replaceAll('-', '')
    c.set('requestId', id)
    c.set('logContext', {})
    await next()
    setResponseHeader(c, 'X-Request-ID', id)
  }
}
