/**
 * `POST /v1/code/user_access_token`: exchanges a GitLab instance (or CustomersDot) token for a
 * one-hour gateway-signed token that IDEs send directly ("direct access"). As GitLab's gateway:
 * the caller needs `complete_code` or `ai_gateway_model_provider_proxy`, a gateway-minted token
 * cannot mint another, and realm-specific claims are carried over.
 */
import { extraClaims, type AuthContext } from '../auth/auth-context.ts'
import { can } from '../auth/scopes.ts'
import { mintUserToken } from '../auth/user-token.ts'
import type { Config } from '../config.ts'
import { AuthenticationError, HttpError } from '../errors.ts'
import { errorFields, type Logger } from '../logging.ts'
import type { Route } from './route.ts'
import { USER_ACCESS_TOKEN } from './specs/user-access-token.ts'

/** The primitives a user token can carry, in GitLab's order. */
const GRANTABLE_SCOPES = ['complete_code', 'ai_gateway_model_provider_proxy'] as const

export interface UserAccessTokenDeps {
  config: Config
  signingKey: CryptoKey | null
  logger: Logger
  now: () => number
}

export function userAccessTokenRoutes(deps: UserAccessTokenDeps): Route[] {
  const { config } = deps
  return [
    {
      ...USER_ACCESS_TOKEN.create,
      handler: async (c) => {
        const auth = c.get('auth')
        const scopes = GRANTABLE_SCOPES.filter((up) =>
          can(auth, up, { disallowedIssuers: [config.serviceName] }),
        )
        if (scopes.length === 0) throw new HttpError(403, 'Unauthorized to create user access token')
        const subject = c.req.header('x-gitlab-global-user-id')
        // GitLab's gateway would mint a token without `sub` that it then rejects; say so instead.
        if (!subject) throw new AuthenticationError("Header is missing: 'X-Gitlab-Global-User-Id'")
        if (!deps.signingKey) {
          deps.logger.error('Cannot mint a user access token: AIGW_SELF_SIGNED_JWT__SIGNING_KEY is not set')
          throw new HttpError(500, 'Failed to generate JWT')
        }
        try {
          const minted = await mintUserToken(deps.signingKey, config.serviceName, {
            subject,
            realm: auth.realm,
            instanceId: stringClaim(auth.claims.gitlab_instance_id),
            scopes,
            extraClaims: realmClaims(auth, c.req.raw.headers),
            now: deps.now(),
          })
          return c.json(minted)
        } catch (error) {
          deps.logger.error('Failed to generate JWT', errorFields(error))
          throw new HttpError(500, 'Failed to generate JWT')
        }
      },
    },
  ]
}

/** GitLab's extra claims: SaaS tokens carry project and namespace ids, self-managed the instance uid. */
function realmClaims(auth: AuthContext, headers: Headers): Record<string, unknown> {
  if (auth.realm === 'saas') {
    return {
      ...extraClaims(auth.claims),
      gitlab_project_id: headers.get('x-gitlab-project-id'),
      gitlab_namespace_id: headers.get('x-gitlab-namespace-id'),
      // A valid claim wins over a conflicting header.
      gitlab_root_namespace_id:
        positiveInt(auth.claims.gitlab_root_namespace_id) ??
        positiveInt(headers.get('x-gitlab-root-namespace-id')),
    }
  }
  if (auth.realm === 'self-managed') {
    return { ...extraClaims(auth.claims), gitlab_instance_uid: auth.claims.gitlab_instance_uid ?? null }
  }
  return {}
}

function positiveInt(value: unknown): number | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : ''
  if (!/^\d+$/.test(text)) return null
  const n = Number(text)
  return Number.isSafeInteger(n) && n > 0 ? n : null
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}
