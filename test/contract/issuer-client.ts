/** Talks to the fake OIDC issuer (test/fakes/oidc-issuer.ts) over HTTP, from any runtime. */
import { inject } from 'vitest'

export interface SignOptions {
  /** "thumbprint" (GitLab 18.x), "none" (17.x), or a literal kid. */
  kid?: string
  /** "foreign": a key this issuer never published; "previous": the key before the last rotation. */
  key?: 'current' | 'foreign' | 'previous'
  alg?: 'RS256' | 'HS256'
  secret?: string
}

export interface TenantState {
  status?: number
  delayMs?: number
  cacheControl?: string | null
  keys?: 'empty' | 'published'
}

export class Tenant {
  readonly url: string
  private readonly control: string
  constructor(control: string, url: string) {
    this.control = control
    this.url = url
  }

  async sign(claims: Record<string, unknown>, options: SignOptions = {}): Promise<string> {
    return ((await this.call('/sign', { claims, ...options })) as { token: string }).token
  }

  async rotate(keepPrevious = false): Promise<string> {
    return ((await this.call('/rotate', { keepPrevious })) as { kid: string }).kid
  }

  async setState(state: TenantState): Promise<void> {
    await this.call('/state', state)
  }

  async stats(): Promise<{ discovery: number; jwks: number }> {
    const response = await fetch(`${this.control}/stats`)
    return (await response.json()) as { discovery: number; jwks: number }
  }

  private async call(action: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${this.control}${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!response.ok) throw new Error(`fake issuer ${action}: ${response.status} ${await response.text()}`)
    return response.json()
  }
}

/** A fresh issuer of its own: its own keys, counters and state. */
export async function newIssuer(
  options: { cacheControl?: string | null; base?: string } = {},
): Promise<Tenant> {
  const { base = inject('issuerUrl'), ...settings } = options
  const response = await fetch(`${base}/control/tenants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  })
  const { id, url } = (await response.json()) as { id: string; url: string }
  return new Tenant(`${base}/control/t/${id}`, url)
}
