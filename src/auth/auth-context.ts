/** What authentication establishes about a request, as later checks and routes need it. */

/** Claims of a verified token. GitLab puts its own claims beside the registered ones. */
export interface TokenClaims {
  iss?: string
  sub?: string
  aud?: string | string[]
  exp?: number
  nbf?: number
  iat?: number
  jti?: string
  gitlab_realm?: string
  scopes?: unknown
  gitlab_instance_id?: string
  gitlab_instance_uid?: string
  duo_seat_count?: unknown
  [claim: string]: unknown
}

export interface AuthContext {
  /** Verified claims; empty when authentication was bypassed. */
  claims: TokenClaims
  /** Unit primitives from the `scopes` claim. */
  scopes: readonly string[]
  issuer: string | undefined
  realm: string | undefined
  /** `X-Gitlab-Global-User-Id` of the request. */
  globalUserId: string | undefined
  /** AIGW_AUTH__BYPASS_*: GitLab treats such callers as debug users whom every scope check lets in. */
  bypassed: boolean
  /** The raw bearer token, for calls made on the caller's behalf. Never log it. */
  token: string | undefined
}

/** Claims GitLab's gateway reads by name; all others are "extra" claims a minted token inherits. */
export const NAMED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'gitlab_realm',
  'scopes',
  'gitlab_instance_id',
  'gitlab_instance_uid',
  'duo_seat_count',
])

export function extraClaims(claims: TokenClaims): Record<string, unknown> {
  const extra: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(claims)) if (!NAMED_CLAIMS.has(name)) extra[name] = value
  return extra
}

export function scopesOf(claims: TokenClaims): string[] {
  return Array.isArray(claims.scopes) ? claims.scopes.filter((s): s is string => typeof s === 'string') : []
}
