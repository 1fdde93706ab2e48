/**
 * The request pipeline and operations endpoints (spec §0, §4): request ids and timing on every
 * answer, CORS before auth, one access-log line per request, FastAPI's 404/405, body limits,
 * probes, and the public API reference.
 */
import { describe, expect, inject, it } from 'vitest'
import { NOT_READY_HINT } from '../../src/routes/monitoring.ts'
import { gitlabHeaders, instanceToken, settingsFor, TOKEN_PATH } from './gitlab.ts'
import { gatewayFactory } from './harness.ts'
import { newIssuer } from './issuer-client.ts'
import { jsonLogs, type Target } from './target.ts'

export function pipelineContract(target: Target) {
  describe(`request pipeline [${target.runtime}]`, () => {
    const start = gatewayFactory(target)
    const withGitlab = async (extra: Record<string, string> = {}) => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer, extra))
      return { issuer, gateway, token: await instanceToken(issuer, '18.x') }
    }

    it('echoes X-Request-ID verbatim (up to 256 characters), or makes one up, on every answer', async () => {
      const { gateway, token } = await withGitlab()
      const given = await gateway.fetch(TOKEN_PATH, {
        method: 'POST',
        headers: gitlabHeaders(token, { 'X-Request-ID': 'Rails-01K1/x+y=z' }),
      })
      expect(given.headers.get('x-request-id')).toBe('Rails-01K1/x+y=z')
      // Up to 256 characters as sent; a longer id (echoed and logged on every line) is replaced.
      for (const [sent, kept] of [
        ['r'.repeat(256), true],
        ['r'.repeat(257), false],
      ] as const) {
        const response = await gateway.fetch(TOKEN_PATH, {
          method: 'POST',
          headers: gitlabHeaders(token, { 'X-Request-ID': sent }),
        })
        const echoed = response.headers.get('x-request-id')
        if (kept) expect(echoed).toBe(sent)
        else expect(echoed).toMatch(/^[0-9a-f]{32}$/)
      }
      for (const response of [
        await gateway.fetch('/monitoring/healthz'),
        await gateway.fetch(TOKEN_PATH, { method: 'POST' }),
        await gateway.fetch('/nowhere', {
          method: 'POST',
          headers: gitlabHeaders(token, { 'X-Request-ID': undefined }),
        }),
      ]) {
        expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
        expect(Number(response.headers.get('x-process-time'))).toBeGreaterThanOrEqual(0)
      }
    })

    it('answers a CORS preflight without a token, allowing POST from any origin', async () => {
      const { gateway } = await withGitlab()
      const response = await gateway.fetch('/v2/code/completions', {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://gitlab.example.com',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, x-gitlab-realm',
        },
      })
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('access-control-allow-methods')).toBe('POST')
      expect(response.headers.get('access-control-allow-headers')).toBe('authorization,x-gitlab-realm')
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
      const actual = await gateway.fetch(TOKEN_PATH, {
        method: 'POST',
        headers: { Origin: 'https://gitlab.example.com' },
      })
      expect(actual.status).toBe(401)
      expect(actual.headers.get('access-control-expose-headers')).toBe('X-Request-ID')
    })

    it('writes one access-log line per request with GitLab field names, query values left out', async () => {
      const { gateway, token, issuer } = await withGitlab()
      await gateway.fetch('/monitoring/healthz')
      await gateway.fetch(`${TOKEN_PATH}?x=1&api_key=sk-in-the-query-SECRET&flag`, {
        method: 'POST',
        headers: gitlabHeaders(token),
      })
      const lines = jsonLogs(gateway).filter((l) => l.logger === 'api.access')
      expect(lines).toHaveLength(2)
      expect(gateway.logs().join('\n')).not.toContain('SECRET')
      expect(lines[1]!.url).toMatch(
        /\/v1\/code\/user_access_token\?x=\[redacted\]&api_key=\[redacted\]&flag$/,
      )
      expect(lines[1]).toMatchObject({
        level: 'info',
        method: 'POST',
        path: `${TOKEN_PATH}?x=[redacted]&api_key=[redacted]&flag`,
        status_code: 200,
        correlation_id: '01K184J6BDSHFTA3TXBQ5FTH6F',
        token_issuer: issuer.url,
        gitlab_realm: 'self-managed',
        gitlab_instance_id: 'a6e81ef0-35df-4d57-97f7-e37c6b79df7f',
        gitlab_version: '18.2.1',
        content_type: 'application/json',
      })
      expect(typeof lines[1]!.duration_s).toBe('number')
      expect(lines[1]!.duration_request).toBeGreaterThanOrEqual(0)
      expect(String(lines[1]!.message)).toContain(
        `"POST ${TOKEN_PATH}?x=[redacted]&api_key=[redacted]&flag" 200`,
      )
    })

    it("answers FastAPI's 404 and 405 to authenticated callers", async () => {
      const { gateway, token } = await withGitlab()
      const missing = await gateway.fetch('/v9/nothing', { headers: gitlabHeaders(token) })
      expect(missing.status).toBe(404)
      expect(await missing.json()).toEqual({ detail: 'Not Found' })
      const wrongMethod = await gateway.fetch(TOKEN_PATH, { method: 'GET', headers: gitlabHeaders(token) })
      expect(wrongMethod.status).toBe(405)
      expect(wrongMethod.headers.get('allow')).toBe('POST')
      expect(await wrongMethod.json()).toEqual({ detail: 'Method Not Allowed' })
      const publicWrongMethod = await gateway.fetch('/monitoring/healthz', { method: 'POST' })
      expect(publicWrongMethod.status).toBe(405)
      // GitLab's skip list names /metrics (public, not served here) and /v1/models/definitions.
      expect((await gateway.fetch('/metrics')).status).toBe(404)
      expect((await gateway.fetch('/v1/models/definitions')).status).toBe(200)
      // The skip list matches exactly: a trailing slash is not a public path.
      expect((await gateway.fetch('/monitoring/healthz/')).status).toBe(401)
    })

    it('tolerates the // that older GitLab versions put after a trailing slash', async () => {
      const { gateway, token } = await withGitlab()
      expect((await gateway.fetch('//monitoring/healthz')).status).toBe(200)
      expect(
        (await gateway.fetch(`/${TOKEN_PATH}`, { method: 'POST', headers: gitlabHeaders(token) })).status,
      ).toBe(200)
      expect((await gateway.fetch('//v2//code/completions', { method: 'POST' })).status).toBe(401)
    })

    it('refuses a body over AIGW_FASTAPI__MAX_REQUEST_BODY_BYTES with 413, after auth', async () => {
      const { gateway, token } = await withGitlab({ AIGW_FASTAPI__MAX_REQUEST_BODY_BYTES: '2048' })
      const body = JSON.stringify({ padding: 'x'.repeat(4096) })
      const tooBig = await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(token), body })
      expect(tooBig.status).toBe(413)
      expect(await tooBig.json()).toEqual({ detail: 'Request body is larger than 2048 bytes' })
      const anonymous = await gateway.fetch(TOKEN_PATH, { method: 'POST', body })
      expect(anonymous.status).toBe(401)
      const small = await gateway.fetch(TOKEN_PATH, {
        method: 'POST',
        headers: gitlabHeaders(token),
        body: '{}',
      })
      expect(small.status).toBe(200)
    })

    describe('probes', () => {
      it('healthz: 200 {"status":"ok"} with no token and no network', async () => {
        const { issuer, gateway } = await withGitlab()
        const response = await gateway.fetch('/monitoring/healthz', {
          headers: { accept: 'application/json' },
        })
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({ status: 'ok' })
        if (target.runtime === 'workerd') expect(await issuer.stats()).toEqual({ discovery: 0, jwks: 0 })
      })

      it('ready: 200 once the GitLab keys load', async () => {
        const { gateway } = await withGitlab()
        const response = await gateway.fetch('/monitoring/ready')
        expect(response.status).toBe(200)
        const body = (await response.json()) as {
          status: string
          auth: { sources: { source: string; keys: number }[] }
        }
        expect(body.status).toBe('ready')
        expect(body.auth.sources).toEqual([expect.objectContaining({ source: 'gitlab', keys: 1 })])
      })

      it('ready: 503 with the reason while the GitLab instance cannot be reached, then 200', async () => {
        const issuer = await newIssuer()
        await issuer.setState({ status: 502 })
        const gateway = await start(settingsFor(issuer))
        const response = await gateway.fetch('/monitoring/ready')
        expect(response.status).toBe(503)
        const body = (await response.json()) as { status: string; reasons: string[]; hint: string }
        expect(body.status).toBe('not_ready')
        expect(body.reasons).toEqual([
          `no signing keys from the GitLab instance at ${issuer.url} (AIGW_GITLAB_URL): HTTP 502 from ${issuer.url}/.well-known/openid-configuration`,
        ])
        expect(body.hint).toBe(NOT_READY_HINT)
      })

      for (const what of ['refuses connections', 'has a host name that does not resolve'] as const) {
        it(`ready: 503 saying why when the GitLab instance ${what} (never a bare "internal error")`, async () => {
          const url = what === 'refuses connections' ? inject('refusingUrl') : 'http://aigw-edge-test.invalid'
          const gateway = await start({ AIGW_GITLAB_URL: url, AIGW_CUSTOMER_PORTAL_URL: '' })
          await gateway.fetch('/monitoring/ready')
          await gateway.settled()
          const response = await gateway.fetch('/monitoring/ready')
          expect(response.status).toBe(503)
          const body = (await response.json()) as { reasons: string[]; hint: string }
          expect(body.reasons).toHaveLength(1)
          const [reason] = body.reasons as [string]
          expect(
            reason.startsWith(`no signing keys from the GitLab instance at ${url} (AIGW_GITLAB_URL): `),
          ).toBe(true)
          if (target.runtime === 'node')
            expect(reason).toMatch(what.startsWith('refuses') ? /ECONNREFUSED/ : /ENOTFOUND|EAI_AGAIN/)
          else
            expect(reason).toContain(
              what.startsWith('refuses')
                ? 'the connection was refused or closed'
                : 'the host name may not resolve',
            )
          expect(body.hint).toContain('AIGW_GITLAB_URL')
        })
      }

      it('ready: 200 when authentication is bypassed, without fetching keys', async () => {
        const issuer = await newIssuer()
        await issuer.setState({ status: 502 })
        const gateway = await start({ ...settingsFor(issuer), AIGW_AUTH__BYPASS_EXTERNAL: 'true' })
        expect((await gateway.fetch('/monitoring/ready')).status).toBe(200)
      })
    })

    describe('API reference', () => {
      it('serves /docs and every asset it loads without a token', async () => {
        const { gateway } = await withGitlab()
        const page = await gateway.fetch('/docs')
        expect(page.status).toBe(200)
        expect(page.headers.get('content-type')).toMatch(/^text\/html/)
        const html = await page.text()
        const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!)
        expect(assets).toHaveLength(5)
        for (const asset of assets) {
          expect(asset).toMatch(/^\/docs\/assets\//)
          const response = await gateway.fetch(asset)
          expect(response.status, asset).toBe(200)
          expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(100)
        }
      })

      it('serves /openapi.json built from the route schemas', async () => {
        const { gateway } = await withGitlab()
        const document = (await (await gateway.fetch('/openapi.json')).json()) as {
          openapi: string
          paths: Record<
            string,
            Record<
              string,
              { responses: Record<string, { content?: { 'application/json': { schema: unknown } } }> }
            >
          >
        }
        expect(document.openapi).toBe('3.1.0')
        expect(Object.keys(document.paths).sort()).toEqual([
          '/monitoring/healthz',
          '/monitoring/ready',
          '/v1/chat/{invokable}',
          TOKEN_PATH,
          '/v1/embeddings/code_embeddings',
          '/v1/embeddings/code_embeddings/index',
          '/v1/embeddings/code_embeddings/search',
          '/v1/models/definitions',
          '/v1/prompts/{promptId}',
          '/v1/proxy/anthropic/{path}',
          '/v1/proxy/openai/{path}',
          '/v1/proxy/vertex-ai/{path}',
          '/v1/search/gitlab-docs',
          '/v2/chat/agent',
          '/v2/code/completions',
          '/v2/code/generations',
          '/v2/completions',
          '/v2/prompts/{promptId}',
          '/v3/code/completions',
          '/v4/code/suggestions',
        ])
        expect(
          document.paths[TOKEN_PATH]!.post!.responses['200']!.content!['application/json'].schema,
        ).toMatchObject({
          type: 'object',
          required: ['token', 'expires_at'],
          properties: { token: { type: 'string' }, expires_at: { type: 'integer' } },
        })
      })

      it('moves or turns off the docs with AIGW_FASTAPI__DOCS_URL and __OPENAPI_URL', async () => {
        const { gateway, token } = await withGitlab({
          AIGW_FASTAPI__DOCS_URL: '/reference',
          AIGW_FASTAPI__OPENAPI_URL: '',
        })
        expect((await gateway.fetch('/reference')).status).toBe(200)
        expect((await gateway.fetch('/reference/assets/swagger-ui.css')).status).toBe(200)
        expect((await gateway.fetch('/docs')).status).toBe(401)
        expect((await gateway.fetch('/openapi.json')).status).toBe(401)
        expect((await gateway.fetch('/openapi.json', { headers: gitlabHeaders(token) })).status).toBe(404)
      })
    })
  })
}
