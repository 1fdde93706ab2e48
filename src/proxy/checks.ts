/**
 * The checks every /v1/proxy/* request passes before anything is forwarded, in GitLab's order
 * (spec platform §5.1): proxy allow-list (402), `X-Gitlab-Unit-Primitive` (400/403), identity
 * consistency (403), then whether the proxy serves that primitive at all (400).
 *
 * The consistency check compares the request headers with the token's claims directly; GitLab's
 * gateway reads the request side from its internal-event context, which is empty unless events are
 * enabled (quirk A4), so it effectively compares nothing by default.
 */
import type { AuthContext } from '../auth/auth-context.ts'
import { can } from '../auth/scopes.ts'
import type { Config } from '../config.ts'
import { HttpError } from '../errors.ts'
import { KNOWN_UNIT_PRIMITIVES, PROXY_UNIT_PRIMITIVES } from './unit-primitives.ts'

/** @returns the unit primitive the request is made for. */
export function checkProxyRequest(auth: AuthContext, headers: Headers, config: Config): string {
  checkAllowList(auth, config)
  const unitPrimitive = headers.get('x-gitlab-unit-primitive')
  if (!unitPrimitive) throw new HttpError(400, 'Missing x-gitlab-unit-primitive header')
  if (!KNOWN_UNIT_PRIMITIVES.has(unitPrimitive))
    throw new HttpError(400, `Unknown unit primitive header ${unitPrimitive}`)
  if (!can(auth, unitPrimitive)) throw new HttpError(403, `Unauthorized to access ${unitPrimitive}`)
  if (!auth.bypassed) checkConsistency(auth, headers)
  if (!PROXY_UNIT_PRIMITIVES.has(unitPrimitive))
    throw new HttpError(400, `This endpoint cannot be used for ${unitPrimitive} purpose`)
  return unitPrimitive
}

function checkAllowList(auth: AuthContext, config: Config): void {
  const { saasEnabled, selfManagedEnabled } = config.proxy
  if (auth.realm === 'saas') {
    if (saasEnabled.length && !saasEnabled.includes(claim(auth, 'gitlab_root_namespace_id') ?? '')) {
      throw new HttpError(402, 'Proxy endpoints are not enabled for this namespace')
    }
  } else if (
    selfManagedEnabled.length &&
    !selfManagedEnabled.includes(claim(auth, 'gitlab_instance_uid') ?? '')
  ) {
    throw new HttpError(402, 'Proxy endpoints are not enabled for this instance')
  }
}

const SAAS_IDS = [
  ['x-gitlab-project-id', 'gitlab_project_id', 'Gitlab project id mismatch'],
  ['x-gitlab-namespace-id', 'gitlab_namespace_id', 'Gitlab namespace id mismatch'],
  ['x-gitlab-root-namespace-id', 'gitlab_root_namespace_id', 'Gitlab root namespace id mismatch'],
] as const

function checkConsistency(auth: AuthContext, headers: Headers): void {
  if (auth.realm === 'self-managed') {
    const uid = claim(auth, 'gitlab_instance_uid')
    if (uid !== undefined && uid !== (headers.get('x-gitlab-instance-id') ?? undefined)) {
      throw new HttpError(403, 'Gitlab instance uid mismatch')
    }
    return
  }
  // String comparison; missing on both sides compares equal.
  for (const [header, name, message] of SAAS_IDS) {
    if (claim(auth, name) !== (headers.get(header) || undefined)) throw new HttpError(403, message)
  }
}

function claim(auth: AuthContext, name: string): string | undefined {
  const value = auth.claims[name]
  return value === undefined || value === null || value === '' ? undefined : String(value)
}
