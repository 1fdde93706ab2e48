import type { MiddlewareHandler } from 'hono'
import { bodyLimit as countingBodyLimit } from 'hono/body-limit'
import { HttpError } from '../errors.ts'

/**
 * 413 for bodies over `maxBytes`. A declared `Content-Length` (what GitLab sends) is checked from
 * the header alone, so the body stays untouched for the route to read the fast way; a body of
 * unknown length (chunked) is counted as it is read. Requests without a body cost nothing.
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  const tooLarge = (): never => {
    throw new HttpError(413, `Request body is larger than ${maxBytes} bytes`)
  }
  const counting = countingBodyLimit({ maxSize: maxBytes, onError: tooLarge })
  return (c, next) => {
    const length = c.req.header('content-length')
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number(length) > maxBytes ? tooLarge() : next()
    }
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    return counting(c, next)
  }
}
