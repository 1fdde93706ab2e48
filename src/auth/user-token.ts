/**
 * Mints the short-lived user access tokens ("UJWTs") of `POST /v1/code/user_access_token`, in
 * GitLab's format: RS256, `typ: JWT`, no `kid`; `iss` = `aud` = service name; one hour.
 */
import { SignJWT } from 'jose'

export const USER_TOKEN_LIFETIME_S = 3600

export interface UserTokenRequest {
  subject: string
  realm: string | undefined
  instanceId: string | undefined
  scopes: readonly string[]
  /** Claims inherited from the caller's token (GitLab's "extra" claims) and realm-specific ones. */
  extraClaims: Record<string, unknown>
  now: number
}

export async function mintUserToken(
  signingKey: CryptoKey,
  serviceName: string,
  request: UserTokenRequest,
): Promise<{ token: string; expires_at: number }> {
  const issuedAt = Math.floor(request.now / 1000)
  const expiresAt = issuedAt + USER_TOKEN_LIFETIME_S
  const claims: Record<string, unknown> = {
    ...request.extraClaims,
    iss: serviceName,
    aud: serviceName,
    sub: request.subject,
    iat: issuedAt,
    nbf: issuedAt,
    exp: expiresAt,
    jti: crypto.randomUUID(),
    scopes: [...request.scopes],
  }
  if (request.realm !== undefined) claims.gitlab_realm = request.realm
  if (request.instanceId !== undefined) claims.gitlab_instance_id = request.instanceId
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(signingKey)
  return { token, expires_at: expiresAt }
}
