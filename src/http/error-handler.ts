import type { ErrorHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { GatewayError, internalServerError } from '../errors.ts'
import { errorFields, type Logger } from '../logging.ts'
import type { RequestIdEnv } from './request-id.ts'

/** The one place exceptions become responses: GitLab's shapes, never a stack trace. Generic: `onError` wants the app's own env. */
export function errorHandler<E extends RequestIdEnv>(logger: Logger): ErrorHandler<E> {
  return (error, c) => {
    // A GatewayError is an answer the code chose; whoever throws one for a server fault has
    // already logged its cause. Only the unexpected is logged here.
    if (error instanceof GatewayError) return error.toResponse()
    if (error instanceof HTTPException && error.status < 500) {
      return Response.json({ detail: error.message || 'Bad Request' }, { status: error.status })
    }
    logger.error('Unhandled error', {
      correlation_id: c.get('requestId'),
      path: c.req.path,
      ...errorFields(error),
    })
    return internalServerError()
  }
}
