/**
 * The verified-token cache (AIGW_AUTH__TOKEN_CACHE_SIZE): a token that verified is not verified
 * again, but the cache must never let in what verification would refuse: a token past `exp`, a
 * token whose signing key the issuer withdrew, a header that disagrees with the claims, or a
 * different signature over the same claims.
 */
import { describe, expect, it } from 'vitest'
import {
  gitlabHeaders,
  instanceClaims,
  instanceToken,
  nowSeconds,
  settingsFor,
  TOKEN_PATH,
} from './gitlab.ts'
import { controlClock, gatewayFactory } from './harness.ts'
import { newIssuer } from './issuer-client.ts'
import type { Gateway, Target } from './target.ts'

export function tokenCacheContract(target: Target) {
  describe(`verified-token cache [${target.runtime}]`, () => {
    const start = gatewayFactory(target)
    const call = (gateway: Gateway, token: string, headers: Record<string, string> = {}) =>
      gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(token, headers) })

    for (const size of ['10000', '0']) {
      it(`refuses a token whose key the issuer withdrew, also once it was verified (cache size ${size})`, async () => {
        const clock = controlClock()
        const issuer = await newIssuer()
        const gateway = await start(settingsFor(issuer, { AIGW_AUTH__TOKEN_CACHE_SIZE: size }))
        const old = await instanceToken(issuer, '18.x')
        expect((await call(gateway, old)).status).toBe(200)
        expect((await call(gateway, old)).status).toBe(200)
        await issuer.rotate()
        clock.advance(31_000) // past the refetch cooldown
        // A token with the new key makes the gateway fetch the new key set, without the old key.
        expect((await call(gateway, await instanceToken(issuer, '18.x'))).status).toBe(200)
        expect((await call(gateway, old)).status).toBe(401)
      })
    }

    it('refuses a cached token once it expires', async () => {
      const clock = controlClock()
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const token = await instanceToken(issuer, '18.x', { exp: nowSeconds() + 60 })
      expect((await call(gateway, token)).status).toBe(200)
      clock.advance(59_000)
      expect((await call(gateway, token)).status).toBe(200)
      clock.advance(2_000)
      const expired = await call(gateway, token)
      expect([expired.status, await expired.json()]).toEqual([401, { error: 'Forbidden by auth provider' }])
    })

    it('still checks the headers against the claims of a cached token', async () => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const token = await instanceToken(issuer, '18.x')
      expect((await call(gateway, token)).status).toBe(200)
      const mismatch = await call(gateway, token, { 'x-gitlab-realm': 'saas' })
      expect([mismatch.status, await mismatch.json()]).toEqual([
        401,
        { error: "Header mismatch 'X-Gitlab-Realm'" },
      ])
    })

    it('does not take another signature over the same claims for the cached token', async () => {
      const issuer = await newIssuer()
      const gateway = await start(settingsFor(issuer))
      const claims = instanceClaims(issuer, '18.x')
      const genuine = await issuer.sign(claims)
      expect((await call(gateway, genuine)).status).toBe(200)
      const [header, payload] = genuine.split('.')
      const forgedSignature = (await issuer.sign(claims, { key: 'foreign' })).split('.')[2]
      expect((await call(gateway, `${header}.${payload}.${forgedSignature}`)).status).toBe(401)
    })
  })
}
