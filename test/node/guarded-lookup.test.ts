/** The Node adapter's DNS guard: names that resolve to link-local addresses are never connected to. */
import { describe, expect, it } from 'vitest'
import { guardedLookup, LINK_LOCAL_CODE } from '../../node-entry/guarded-lookup.ts'

function resolve(hostname: string, all = false) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((done) =>
    guardedLookup(hostname, { all }, (error, address) => done({ error, address })),
  )
}

describe('guardedLookup', () => {
  it('refuses link-local answers, IPv4 and IPv6', async () => {
    for (const address of ['169.254.169.254', '169.254.0.1', 'fe80::1']) {
      const { error } = await resolve(address)
      expect(error?.code, address).toBe(LINK_LOCAL_CODE)
      expect(error?.message).toContain(address)
    }
  })

  it('lets loopback and private answers through, in either callback form', async () => {
    expect(await resolve('localhost')).toMatchObject({
      error: null,
      address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
    })
    expect(await resolve('10.1.2.3')).toEqual({ error: null, address: '10.1.2.3' })
    expect((await resolve('10.1.2.3', true)).address).toEqual([{ address: '10.1.2.3', family: 4 }])
  })

  it('passes resolver errors on', async () => {
    expect((await resolve('no-such-host.invalid')).error?.code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/)
  })
})
