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
 * The longest `X-Request-ID` taken as sent. Rails sends 26- or 32-character ids; a longer one would
 * be echoed and written into every log line of the request, so it is replaced, as
 * asgi-correlation-id replaces an id its validator refuses.
 */
export const MAX_REQUEST_ID_CHARS = 256

/**
 * `X-Request-ID`: taken verbatim when the client sends one (GitLab Rails sends its correlation id)
 * of at most MAX_REQUEST_ID_CHARS, else a new uuid4 hex, as asgi-correlation-id does; echoed on
 * every response, 401s included.
 */
export function requestId(): MiddlewareHandler<RequestIdEnv> {
  return async (c, next) => {
    const sent = c.req.header('x-request-id')
    const id = sent && sent.length <= MAX_REQUEST_ID_CHARS ? sent : crypto.randomUUID().replaceAll('-', '')
    c.set('requestId', id)
    c.set('logContext', {})
    await next()
    setResponseHeader(c, 'X-Request-ID', id)
  }
}
