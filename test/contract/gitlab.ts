/**
 * What GitLab sends (../shared/spec/gitlab-client.md §2, §4): the headers of every AI call and the
 * tokens of each generation: 17.x instance tokens (no kid, string aud, `code_suggestions`),
 * 18.x (kid, array aud, `complete_code`) and CustomersDot (3 days, `gitlab_instance_uid`).
 */
import { inject } from 'vitest'
import type { Tenant } from './issuer-client.ts'

export const SERVICE = 'gitlab-ai-gateway'
export const INSTANCE_ID = 'a6e81ef0-35df-4d57-97f7-e37c6b79df7f'
export const GLOBAL_USER_ID = 'q+vFyrImQ4gTk1smZ5dyZAsEU2epA2nD2qjEORIQYcs='

export const SCOPES_17 = ['code_suggestions', 'duo_chat', 'documentation_search', 'explain_code']
export const SCOPES_18 = [
  'complete_code',
  'generate_code',
  'duo_chat',
  'duo_classic_chat',
  'ai_gateway_model_provider_proxy',
]

export const nowSeconds = () => Math.floor(Date.now() / 1000)

export type Generation = '17.x' | '18.x'

/** Claims of a GitLab instance's self-signed token. */
export function instanceClaims(
  issuer: Tenant,
  generation: Generation,
  overrides: Record<string, unknown> = {},
) {
  const iat = nowSeconds()
  return {
    iss: issuer.url,
    sub: INSTANCE_ID,
    aud: generation === '17.x' ? SERVICE : [SERVICE, 'gitlab-duo-workflow-service'],
    jti: crypto.randomUUID(),
    iat,
    nbf: iat - 5,
    exp: iat + 3600,
    gitlab_realm: 'self-managed',
    scopes: generation === '17.x' ? SCOPES_17 : SCOPES_18,
    ...overrides,
  }
}

/** A token as that GitLab generation signs it (17.x: no kid; 18.x: the key's thumbprint). */
export function instanceToken(
  issuer: Tenant,
  generation: Generation,
  overrides: Record<string, unknown> = {},
) {
  return issuer.sign(instanceClaims(issuer, generation, overrides), {
    kid: generation === '17.x' ? 'none' : 'thumbprint',
  })
}

/** A CustomersDot token of a cloud-connected instance. */
export function customersDotToken(customersDot: Tenant, overrides: Record<string, unknown> = {}) {
  const iat = nowSeconds()
  return customersDot.sign(
    {
      iss: customersDot.url,
      sub: INSTANCE_ID,
      aud: SERVICE,
      jti: crypto.randomUUID(),
      iat,
      nbf: iat - 5,
      exp: iat + 3 * 86400,
      gitlab_realm: 'self-managed',
      gitlab_instance_uid: INSTANCE_ID,
      duo_seat_count: '10',
      scopes: SCOPES_18,
      ...overrides,
    },
    { kid: 'thumbprint' },
  )
}

/** The header block GitLab Rails sends with every AI gateway call. */
export function gitlabHeaders(token: string | undefined, overrides: Record<string, string | undefined> = {}) {
  const headers: Record<string, string | undefined> = {
    Authorization: token === undefined ? undefined : `Bearer ${token}`,
    'X-Gitlab-Authentication-Type': 'oidc',
    'Content-Type': 'application/json',
    'X-Request-ID': '01K184J6BDSHFTA3TXBQ5FTH6F',
    'X-Gitlab-Rails-Send-Start': String(Date.now() / 1000),
    'x-gitlab-host-name': 'gitlab.example.com',
    'x-gitlab-instance-id': INSTANCE_ID,
    'x-gitlab-realm': 'self-managed',
    'x-gitlab-version': '18.2.1',
    'x-gitlab-global-user-id': GLOBAL_USER_ID,
    'x-gitlab-feature-enabled-by-namespace-ids': '',
    'x-gitlab-feature-enablement-type': 'duo_enterprise',
    'x-gitlab-enabled-feature-flags': '',
    'x-gitlab-enabled-instance-verbose-ai-logs': 'false',
    'X-Gitlab-Is-Team-Member': 'false',
    ...overrides,
  }
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined))
}

/** Settings of a gateway for a self-managed instance whose keys `gitlab` publishes. */
export function settingsFor(gitlab: Tenant, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AIGW_GITLAB_URL: gitlab.url,
    AIGW_CUSTOMER_PORTAL_URL: '',
    AIGW_SELF_SIGNED_JWT__SIGNING_KEY: inject('gatewayKeys').signing,
    ...extra,
  }
}

/** A path only an authenticated caller can reach; POST so that it stands for every feature route. */
export const TOKEN_PATH = '/v1/code/user_access_token'
