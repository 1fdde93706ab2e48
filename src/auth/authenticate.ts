/**
 * GitLab's authentication step, in its order and with its exact 401 messages
 * (gitlab-cloud-connector's middleware, pinned by ai-assist `tests/code_suggestions/test_authentication.py`):
 * header present → bearer scheme → `X-Gitlab-Authentication-Type: oidc` → token valid →
 * realm, instance id and subject claims match the request headers.
 */
import type { Config } from '../config.ts'
import { AuthenticationError } from '../errors.ts'
import type { BackgroundTasks } from '../platform.ts'
import { scopesOf, type AuthContext, type TokenClaims } from './auth-context.ts'
import type { Keyring } from './keyring.ts'
import type { VerifiedTokenCache } from './token-cache.ts'
import { TokenRejected } from './token-rejected.ts'
import { verifyToken } from './verify-token.ts'

export const AUTH_ERRORS = {
  noHeader: 'No authorization header presented',
  invalidHeader: 'Invalid authorization header',
  tokenType: 'Invalid authentication token type - only OIDC is supported',
  rejected: 'Forbidden by auth provider',
  mismatch: (header: string) => `Header mismatch '${header}'`,
} as const

export interface Authenticator {
  config: Config
  keyring: Keyring
  now: () => number
  tokenCache?: VerifiedTokenCache | undefined
}

/**
 * @param logContext receives `token_issuer`, `gitlab_realm` and `auth_error_details` for the
 *   access log, also when a header check fails afterwards (as GitLab logs them).
 * @throws AuthenticationError with GitLab's message.
 */
export async function authenticate(
  headers: Headers,
  { config, keyring, now, tokenCache }: Authenticator,
  tasks: BackgroundTasks,
  logContext: Record<string, unknown>,
): Promise<AuthContext> {
  const authorization = headers.get('authorization')
  if (!authorization) throw new AuthenticationError(AUTH_ERRORS.noHeader)
  const space = authorization.indexOf(' ')
  if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer') {
    throw new AuthenticationError(AUTH_ERRORS.invalidHeader)
  }
  if (headers.get('x-gitlab-authentication-type') !== 'oidc')
    throw new AuthenticationError(AUTH_ERRORS.tokenType)

  const token = authorization.slice(space + 1).trim()
  let claims: TokenClaims
  try {
    claims = await verifyToken(
      token,
      keyring,
      {
        audience: config.serviceName,
        now: now(),
        bypassSignature: config.auth.bypassJwtSignature,
        cache: tokenCache,
      },
      tasks,
    )
  } catch (error) {
    if (!(error instanceof TokenRejected)) throw error
    logContext.auth_error_details = error.message
    throw new AuthenticationError(AUTH_ERRORS.rejected)
  }
  logContext.token_issuer = claims.iss
  if (claims.gitlab_realm !== undefined) logContext.gitlab_realm = claims.gitlab_realm

  const mismatch = checkHeaderClaims(claims, headers, config)
  if (mismatch) {
    logContext.auth_error_details = `${mismatch} does not match the token`
    throw new AuthenticationError(AUTH_ERRORS.mismatch(mismatch))
  }
  return {
    claims,
    scopes: scopesOf(claims),
    issuer: claims.iss,
    realm: nonEmpty(claims.gitlab_realm),
    globalUserId: headers.get('x-gitlab-global-user-id') ?? undefined,
    bypassed: false,
    token,
  }
}

/** The context of a request whose authentication is bypassed by AIGW_AUTH__BYPASS_EXTERNAL(_WITH_HEADER). */
export function bypassedAuthContext(headers: Headers): AuthContext {
  return {
    claims: {},
    scopes: [],
    issuer: undefined,
    realm: undefined,
    globalUserId: headers.get('x-gitlab-global-user-id') ?? undefined,
    bypassed: true,
    token: undefined,
  }
}

/** The first header that disagrees with its claim (realm → instance id → subject), if any. */
function checkHeaderClaims(claims: TokenClaims, headers: Headers, config: Config): string | undefined {
  const realm = nonEmpty(claims.gitlab_realm)
  if (realm !== undefined && realm !== headers.get('x-gitlab-realm')) return 'X-Gitlab-Realm'
  const instanceId = nonEmpty(claims.gitlab_instance_id)
  if (instanceId !== undefined && instanceId !== headers.get('x-gitlab-instance-id'))
    return 'X-Gitlab-Instance-Id'
  if (claims.iss === config.serviceName) {
    // A gateway-minted token belongs to one user.
    if ((claims.sub ?? null) !== headers.get('x-gitlab-global-user-id')) return 'X-Gitlab-Global-User-Id'
  } else if (config.auth.checkSubjectInstanceId) {
    // GitLab instance and CustomersDot tokens name the instance in `sub`.
    const subject = nonEmpty(claims.sub)
    if (subject !== undefined && subject !== headers.get('x-gitlab-instance-id'))
      return 'X-Gitlab-Instance-Id'
  }
  return undefined
}

function nonEmpty(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  return String(value)
}
