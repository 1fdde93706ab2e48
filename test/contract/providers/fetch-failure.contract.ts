/**
 * Each adapter reads its own runtime's fetch failures (`Platform.fetchFailure`): real failures of
 * that runtime's fetch (a refused port, a host that does not resolve, a connection that breaks in
 * the middle of an answer), and the kind the adapter makes of them. The model client's suite checks
 * what the client is then told.
 */
import { describe, expect, inject, it } from 'vitest'
import { newModelServer } from '../model-server-client.ts'
import type { ProviderTarget } from './target.ts'

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a failure')
}

export function fetchFailureContract(target: ProviderTarget) {
  const node = target.runtime === 'node'
  const fetchPort = target.fetch

  describe(`fetch failures as the adapter reads them [${target.runtime}]`, () => {
    it('a refused connection: refused on Node (with the code), connect on workerd (it does not say why)', async () => {
      const error = await rejection(
        fetchPort(`${inject('refusingUrl')}/v1/chat/completions`, { method: 'POST', body: '{}' }),
      )
      expect(target.fetchFailure(error, 'request')).toEqual(
        node ? { kind: 'refused', code: 'ECONNREFUSED' } : { kind: 'connect' },
      )
    })

    it('a host name that does not resolve: dns on Node, connect on workerd', async () => {
      const error = await rejection(fetchPort('http://no-such-host.invalid/v1/models'))
      const dns = { kind: 'dns', code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/) }
      expect(target.fetchFailure(error, 'request')).toEqual(node ? dns : { kind: 'connect' })
    })

    it('a connection that breaks while the answer is read: reset', async () => {
      const server = await newModelServer()
      await server.script({
        headers: { 'content-type': 'text/event-stream' },
        chunks: [{ text: 'data: {}\n\n' }],
        destroy: true,
      })
      const response = await fetchPort(`${server.url}/v1/chat/completions`, { method: 'POST', body: '{}' })
      const error = await rejection(response.text())
      expect(target.fetchFailure(error, 'body')).toMatchObject({ kind: 'reset' })
    })

    it('an error it cannot place is connect: cause unknown', () => {
      expect(target.fetchFailure(new Error('something else'), 'request')).toEqual({ kind: 'connect' })
      expect(target.fetchFailure(new TypeError('fetch failed'), 'body')).toEqual({ kind: 'connect' })
    })
  })
}
