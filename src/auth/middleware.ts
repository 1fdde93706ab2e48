/**
 * Authentication for every path but the public ones, before routing (as in GitLab's gateway, so
 * an unknown path without a token is a 401, not a 404). The bypass switches are GitLab's and each
 * bypassed request logs a warning.
 */
import type { MiddlewareHandler } from 'hono'
import { AuthenticationError } from '../errors.ts'
import { backgroundTasks } from '../http/background-tasks.ts'
import type { RequestIdEnv } from '../http/request-id.ts'
import type { Logger } from '../logging.ts'
import type { AuthContext } from './auth-context.ts'
import { authenticate, bypassedAuthContext, type Authenticator } from './authenticate.ts'

/** What this middleware sets on every request it lets through, for the routes. */
export type AuthEnv = { Variables: { auth: AuthContext } }

export interface AuthMiddlewareOptions extends Authenticator {
  logger: Logger
  /** Exact paths that need no token (health checks, docs). */
  publicPaths: ReadonlySet<string>
}

export function authMiddleware(options: AuthMiddlewareOptions): MiddlewareHandler<RequestIdEnv & AuthEnv> {
  const { config, logger, publicPaths } = options
  return async (c, next) => {
    if (publicPaths.has(c.req.path)) return next()

    const bypass = config.auth.bypassExternal
      ? 'AIGW_AUTH__BYPASS_EXTERNAL'
      : config.auth.bypassExternalWithHeader && c.req.header('bypass-auth') === 'true'
        ? 'AIGW_AUTH__BYPASS_EXTERNAL_WITH_HEADER'
        : undefined
    if (bypass) {
      logger.warning(`Authentication bypassed by ${bypass}; never use this in production`, {
        correlation_id: c.get('requestId'),
        path: c.req.path,
      })
      c.set('auth', bypassedAuthContext(c.req.raw.headers))
      return next()
    }

    try {
      c.set('auth', await authenticate(c.req.raw.headers, options, backgroundTasks(c), c.get('logContext')))
    } catch (error) {
      if (error instanceof AuthenticationError) return error.toResponse()
      throw error
    }
    return next()
  }
}
