/**
 * `POST /v1/code/user_access_token` (spec §2; GitLab's tests/api/v1/test_v1_code.py): who may mint,
 * the token's exact format, realm-specific claims, and the minted token coming back from an IDE.
 */
import { decodeProtectedHeader, exportJWK, importJWK, importPKCS8, jwtVerify, type JWTPayload } from 'jose'
import { describe, expect, inject, it } from 'vitest'
import {
  customersDotToken,
  GLOBAL_USER_ID,
  gitlabHeaders,
  instanceToken,
  INSTANCE_ID,
  SERVICE,
  settingsFor,
  TOKEN_PATH,
} from './gitlab.ts'
import { controlClock, gatewayFactory } from './harness.ts'
import { newIssuer } from './issuer-client.ts'
import { jsonLogs, type Gateway, type Target } from './target.ts'

/** A path only authenticated callers can reach: 404 means the token was accepted. */
const PROBE_PATH = '/v2/code/not-a-route'

async function verifyMinted(token: string, signingPem: string): Promise<JWTPayload> {
  const privateKey = await importPKCS8(signingPem, 'RS256', { extractable: true })
  const { kty, n, e } = await exportJWK(privateKey)
  const { payload } = await jwtVerify(token, await importJWK({ kty, n, e }, 'RS256'), {
    algorithms: ['RS256'],
    issuer: SERVICE,
    audience: SERVICE,
  })
  return payload
}

export function userTokenContract(target: Target) {
  describe(`POST /v1/code/user_access_token [${target.runtime}]`, () => {
    const start = gatewayFactory(target)
    const keys = () => inject('gatewayKeys')
    const mint = (
      gateway: Gateway,
      token: string | undefined,
      headers: Record<string, string | undefined> = {},
    ) => gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(token, headers) })

    it('mints a one-hour RS256 token in GitLab format for an 18.x instance token', async () => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const response = await mint(gateway, await instanceToken(issuer, '18.x', { skip_usage_cutoff: true }))
      expect(response.status).toBe(200)
      const body = (await response.json()) as { token: string; expires_at: number }
      expect(Object.keys(body).sort()).toEqual(['expires_at', 'token'])
      expect(decodeProtectedHeader(body.token)).toEqual({ alg: 'RS256', typ: 'JWT' })
      const claims = await verifyMinted(body.token, keys().signing)
      const now = Math.floor(Date.now() / 1000)
      expect(claims).toMatchObject({
        iss: SERVICE,
        aud: SERVICE,
        sub: GLOBAL_USER_ID,
        gitlab_realm: 'self-managed',
        scopes: ['complete_code', 'ai_gateway_model_provider_proxy'],
        gitlab_instance_uid: null,
        skip_usage_cutoff: true,
      })
      expect(claims.exp! - claims.iat!).toBe(3600)
      expect(claims.nbf).toBe(claims.iat)
      expect(Math.abs(claims.iat! - now)).toBeLessThanOrEqual(5)
      expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/)
      expect(body.expires_at).toBe(claims.exp)
    })

    it('grants complete_code for a 17.x token that says code_suggestions', async () => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const response = await mint(gateway, await instanceToken(issuer, '17.x'))
      expect(response.status).toBe(200)
      const { token } = (await response.json()) as { token: string }
      expect((await verifyMinted(token, keys().signing)).scopes).toEqual(['complete_code'])
    })

    it('grants only the primitives the caller holds, and 403s without either', async () => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const proxyOnly = await mint(
        gateway,
        await instanceToken(issuer, '18.x', { scopes: ['ai_gateway_model_provider_proxy'] }),
      )
      const { token } = (await proxyOnly.json()) as { token: string }
      expect((await verifyMinted(token, keys().signing)).scopes).toEqual(['ai_gateway_model_provider_proxy'])
      for (const scopes of [['duo_chat', 'generate_code'], [], 'complete_code']) {
        const response = await mint(gateway, await instanceToken(issuer, '18.x', { scopes }))
        expect(response.status).toBe(403)
        expect(await response.json()).toEqual({ detail: 'Unauthorized to create user access token' })
      }
    })

    it('takes a CustomersDot token and carries its instance uid over', async () => {
      const [gitlab, customersDot] = [await newIssuer(), await newIssuer()]
      const gateway = await start(settingsFor(gitlab, { AIGW_CUSTOMER_PORTAL_URL: customersDot.url }))
      const response = await mint(gateway, await customersDotToken(customersDot))
      const { token } = (await response.json()) as { token: string }
      const claims = await verifyMinted(token, keys().signing)
      expect(claims.gitlab_instance_uid).toBe(INSTANCE_ID)
      expect(claims.duo_seat_count).toBeUndefined()
    })

    it('accepts its own token back from an IDE, for that user only, for one hour', async () => {
      const clock = controlClock()
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const { token } = (await (await mint(gateway, await instanceToken(issuer, '18.x'))).json()) as {
        token: string
      }
      const ide = (headers: Record<string, string | undefined> = {}) =>
        gateway.fetch(PROBE_PATH, { method: 'POST', headers: gitlabHeaders(token, headers) })
      expect((await ide()).status).toBe(404)
      for (const userId of ['someone-else', undefined]) {
        const response = await ide({ 'x-gitlab-global-user-id': userId })
        expect(response.status).toBe(401)
        expect(await response.json()).toEqual({ error: "Header mismatch 'X-Gitlab-Global-User-Id'" })
      }
      // A minted token cannot mint another.
      const again = await mint(gateway, token)
      expect(again.status).toBe(403)
      expect(await again.json()).toEqual({ detail: 'Unauthorized to create user access token' })
      clock.advance(3_601_000)
      expect((await ide()).status).toBe(401)
    })

    it('keeps tokens of the previous signing key valid through AIGW_SELF_SIGNED_JWT__VALIDATION_KEY', async () => {
      const issuer = await newIssuer()
      const before = await start(
        settingsFor(issuer, { AIGW_SELF_SIGNED_JWT__SIGNING_KEY: keys().validation }),
      )
      const { token } = (await (await mint(before, await instanceToken(issuer, '18.x'))).json()) as {
        token: string
      }
      const rotated = await start(
        settingsFor(issuer, {
          AIGW_SELF_SIGNED_JWT__SIGNING_KEY: keys().signing,
          AIGW_SELF_SIGNED_JWT__VALIDATION_KEY: keys().validation,
        }),
      )
      expect(
        (await rotated.fetch(PROBE_PATH, { method: 'POST', headers: gitlabHeaders(token) })).status,
      ).toBe(404)
      const forgotten = await start(
        settingsFor(issuer, { AIGW_SELF_SIGNED_JWT__SIGNING_KEY: keys().signing }),
      )
      expect(
        (await forgotten.fetch(PROBE_PATH, { method: 'POST', headers: gitlabHeaders(token) })).status,
      ).toBe(401)
    })

    it('signs with a PKCS#1 key given with literal \\n escapes, as in example.env', async () => {
      const issuer = await newIssuer()
      const escaped = keys().signingPkcs1.trim().replace(/\n/g, '\\n')
      const gateway = await start(settingsFor(issuer, { AIGW_SELF_SIGNED_JWT__SIGNING_KEY: escaped }))
      const response = await mint(gateway, await instanceToken(issuer, '18.x'))
      expect(response.status).toBe(200)
      const { token } = (await response.json()) as { token: string }
      expect((await verifyMinted(token, keys().signing)).sub).toBe(GLOBAL_USER_ID)
    })

    it('adds project and namespace claims for SaaS, the root namespace claim winning over its header', async () => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const saas = {
        'x-gitlab-realm': 'saas',
        'x-gitlab-project-id': '5678',
        'x-gitlab-namespace-id': '9012',
      }
      const claimsFor = async (tokenClaims: Record<string, unknown>, headers: Record<string, string>) => {
        const response = await mint(
          gateway,
          await instanceToken(issuer, '18.x', { gitlab_realm: 'saas', ...tokenClaims }),
          headers,
        )
        expect(response.status).toBe(200)
        return verifyMinted(((await response.json()) as { token: string }).token, keys().signing)
      }
      expect(
        await claimsFor({ gitlab_root_namespace_id: '3456' }, { ...saas, 'x-gitlab-root-namespace-id': '1' }),
      ).toMatchObject({
        gitlab_realm: 'saas',
        gitlab_project_id: '5678',
        gitlab_namespace_id: '9012',
        gitlab_root_namespace_id: 3456,
      })
      expect(
        (await claimsFor({}, { ...saas, 'x-gitlab-root-namespace-id': '77' })).gitlab_root_namespace_id,
      ).toBe(77)
      expect(
        (await claimsFor({ gitlab_root_namespace_id: 0 }, { ...saas, 'x-gitlab-root-namespace-id': '-1' }))
          .gitlab_root_namespace_id,
      ).toBeNull()
    })

    it('answers 401 "Header is missing: \'X-Gitlab-Global-User-Id\'" instead of minting a token for nobody', async () => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const response = await mint(gateway, await instanceToken(issuer, '18.x'), {
        'x-gitlab-global-user-id': undefined,
      })
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({ error: "Header is missing: 'X-Gitlab-Global-User-Id'" })
    })

    it('answers 500 "Failed to generate JWT" without a signing key', async () => {
      const issuer = await newIssuer()
      const gateway = await start({ AIGW_GITLAB_URL: issuer.url, AIGW_CUSTOMER_PORTAL_URL: '' })
      const response = await mint(gateway, await instanceToken(issuer, '18.x'))
      expect(response.status).toBe(500)
      expect(await response.json()).toEqual({ detail: 'Failed to generate JWT' })
      const errors = jsonLogs(gateway).filter((l) => l.level === 'error')
      expect(errors.map((l) => l.message)).toEqual([
        'Cannot mint a user access token: AIGW_SELF_SIGNED_JWT__SIGNING_KEY is not set',
      ])
    })

    it('grants both primitives, without realm, when authentication is bypassed', async () => {
      const gateway = await start({ ...settingsFor(await newIssuer()), AIGW_AUTH__BYPASS_EXTERNAL: 'true' })
      const response = await mint(gateway, undefined)
      const claims = await verifyMinted(((await response.json()) as { token: string }).token, keys().signing)
      expect(claims.scopes).toEqual(['complete_code', 'ai_gateway_model_provider_proxy'])
      expect(claims.gitlab_realm).toBeUndefined()
      // The bypassed caller's user id is the X-Gitlab-Global-User-Id header.
      expect(claims.sub).toBe(GLOBAL_USER_ID)
    })
  })
}
