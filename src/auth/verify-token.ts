/**
 * JWT validation as GitLab's gateway does it (python-jose under gitlab-cloud-connector): RS256
 * only, the service name in `aud` (string or array), `exp`/`nbf` with no leeway, claim types
 * checked; the issuer is not checked (it only selects later header rules).
 *
 * Deliberately stricter than python-jose: a token without `aud` is refused (every token GitLab
 * and this gateway issue carries one).
 */
import { decodeJwt, decodeProtectedHeader } from 'jose'
import type { BackgroundTasks } from '../deps.ts'
import type { TokenClaims } from './auth-context.ts'
import type { Keyring } from './keyring.ts'

/** Why a token was refused. The reason goes to the log; clients only see GitLab's message. */
export class TokenRejected extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'TokenRejected'
  }
}

export interface VerifyOptions {
  audience: string
  now: number
  /** AIGW_AUTH__BYPASS_JWT_SIGNATURE: skip the signature, still check the claims. */
  bypassSignature: boolean
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
  } else {
    const header = decode(() => decodeProtectedHeader(token))
    if (header.alg !== 'RS256') throw new TokenRejected(`algorithm ${String(header.alg)} is not allowed`)
    const payload = await keyring.verify(token, typeof header.kid === 'string' ? header.kid : undefined, tasks)
    claims = decode(() => JSON.parse(new TextDecoder().decode(payload)) as unknown)
  }
  checkClaims(claims, options)
  return claims
}

function decode<T>(read: () => T): T & TokenClaims {
  let value: unknown
  try {
    value = read()
  } catch {
    throw new TokenRejected('malformed token')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TokenRejected('malformed token')
  return value as T & TokenClaims
}

function checkClaims(claims: TokenClaims, { audience, now }: VerifyOptions): void {
  const seconds = Math.floor(now / 1000)
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'number') throw new TokenRejected(`${name} is not a number`)
  }
  for (const name of ['sub', 'jti', 'iss'] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string') throw new TokenRejected(`${name} is not a string`)
  }
  if (claims.exp !== undefined && seconds >= claims.exp) throw new TokenRejected('token expired')
  if (claims.nbf !== undefined && seconds < claims.nbf) throw new TokenRejected('token not yet valid')
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : []
  if (!audiences.includes(audience)) throw new TokenRejected('audience does not include this service')
}
