/**
 * Key loading and caching (spec §1.5–1.6, and the "strictly better than GitLab's"): OIDC
 * discovery under the GitLab URL's own path, TTL from Cache-Control, a refetch (at most one per
 * 30 s) for a key it does not know, stale keys kept through an outage, and slow or missing
 * sources that never hold up requests the loaded keys can verify.
 */
import { describe, expect, it } from 'vitest'
import {
  customersDotToken,
  gitlabHeaders,
  instanceClaims,
  instanceToken,
  settingsFor,
  TOKEN_PATH,
} from './gitlab.ts'
import { controlClock, gatewayFactory } from './harness.ts'
import { newIssuer, type Tenant } from './issuer-client.ts'
import { jsonLogs, type Gateway, type Target } from './target.ts'

const HOUR = 3_600_000

export function jwksContract(target: Target) {
  describe(`signing keys [${target.runtime}]`, () => {
    const start = gatewayFactory(target)
    const call = (gateway: Gateway, token: string) =>
      gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(token) })
    const fresh = (issuer: Tenant) => instanceToken(issuer, '18.x')
    /** A gateway that has loaded its issuer's keys, with the clock in the test's hands. */
    const loaded = async (options: { cacheControl?: string | null } = {}) => {
      const clock = controlClock()
      const issuer = await newIssuer(options)
      const gateway = await start(settingsFor(issuer))
      expect((await call(gateway, await fresh(issuer))).status).toBe(200)
      return { clock, issuer, gateway }
    }

    it('discovers the JWKS under the GitLab URL path and fetches it once for many requests', async () => {
      const issuer = await newIssuer()
      expect(new URL(issuer.url).pathname).toMatch(/^\/t\/[^/]+$/)
      const gateway = await start(settingsFor(issuer))
      for (let i = 0; i < 5; i++) expect((await call(gateway, await fresh(issuer))).status).toBe(200)
      expect(await issuer.stats()).toEqual({ discovery: 1, jwks: 1 })
    })

    it('verifies concurrent first requests once the keys arrive, with one fetch', async () => {
      const issuer = await newIssuer()
      await issuer.setState({ delayMs: 150 })
      const gateway = await start(settingsFor(issuer))
      const token = await fresh(issuer)
      const statuses = await Promise.all(
        Array.from({ length: 20 }, () => call(gateway, token).then((r) => r.status)),
      )
      expect(statuses).toEqual(Array(20).fill(200))
      expect((await issuer.stats()).jwks).toBe(1)
    })

    it('picks up a rotated GitLab key without a restart', async () => {
      const { clock, issuer, gateway } = await loaded()
      await issuer.rotate()
      clock.advance(31_000) // the first load started the refetch cooldown
      expect((await call(gateway, await fresh(issuer))).status).toBe(200)
      expect((await issuer.stats()).jwks).toBe(2)
      // The retired key is gone from the JWKS, and with it from the gateway.
      const retired = await issuer.sign(instanceClaims(issuer, '18.x'), { key: 'previous' })
      expect((await call(gateway, retired)).status).toBe(401)
    })

    it('refetches at most once per 30 s, however many unknown-key tokens arrive', async () => {
      const { clock, issuer, gateway } = await loaded()
      clock.advance(31_000)
      const junk = await issuer.sign(instanceClaims(issuer, '18.x'), { key: 'foreign', kid: 'unknown-kid' })
      for (let i = 0; i < 10; i++) expect((await call(gateway, junk)).status).toBe(401)
      expect((await issuer.stats()).jwks).toBe(2)

      // A key rotated within the cooldown waits for it, then works.
      await issuer.rotate(true)
      const rotated = await fresh(issuer)
      expect((await call(gateway, rotated)).status).toBe(401)
      clock.advance(31_000)
      expect((await call(gateway, rotated)).status).toBe(200)
      expect((await issuer.stats()).jwks).toBe(3)
    })

    it('keeps serving the keys it has while the issuer is down, and logs it', async () => {
      const { clock, issuer, gateway } = await loaded()
      await issuer.setState({ status: 503 })
      clock.advance(25 * HOUR)
      expect((await call(gateway, await fresh(issuer))).status).toBe(200)
      await gateway.settled()
      expect((await call(gateway, await fresh(issuer))).status).toBe(200)
      const warnings = jsonLogs(gateway).filter((l) => l.level === 'warning' && l.logger === 'auth.jwks')
      expect(
        warnings.some(
          (l) =>
            String(l.message).includes('keeping the keys already loaded') && String(l.error).includes('503'),
        ),
      ).toBe(true)
    })

    it('takes the TTL from Cache-Control and revalidates in the background', async () => {
      const { clock, issuer, gateway } = await loaded({ cacheControl: 'max-age=120' })
      clock.advance(100_000)
      expect((await call(gateway, await fresh(issuer))).status).toBe(200)
      await gateway.settled()
      expect((await issuer.stats()).jwks).toBe(1)
      clock.advance(21_000)
      expect((await call(gateway, await fresh(issuer))).status).toBe(200)
      await gateway.settled()
      expect((await issuer.stats()).jwks).toBe(2)
    })

    it('clamps the TTL: max-age=5 is kept for at least a minute, a missing header for 24 h', async () => {
      const clock = controlClock()
      const short = await newIssuer({ cacheControl: 'max-age=5' })
      const none = await newIssuer({ cacheControl: null })
      const [a, b] = [await start(settingsFor(short)), await start(settingsFor(none))]
      expect((await call(a, await fresh(short))).status).toBe(200)
      expect((await call(b, await fresh(none))).status).toBe(200)
      clock.advance(50_000)
      await Promise.all([call(a, await fresh(short)), call(b, await fresh(none))])
      await Promise.all([a.settled(), b.settled()])
      expect([(await short.stats()).jwks, (await none.stats()).jwks]).toEqual([1, 1])
      clock.advance(23 * HOUR)
      await Promise.all([call(a, await fresh(short)), call(b, await fresh(none))])
      await Promise.all([a.settled(), b.settled()])
      expect([(await short.stats()).jwks, (await none.stats()).jwks]).toEqual([2, 1])
    })

    it('never waits for a slow CustomersDot to verify a GitLab token', async () => {
      const [gitlab, customersDot] = [await newIssuer(), await newIssuer()]
      await customersDot.setState({ delayMs: 4_000 })
      const gateway = await start(settingsFor(gitlab, { AIGW_CUSTOMER_PORTAL_URL: customersDot.url }))
      expect((await call(gateway, await fresh(gitlab))).status).toBe(200)
      expect((await gateway.fetch('/monitoring/healthz')).status).toBe(200)
      // The answer came while CustomersDot was still sitting on its discovery request.
      expect((await customersDot.stats()).jwks).toBe(0)
    })

    it('verifies a CustomersDot token while the GitLab instance is unreachable', async () => {
      const [gitlab, customersDot] = [await newIssuer(), await newIssuer()]
      await gitlab.setState({ status: 500 })
      const gateway = await start(settingsFor(gitlab, { AIGW_CUSTOMER_PORTAL_URL: customersDot.url }))
      expect((await call(gateway, await customersDotToken(customersDot))).status).toBe(200)
    })

    it('answers 401, never 500, when no keys can be had', async () => {
      const down = await newIssuer()
      await down.setState({ status: 500 })
      const empty = await newIssuer()
      await empty.setState({ keys: 'empty' })
      for (const issuer of [down, empty]) {
        const gateway = await start(settingsFor(issuer))
        const response = await call(gateway, await fresh(issuer))
        expect(response.status).toBe(401)
        expect(await response.json()).toEqual({ error: 'Forbidden by auth provider' })
      }
    })

    it(`${target.sharesKeyStore ? 'shares' : 'does not share'} fetched keys between gateway instances`, async () => {
      const { issuer, gateway } = await loaded()
      await gateway.settled()
      const second = await start(settingsFor(issuer))
      expect((await call(second, await fresh(issuer))).status).toBe(200)
      expect((await issuer.stats()).jwks).toBe(target.sharesKeyStore ? 1 : 2)
    })

    it(`${target.sharesKeyStore ? 'starts' : 'cannot start'} a new instance on expired shared keys while the issuer is down`, async () => {
      const { clock, issuer, gateway } = await loaded()
      await gateway.settled()
      await issuer.setState({ status: 503 })
      clock.advance(25 * HOUR)
      const second = await start(settingsFor(issuer))
      expect((await call(second, await fresh(issuer))).status).toBe(target.sharesKeyStore ? 200 : 401)
    })

    it('keeps a JWKS marked no-store out of the shared store', async () => {
      const { issuer, gateway } = await loaded({ cacheControl: 'no-store' })
      await gateway.settled()
      const second = await start(settingsFor(issuer))
      expect((await call(second, await fresh(issuer))).status).toBe(200)
      expect((await issuer.stats()).jwks).toBe(2)
    })
  })
}
