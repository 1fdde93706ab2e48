import type { ErrorHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../deps.ts'
import { GatewayError, internalServerError } from '../errors.ts'
import { errorFields, type Logger } from '../logging.ts'

/** The one place exceptions become responses: GitLab's shapes, never a stack trace. */
export function errorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    if (error instanceof GatewayError) {
      if (error.status >= 500) logger.error(error.message, { correlation_id: c.get('requestId'), ...errorFields(error) })
      return error.toResponse()
    }
    if (error instanceof HTTPException && error.status < 500) {
      return Response.json({ detail: error.message || 'Bad Request' }, { status: error.status })
    }
    logger.error('Unhandled error', { correlation_id: c.get('requestId'), path: c.req.path, ...errorFields(error) })
    return internalServerError()
  }
}
