/**
 * Unit-primitive checks ("scopes"), one helper for every route. Mirrors gitlab-cloud-connector's
 * `user.can(up, disallowed_issuers)`: bypassed callers may do everything; otherwise the token's
 * `scopes` claim must grant the primitive and its issuer must not be disallowed.
 *
 * GitLab 17.x tokens name older primitives: `code_suggestions` grants completion and generation,
 * and `duo_chat` is enough where `duo_classic_chat` is asked for.
 */
import { HttpError } from '../errors.ts'
import type { AuthContext } from './auth-context.ts'

const GRANTED_BY: Readonly<Record<string, readonly string[]>> = {
  complete_code: ['code_suggestions'],
  generate_code: ['code_suggestions'],
  duo_classic_chat: ['duo_chat'],
}

export interface ScopeOptions {
  /** Token issuers that may not use the primitive (e.g. the gateway itself for minting). */
  disallowedIssuers?: readonly string[]
}

export function can(auth: AuthContext, unitPrimitive: string, options: ScopeOptions = {}): boolean {
  if (!unitPrimitive) return false
  if (auth.bypassed) return true
  if (auth.issuer !== undefined && options.disallowedIssuers?.includes(auth.issuer)) return false
  if (auth.scopes.includes(unitPrimitive)) return true
  return GRANTED_BY[unitPrimitive]?.some((older) => auth.scopes.includes(older)) ?? false
}

/**
 * Throws 403 `{"detail": message}` (GitLab's wording is per route, e.g. `Unauthorized to access
 * code completions`) unless the caller may use at least one of the primitives.
 */
export function requireAnyScope(
  auth: AuthContext,
  unitPrimitives: readonly string[],
  message: string,
  options: ScopeOptions = {},
): void {
  if (!unitPrimitives.some((up) => can(auth, up, options))) throw new HttpError(403, message)
}
