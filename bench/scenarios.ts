/**
 * The requests the benchmark sends: GitLab's headers with a real RS256 token from the fake
 * issuer (test/fakes/oidc-issuer.ts), and per row the path, body and the status every answer
 * must have. Every target gets the same headers and bodies, so the bytes on the wire match.
 */
import type { TargetName } from './targets.ts'

export type RowName = 'sse' | 'json' | 'healthz' | 'noop' | 'noop-nocache'

export interface Row {
  name: RowName
  label: string
  method: 'GET' | 'POST'
  body?: string
  expectStatus: number
  /** false: the gateway runs with AIGW_AUTH__TOKEN_CACHE_SIZE=0. */
  tokenCache: boolean
  /** Healthz and the no-ops are compared with each other: the load generator checks each status in all three. */
  checkEveryStatus?: boolean
}

export const PROXY_PATH = '/v1/proxy/openai/v1/chat/completions'
export const NO_ROUTE_PATH = '/v1/bench-no-route'
export const INSTANCE_ID = 'bench-instance-1'

export const STREAM_BODY = JSON.stringify({ model: 'gpt-5', stream: true, messages: [{ role: 'user', content: 'hi' }] })
const JSON_BODY = JSON.stringify({ model: 'gpt-5', stream: false, messages: [{ role: 'user', content: 'hi' }] })
/** The mock holds a stream open when the last message says `/hold` (see mock-upstream.ts). */
export const HOLD_BODY = JSON.stringify({ model: 'gpt-5', stream: true, messages: [{ role: 'user', content: '/hold' }] })

export const ROWS: Record<RowName, Row> = {
  sse: { name: 'sse', label: 'SSE chat completion (proxy)', method: 'POST', body: STREAM_BODY, expectStatus: 200, tokenCache: true },
  json: { name: 'json', label: 'JSON chat completion (proxy)', method: 'POST', body: JSON_BODY, expectStatus: 200, tokenCache: true },
  healthz: { name: 'healthz', label: 'GET /monitoring/healthz', method: 'GET', expectStatus: 200, tokenCache: true, checkEveryStatus: true },
  noop: {
    name: 'noop',
    label: 'authenticated no-op, token cache on',
    method: 'POST',
    body: '{}',
    expectStatus: 404,
    tokenCache: true,
    checkEveryStatus: true,
  },
  'noop-nocache': {
    name: 'noop-nocache',
    label: 'authenticated no-op, token cache off',
    method: 'POST',
    body: '{}',
    expectStatus: 404,
    tokenCache: false,
    checkEveryStatus: true,
  },
}

/** Which rows each target has (the mock has no health check or auth; the minimal proxy has no auth). */
export const TARGET_ROWS: Record<TargetName, RowName[]> = {
  direct: ['sse', 'json'],
  'minimal proxy': ['sse', 'json', 'healthz'],
  'aigw-edge node': ['sse', 'json', 'healthz', 'noop', 'noop-nocache'],
  'aigw-edge workerd': ['sse', 'json', 'healthz', 'noop', 'noop-nocache'],
}

export function pathOf(target: TargetName, row: RowName): string {
  if (row === 'healthz') return '/monitoring/healthz'
  if (row === 'noop' || row === 'noop-nocache') return NO_ROUTE_PATH
  return target === 'direct' ? '/v1/chat/completions' : PROXY_PATH
}

export function gitlabHeaders(token: string): Record<string, string> {
  return {
    Authorization: `Bearer ${token}`,
    'X-Gitlab-Authentication-Type': 'oidc',
    'X-Gitlab-Realm': 'self-managed',
    'X-Gitlab-Instance-Id': INSTANCE_ID,
    'X-Gitlab-Global-User-Id': 'bench-user-1',
    'X-Gitlab-Unit-Primitive': 'duo_chat',
    'Content-Type': 'application/json',
  }
}

/** A fake GitLab instance (its own tenant of the fake issuer) and a token it signed, valid for 1 h. */
export async function issueToken(issuerUrl: string): Promise<{ gitlabUrl: string; token: string }> {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${issuerUrl}${path}`, { method: 'POST', body: JSON.stringify(body) })
    if (!response.ok) throw new Error(`fake issuer ${path}: HTTP ${response.status}`)
    return (await response.json()) as Record<string, string>
  }
  const tenant = await post('/control/tenants', {})
  const gitlabUrl = tenant.url ?? ''
  const now = Math.floor(Date.now() / 1000)
  const claims = {
    iss: gitlabUrl,
    sub: INSTANCE_ID,
    aud: 'gitlab-ai-gateway',
    gitlab_realm: 'self-managed',
    scopes: ['duo_chat', 'complete_code'],
    iat: now,
    nbf: now,
    exp: now + 3600,
  }
  const { token } = await post(`/control/t/${tenant.id}/sign`, { claims })
  if (!token) throw new Error('fake issuer signed no token')
  return { gitlabUrl, token }
}
