/**
 * JWT validation as GitLab's gateway does it (python-jose under gitlab-cloud-connector): RS256
 * only, the service name in `aud` (string or array), `exp`/`nbf` with no leeway, claim types
 * checked; the issuer is not checked (it only selects later header rules).
 *
 * Deliberately stricter than python-jose: a token without `aud` is refused (every token GitLab
 * and this gateway issue carries one).
 */
import { decodeJwt, decodeProtectedHeader } from 'jose'
import type { BackgroundTasks } from '../platform.ts'
import type { TokenClaims } from './auth-context.ts'
import type { Keyring } from './keyring.ts'
import type { VerifiedTokenCache } from './token-cache.ts'
import { TokenRejected } from './token-rejected.ts'

export interface VerifyOptions {
  audience: string
  now: number
  /** AIGW_AUTH__BYPASS_JWT_SIGNATURE: skip the signature, still check the claims. */
  bypassSignature: boolean
  /** Tokens verified before; their signature is not checked again (their claims are). */
  cache?: VerifiedTokenCache | undefined
}

export async function verifyToken(
  token: string,
  keyring: Keyring,
  options: VerifyOptions,
  tasks: BackgroundTasks,
): Promise<TokenClaims> {
  if (token.split('.').length !== 3) throw new TokenRejected('not a compact JWS')
  let claims: TokenClaims
  if (options.bypassSignature) {
    claims = decode(() => decodeJwt(token))
    checkClaims(claims, options)
    return claims
  }
  const { cache } = options
  const digest = cache ? await cache.digest(token) : ''
  const cached = cache?.get(digest, (key) => keyring.holds(key))
  if (cached) {
    keyring.revalidateStale(tasks)
    checkClaims(cached, options)
    return cached
  }
  const header = decode(() => decodeProtectedHeader(token))
  if (header.alg !== 'RS256') throw new TokenRejected(`algorithm ${String(header.alg)} is not allowed`)
  const { payload, key } = await keyring.verify(
    token,
    typeof header.kid === 'string' ? header.kid : undefined,
    tasks,
  )
  claims = decode(() => JSON.parse(new TextDecoder().decode(payload)) as unknown)
  checkClaims(claims, options)
  cache?.set(digest, claims, key)
  return claims
}

function decode<T>(read: () => T): T & TokenClaims {
  let value: unknown
  try {
    value = read()
  } catch {
    throw new TokenRejected('malformed token')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TokenRejected('malformed token')
  return value as T & TokenClaims
}

function checkClaims(claims: TokenClaims, { audience, now }: VerifyOptions): void {
  const seconds = Math.floor(now / 1000)
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'number')
      throw new TokenRejected(`${name} is not a number`)
  }
  for (const name of ['sub', 'jti', 'iss'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string')
      throw new TokenRejected(`${name} is not a string`)
  }
  if (claims.exp !== undefined && seconds >= claims.exp) throw new TokenRejected('token expired')
  if (claims.nbf !== undefined && seconds < claims.nbf) throw new TokenRejected('token not yet valid')
  const audiences =
    typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : []
  if (!audiences.includes(audience)) throw new TokenRejected('audience does not include this service')
}
