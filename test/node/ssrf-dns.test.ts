/**
 * The SSRF guard against DNS answers, end to end on the Node server: a model endpoint named by a
 * host name that resolves to a link-local address in IPv4-mapped form (`::ffff:169.254.169.254`,
 * as a resolver may answer an AAAA query) is refused on every model route before any connection,
 * while a host name that resolves to mapped loopback (`::ffff:127.0.0.1`, the canary) reaches the
 * fake model server: the resolver really is the one in the path, and mapped forms are read as
 * the IPv4 address they carry, not as text.
 */
import { lookup, type LookupAddress } from 'node:dns'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../node-entry/server.ts'
import type { Resolver } from '../../node-entry/guarded-lookup.ts'
import { chatBody, chatMetadata, parseEvents } from '../contract/chat/harness.ts'
import {
  ideCompletion,
  ideGeneration,
  MODEL_KEY,
  modelMetadata,
  v3Completion,
} from '../contract/code/fixtures.ts'
import { answers } from '../contract/code/harness.ts'
import { gitlabHeaders, instanceToken, SCOPES_18, settingsFor } from '../contract/gitlab.ts'
import { newIssuer } from '../contract/issuer-client.ts'
import { newModelServer, type ModelServer } from '../contract/model-server-client.ts'
import { chatV1Body, invokeBody } from '../contract/prompts/fixtures.ts'

const ANSWERS: Record<string, LookupAddress[]> = {
  'metadata-canary.test': [{ address: '::ffff:169.254.169.254', family: 6 }],
  'nat64-canary.test': [{ address: '64:ff9b::a9fe:a9fe', family: 6 }],
  'loopback-canary.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
}

const resolver: Resolver = (hostname, options, callback) => {
  const answer = ANSWERS[hostname]
  if (answer) return queueMicrotask(() => callback(null, answer))
  lookup(hostname, options, callback)
}

const SCOPES = [...SCOPES_18, 'explain_code', 'generate_embeddings_codebase', 'documentation_search']

/** Every route that calls a model endpoint the request names, with the body GitLab sends it. */
const ROUTES: [string, (endpoint: string) => unknown][] = [
  ['/v2/code/completions', (endpoint) => ideCompletion(endpoint)],
  ['/v2/code/generations', (endpoint) => ideGeneration(endpoint)],
  ['/v3/code/completions', (endpoint) => v3Completion(endpoint)],
  ['/v4/code/suggestions', (endpoint) => v3Completion(endpoint, { metadata: modelMetadata(endpoint) })],
  ['/v2/chat/agent', (endpoint) => chatBody(endpoint, undefined, { model_metadata: chatMetadata(endpoint) })],
  ['/v1/chat/explain_code', (endpoint) => chatV1Body(endpoint)],
  ['/v1/prompts/model_configuration%2Fcheck', (endpoint) => invokeBody(endpoint)],
  [
    '/v1/embeddings/code_embeddings',
    (endpoint) => ({
      model_metadata: {
        provider: 'litellm',
        name: 'embedding',
        endpoint,
        api_key: MODEL_KEY,
        identifier: 'custom_openai/nomic',
      },
      contents: ['x'],
    }),
  ],
]

describe('SSRF guard on DNS answers [node]', () => {
  let server: RunningServer
  let model: ModelServer
  let token: string
  let port: string

  beforeAll(async () => {
    const issuer = await newIssuer()
    model = await newModelServer()
    port = new URL(model.url).port
    server = await startServer({
      env: settingsFor(issuer),
      host: '127.0.0.1',
      port: 0,
      logSink: () => {},
      resolver,
    })
    token = await instanceToken(issuer, '18.x', { scopes: SCOPES })
  })
  afterAll(() => server?.close(200))

  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: gitlabHeaders(token),
      body: JSON.stringify(body),
    })
  const endpointAt = (host: string) => `${model.url.replace(`127.0.0.1:${port}`, `${host}:${port}`)}/v1`

  it.each(ROUTES)(
    '%s refuses a host that resolves to ::ffff:169.254.169.254 or NAT64 169.254.169.254, without connecting',
    async (path, body) => {
      for (const host of ['metadata-canary.test', 'nat64-canary.test']) {
        const before = (await model.requests()).length
        const response = await post(path, body(endpointAt(host)))
        const text = await response.text()
        if (path === '/v2/chat/agent') {
          // Duo Chat answers a model failure as an error event (Rails reads it), not a status.
          expect(response.status).toBe(200)
          expect(parseEvents(text)).toEqual([
            {
              type: 'error',
              data: { message: expect.stringMatching(/link-local or cloud metadata/), retryable: false },
            },
          ])
        } else {
          expect(response.status, `${path} ${text}`).toBe(400)
          expect(JSON.parse(text).detail).toMatch(/resolves to a link-local or cloud metadata address/)
        }
        expect((await model.requests()).length).toBe(before)
      }
    },
  )

  it('lets a host that resolves to mapped loopback reach the model server (the canary)', async () => {
    await model.script(answers('canary reached'))
    const response = await post('/v2/code/completions', ideCompletion(endpointAt('loopback-canary.test')))
    expect(response.status).toBe(200)
    expect(JSON.stringify(await response.json())).toContain('canary reached')
    expect((await model.requests()).at(-1)?.headers.host).toBe(`loopback-canary.test:${port}`)
  })
})
