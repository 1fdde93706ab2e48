import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../platform.ts'
import { setResponseHeader } from './headers.ts'

/**
 * `X-Request-ID`: taken verbatim when the client sends one (GitLab Rails sends its correlation id),
 * else a new uuid4 hex, as asgi-correlation-id does; echoed on every response, 401s included.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = c.req.header('x-request-id') || crypto.randomUUID().replaceAll('-', '')
    c.set('requestId', id)
    c.set('logContext', {})
    await next()
    setResponseHeader(c, 'X-Request-ID', id)
  }
}
