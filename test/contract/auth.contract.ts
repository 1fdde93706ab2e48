/**
 * Authentication as GitLab's gateway does it (spec: aigw-contract-platform.md §1.2–1.4): the
 * headers it reads, the order of checks, the exact 401 bodies, and what GitLab 17.x/18.x and
 * CustomersDot really send.
 */
import { describe, expect, it } from 'vitest'
import {
  customersDotToken,
  gitlabHeaders,
  instanceClaims,
  instanceToken,
  INSTANCE_ID,
  settingsFor,
  TOKEN_PATH,
  type Generation,
} from './gitlab.ts'
import { gatewayFactory } from './harness.ts'
import { newIssuer } from './issuer-client.ts'
import { jsonLogs, type Target } from './target.ts'

const UNKNOWN_PATH = '/v2/not-a-route'

export function authContract(target: Target) {
  describe(`authentication [${target.runtime}]`, () => {
    const start = gatewayFactory(target)

    async function expect401(response: Response, error: string) {
      expect(response.status).toBe(401)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(response.headers.get('www-authenticate')).toBeNull()
      expect(await response.json()).toEqual({ error })
    }

    it('answers 401 "No authorization header presented" on any non-public path, known or not', async () => {
      const gateway = await start(settingsFor(await newIssuer()))
      for (const path of [TOKEN_PATH, '/v2/code/completions', '/v2/chat/agent', '/', UNKNOWN_PATH]) {
        const response = await gateway.fetch(path, { method: 'POST', headers: gitlabHeaders(undefined) })
        await expect401(response, 'No authorization header presented')
        expect(response.headers.get('x-request-id')).toBeTruthy()
        expect(response.headers.get('x-process-time')).toMatch(/^\d+\.\d+$/)
      }
    })

    it('answers 401 "Invalid authorization header" unless the scheme is Bearer (in any case)', async () => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const token = await instanceToken(issuer, '18.x')
      for (const authorization of ['invalid', `Basic ${token}`, 'Bearer', `Token ${token}`]) {
        const headers = { ...gitlabHeaders(token), Authorization: authorization }
        await expect401(
          await gateway.fetch(TOKEN_PATH, { method: 'POST', headers }),
          'Invalid authorization header',
        )
      }
      const lowercase = { ...gitlabHeaders(token), Authorization: `bearer ${token}` }
      expect((await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: lowercase })).status).toBe(200)
    })

    it('answers 401 for a missing or non-"oidc" X-Gitlab-Authentication-Type', async () => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const token = await instanceToken(issuer, '18.x')
      for (const type of [undefined, 'OIDC', 'jwt', '']) {
        const headers = gitlabHeaders(token, { 'X-Gitlab-Authentication-Type': type })
        await expect401(
          await gateway.fetch(TOKEN_PATH, { method: 'POST', headers }),
          'Invalid authentication token type - only OIDC is supported',
        )
      }
    })

    it('checks the header before the auth type, and the auth type before the token', async () => {
      const gateway = await start(settingsFor(await newIssuer()))
      const noType = { 'X-Gitlab-Authentication-Type': undefined }
      await expect401(
        await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(undefined, noType) }),
        'No authorization header presented',
      )
      await expect401(
        await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders('garbage', noType) }),
        'Invalid authentication token type - only OIDC is supported',
      )
    })

    for (const generation of ['17.x', '18.x'] as Generation[]) {
      it(`accepts a GitLab ${generation} instance token and reaches the route`, async () => {
        const issuer = await newIssuer()
        const gateway = await start(settingsFor(issuer))
        const headers = gitlabHeaders(await instanceToken(issuer, generation))
        expect((await gateway.fetch(TOKEN_PATH, { method: 'POST', headers })).status).toBe(200)
        // Authenticated callers see routing results: 404 for an unknown path.
        const unknown = await gateway.fetch(UNKNOWN_PATH, { method: 'POST', headers })
        expect(unknown.status).toBe(404)
        expect(await unknown.json()).toEqual({ detail: 'Not Found' })
      })
    }

    it('accepts a CustomersDot token through the CustomersDot JWKS', async () => {
      const [gitlab, customersDot] = [await newIssuer(), await newIssuer()]
      const gateway = await start(settingsFor(gitlab, { AIGW_CUSTOMER_PORTAL_URL: customersDot.url }))
      const headers = gitlabHeaders(await customersDotToken(customersDot))
      expect((await gateway.fetch(TOKEN_PATH, { method: 'POST', headers })).status).toBe(200)
      // ...and not when CustomersDot is turned off (air-gapped: AIGW_CUSTOMER_PORTAL_URL="").
      const airGapped = await start(settingsFor(gitlab))
      await expect401(
        await airGapped.fetch(TOKEN_PATH, { method: 'POST', headers }),
        'Forbidden by auth provider',
      )
    })

    describe('refuses tokens with "Forbidden by auth provider"', () => {
      const cases: [string, (issuer: Awaited<ReturnType<typeof newIssuer>>) => Promise<string>][] = [
        ['not a JWT', async () => 'not-a-jwt'],
        ['an expired token', (i) => instanceToken(i, '18.x', { exp: Math.floor(Date.now() / 1000) - 1 })],
        [
          'a token not valid yet (nbf)',
          (i) => instanceToken(i, '18.x', { nbf: Math.floor(Date.now() / 1000) + 60 }),
        ],
        ['another audience', (i) => instanceToken(i, '18.x', { aud: 'gitlab-duo-workflow-service' })],
        ['another audience (array)', (i) => instanceToken(i, '18.x', { aud: ['a', 'b'] })],
        ['no audience', (i) => instanceToken(i, '18.x', { aud: undefined })],
        ['a non-numeric exp', (i) => instanceToken(i, '18.x', { exp: 'tomorrow' })],
        ['a non-string sub', (i) => instanceToken(i, '18.x', { sub: 42 })],
        ['alg "none"', async (i) => unsigned(instanceClaims(i, '18.x'))],
        [
          'HS256 keyed with a public value',
          (i) => i.sign(instanceClaims(i, '18.x'), { alg: 'HS256', secret: 'gitlab-ai-gateway' }),
        ],
        [
          'a foreign key under a published kid',
          async (i) => {
            const published = await i.sign(instanceClaims(i, '18.x'))
            const kid = (
              JSON.parse(atob(published.split('.')[0]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
                kid: string
              }
            ).kid
            return i.sign(instanceClaims(i, '18.x'), { key: 'foreign', kid })
          },
        ],
        [
          'a foreign key without kid',
          (i) => i.sign(instanceClaims(i, '17.x'), { key: 'foreign', kid: 'none' }),
        ],
        [
          'a tampered payload',
          async (i) => {
            const [header, , signature] = (await instanceToken(i, '18.x')).split('.')
            const payload = btoa(JSON.stringify(instanceClaims(i, '18.x', { scopes: ['everything'] })))
              .replace(/=+$/, '')
              .replace(/\+/g, '-')
              .replace(/\//g, '_')
            return `${header}.${payload}.${signature}`
          },
        ],
      ]
      for (const [name, makeToken] of cases) {
        it(name, async () => {
          const issuer = await newIssuer()
          const gateway = await start(settingsFor(issuer))
          const response = await gateway.fetch(TOKEN_PATH, {
            method: 'POST',
            headers: gitlabHeaders(await makeToken(issuer)),
          })
          await expect401(response, 'Forbidden by auth provider')
        })
      }
    })

    describe('header and claim checks', () => {
      const mismatch = async (
        claims: Record<string, unknown>,
        headers: Record<string, string | undefined>,
        settings: Record<string, string> = {},
      ) => {
        const issuer = await newIssuer()
        const gateway = await start(settingsFor(issuer, settings))
        const token = await instanceToken(issuer, '18.x', claims)
        return gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(token, headers) })
      }

      it('answers "Header mismatch \'X-Gitlab-Realm\'" when the realm claim disagrees', async () => {
        await expect401(await mismatch({}, { 'x-gitlab-realm': 'saas' }), "Header mismatch 'X-Gitlab-Realm'")
        await expect401(
          await mismatch({}, { 'x-gitlab-realm': undefined }),
          "Header mismatch 'X-Gitlab-Realm'",
        )
      })

      it('skips a check whose claim is empty', async () => {
        expect((await mismatch({ gitlab_realm: '' }, { 'x-gitlab-realm': 'anything' })).status).toBe(200)
        expect((await mismatch({ gitlab_realm: undefined }, { 'x-gitlab-realm': undefined })).status).toBe(
          200,
        )
      })

      it('answers "Header mismatch \'X-Gitlab-Instance-Id\'" for the instance id claim, a missing header included', async () => {
        const claims = { gitlab_instance_id: INSTANCE_ID }
        expect((await mismatch(claims, {})).status).toBe(200)
        await expect401(
          await mismatch(claims, { 'x-gitlab-instance-id': 'other' }),
          "Header mismatch 'X-Gitlab-Instance-Id'",
        )
        await expect401(
          await mismatch(claims, { 'x-gitlab-instance-id': undefined }),
          "Header mismatch 'X-Gitlab-Instance-Id'",
        )
      })

      it("compares an instance token's sub with X-Gitlab-Instance-Id (switchable)", async () => {
        await expect401(
          await mismatch({}, { 'x-gitlab-instance-id': 'other' }),
          "Header mismatch 'X-Gitlab-Instance-Id'",
        )
        const off = { AIGW_AUTH__CHECK_SUBJECT_INSTANCE_ID: 'false' }
        expect((await mismatch({}, { 'x-gitlab-instance-id': 'other' }, off)).status).toBe(200)
      })

      it('reports the realm before the instance id', async () => {
        const response = await mismatch(
          { gitlab_instance_id: INSTANCE_ID },
          { 'x-gitlab-realm': 'saas', 'x-gitlab-instance-id': 'x' },
        )
        await expect401(response, "Header mismatch 'X-Gitlab-Realm'")
      })

      it('matches header names case-insensitively', async () => {
        const issuer = await newIssuer()
        const gateway = await start(settingsFor(issuer))
        const token = await instanceToken(issuer, '18.x')
        const headers = Object.fromEntries(
          Object.entries(gitlabHeaders(token)).map(([k, v]) => [k.toUpperCase(), v]),
        )
        expect((await gateway.fetch(TOKEN_PATH, { method: 'POST', headers })).status).toBe(200)
      })
    })

    describe('bypass switches', () => {
      it('AIGW_AUTH__BYPASS_EXTERNAL lets every request in and logs a warning each time', async () => {
        const gateway = await start({ ...settingsFor(await newIssuer()), AIGW_AUTH__BYPASS_EXTERNAL: 'true' })
        for (let i = 0; i < 2; i++) {
          const response = await gateway.fetch(TOKEN_PATH, {
            method: 'POST',
            headers: gitlabHeaders(undefined),
          })
          expect(response.status).toBe(200)
        }
        const warnings = jsonLogs(gateway).filter(
          (l) => l.level === 'warning' && String(l.message).includes('AIGW_AUTH__BYPASS_EXTERNAL'),
        )
        expect(warnings.filter((l) => l.path === TOKEN_PATH)).toHaveLength(2)
      })

      it('AIGW_AUTH__BYPASS_EXTERNAL_WITH_HEADER needs "Bypass-Auth: true" exactly', async () => {
        const gateway = await start({
          ...settingsFor(await newIssuer()),
          AIGW_AUTH__BYPASS_EXTERNAL_WITH_HEADER: 'true',
        })
        const call = (value?: string) =>
          gateway.fetch(TOKEN_PATH, {
            method: 'POST',
            headers: gitlabHeaders(undefined, { 'Bypass-Auth': value }),
          })
        expect((await call('true')).status).toBe(200)
        await expect401(await call('TRUE'), 'No authorization header presented')
        await expect401(await call(), 'No authorization header presented')
        const warnings = jsonLogs(gateway).filter(
          (l) => l.level === 'warning' && String(l.message).includes('BYPASS_EXTERNAL_WITH_HEADER'),
        )
        expect(warnings).toHaveLength(1)
      })

      it('ignores Bypass-Auth when the switch is off', async () => {
        const gateway = await start(settingsFor(await newIssuer()))
        const headers = gitlabHeaders(undefined, { 'Bypass-Auth': 'true' })
        await expect401(
          await gateway.fetch(TOKEN_PATH, { method: 'POST', headers }),
          'No authorization header presented',
        )
      })

      it('AIGW_AUTH__BYPASS_JWT_SIGNATURE skips the signature but still checks the claims', async () => {
        const issuer = await newIssuer()
        const gateway = await start({ ...settingsFor(issuer), AIGW_AUTH__BYPASS_JWT_SIGNATURE: 'true' })
        const foreign = await issuer.sign(instanceClaims(issuer, '18.x'), { key: 'foreign' })
        expect(
          (await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(foreign) })).status,
        ).toBe(200)
        const expired = await issuer.sign(
          instanceClaims(issuer, '18.x', { exp: Math.floor(Date.now() / 1000) - 10 }),
          { key: 'foreign' },
        )
        await expect401(
          await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(expired) }),
          'Forbidden by auth provider',
        )
      })
    })

    it('logs who called and why auth failed, never the token', async () => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const good = await instanceToken(issuer, '18.x')
      const expired = await instanceToken(issuer, '18.x', { exp: Math.floor(Date.now() / 1000) - 1 })
      await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(good) })
      await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(expired) })
      await gateway.fetch(TOKEN_PATH, {
        method: 'POST',
        headers: gitlabHeaders(good, { 'x-gitlab-realm': 'saas' }),
      })
      const access = jsonLogs(gateway).filter((l) => l.logger === 'api.access')
      expect(access.map((l) => l.status_code)).toEqual([200, 401, 401])
      expect(access[0]).toMatchObject({
        token_issuer: issuer.url,
        gitlab_realm: 'self-managed',
        gitlab_instance_id: INSTANCE_ID,
      })
      expect(access[1]).toMatchObject({ auth_error_details: 'token expired' })
      // Recorded even when a header check fails afterwards, as GitLab does.
      expect(access[2]).toMatchObject({ token_issuer: issuer.url, gitlab_realm: 'self-managed' })
      const everything = gateway.logs().join('\n')
      for (const token of [good, expired]) {
        expect(everything).not.toContain(token)
        expect(everything).not.toContain(token.split('.')[2])
      }
      expect(everything).not.toMatch(/PRIVATE KEY/)
    })
  })
}

function unsigned(claims: object): string {
  const encode = (value: object) =>
    btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`
}
