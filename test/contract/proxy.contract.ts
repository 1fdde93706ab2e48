/**
 * `/v1/proxy/{anthropic,openai,vertex-ai}/*` (spec platform §5): GitLab's check order and
 * messages, header filtering both ways, upstream errors relayed, streams passed through as they
 * arrive, a client hang-up closing the upstream call, timeouts, mid-stream failures ending in the
 * provider's own error event, mock mode, and no key in any body or log line.
 */
import { describe, expect, inject, it } from 'vitest'
import { customersDotToken, gitlabHeaders, INSTANCE_ID, instanceToken, settingsFor } from './gitlab.ts'
import { gatewayFactory, json } from './harness.ts'
import { newIssuer, type Tenant } from './issuer-client.ts'
import { bodyOf, newModelServer, type ModelServer } from './model-server-client.ts'
import { jsonLogs, type Gateway, type Target } from './target.ts'
import { sseChunks, sseFrame, SSE_HEADERS } from './wire/sse.ts'

const OPENAI_KEY = 'sk-openai-SECRET-1f2e3d'
const ANTHROPIC_KEY = 'sk-ant-SECRET-9a8b7c'
const CHAT = '/v1/proxy/openai/v1/chat/completions'
const MESSAGES = '/v1/proxy/anthropic/v1/messages'
const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-5',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
})
const messagesBody = (extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
})

const openAiChunk = (content: string) => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: { content } }],
})

export function proxyContract(target: Target) {
  describe(`/v1/proxy [${target.runtime}]`, () => {
    const start = gatewayFactory(target)

    async function setUp(settings: Record<string, string> = {}) {
      const [issuer, server] = [await newIssuer(), await newModelServer()]
      const gateway = await start(
        settingsFor(issuer, {
          OPENAI_BASE_URL: `${server.url}/v1`,
          OPENAI_API_KEY: OPENAI_KEY,
          ANTHROPIC_BASE_URL: server.url,
          ANTHROPIC_API_KEY: ANTHROPIC_KEY,
          ...settings,
        }),
      )
      const token = await instanceToken(issuer, '18.x')
      return { issuer, server, gateway, token }
    }

    function post(
      gateway: Gateway,
      token: string,
      path: string,
      body: unknown,
      headers: Record<string, string | undefined> = {},
    ) {
      return gateway.fetch(path, {
        method: 'POST',
        headers: gitlabHeaders(token, { 'X-Gitlab-Unit-Primitive': 'duo_chat', ...headers }),
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
    }

    function expectNoSecrets(gateway: Gateway, ...texts: string[]) {
      for (const text of [gateway.logs().join('\n'), ...texts]) {
        expect(text).not.toContain(OPENAI_KEY)
        expect(text).not.toContain(ANTHROPIC_KEY)
        expect(text).not.toContain('SECRET')
      }
    }

    it('forwards an OpenAI chat completion: the body as sent, only allowed headers, the gateway key', async () => {
      const { server, gateway, token } = await setUp()
      await server.script({
        headers: { 'x-upstream-secret': 'internal', 'set-cookie': 'a=b', 'openai-organization': 'org-1' },
        chunks: [{ text: '{"id":"chatcmpl-1","choices":[{"message":{"content":"hello"}}]}' }],
      })
      const raw = '{"model":"gpt-5",  "messages":[{"role":"user","content":"hi"}]}'
      const response = await post(gateway, token, CHAT, raw, {
        'User-Agent': 'gitlab-rails/18.2',
        Accept: 'application/json',
      })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({
        id: 'chatcmpl-1',
        choices: [{ message: { content: 'hello' } }],
      })
      expect(response.headers.get('content-type')).toBe('application/json')
      for (const name of ['x-upstream-secret', 'set-cookie', 'openai-organization'])
        expect(response.headers.get(name)).toBeNull()
      expect(response.headers.get('x-request-id')).toBe('01K184J6BDSHFTA3TXBQ5FTH6F')

      const received = await server.onlyRequest()
      expect(received.method).toBe('POST')
      expect(received.path).toBe('/v1/chat/completions')
      expect(received.body).toBe(raw)
      expect(received.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`)
      expect(received.headers['user-agent']).toBe('gitlab-rails/18.2')
      expect(received.headers.accept).toBe('application/json')
      expect(
        Object.keys(received.headers).filter((h) => h.startsWith('x-gitlab') || h === 'x-request-id'),
      ).toEqual([])
      expectNoSecrets(gateway, JSON.stringify(await json(await post(gateway, token, CHAT, 'not json'))))
      const access = jsonLogs(gateway).find((l) => l.logger === 'api.access' && l.status_code === 200)
      expect(access).toMatchObject({
        'meta.unit_primitive': 'duo_chat',
        upstream_host: new URL(server.url).host,
      })
      expect(access?.upstream_duration_s).toEqual(expect.any(Number))
    })

    it('is in the OpenAPI document', async () => {
      const { gateway } = await setUp()
      const document = (await json(await gateway.fetch('/openapi.json'))) as {
        paths: Record<string, { post?: { parameters?: { name: string }[] } }>
      }
      for (const name of ['anthropic', 'openai', 'vertex-ai']) {
        expect(document.paths[`/v1/proxy/${name}/{path}`]?.post?.parameters?.[0]?.name).toBe('path')
      }
    })

    it('streams SSE through as it arrives, and a client hang-up closes the upstream call', async () => {
      const { server, gateway, token } = await setUp()
      await server.script({
        headers: SSE_HEADERS,
        chunks: sseChunks([{ data: openAiChunk('Hel') }, { data: openAiChunk('lo') }]),
        hang: true,
      })
      const response = await post(gateway, token, CHAT, chatBody({ stream: true }))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
      expect(response.headers.get('content-length')).toBeNull()
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
      let received = ''
      // The upstream never finishes: everything read here was forwarded before the end of the stream.
      while (!received.includes('"lo"')) received += (await reader.read()).value ?? ''
      expect(received).toBe(sseFrame({ data: openAiChunk('Hel') }) + sseFrame({ data: openAiChunk('lo') }))
      await reader.cancel()
      const closed = await server.waitForEarlyClose()
      expect(closed.closedAfterMs).toBeLessThan(5000)
    })

    it("never hands the gateway's own key to the client when an upstream echoes it: error bodies, 200 bodies, streamed events", async () => {
      const { server, gateway, token } = await setUp()
      const echo = (key: string) => `Incorrect API key provided: Bearer ${key}. Also as JSON: "${key}"`
      await server.script(
        {
          times: 1,
          match: '/v1/chat/completions',
          status: 401,
          chunks: [
            { text: JSON.stringify({ error: { message: echo(OPENAI_KEY), type: 'invalid_request_error' } }) },
          ],
        },
        {
          times: 1,
          match: '/v1/messages',
          status: 400,
          chunks: [
            {
              text: JSON.stringify({
                type: 'error',
                error: { type: 'invalid_request_error', message: `x-api-key ${ANTHROPIC_KEY} is invalid` },
              }),
            },
          ],
        },
        {
          times: 1,
          match: '/v1/chat/completions',
          chunks: [
            {
              text: JSON.stringify({
                id: 'c',
                debug: { headers: { authorization: `Bearer ${OPENAI_KEY}` } },
              }),
            },
          ],
        },
        {
          times: 1,
          match: '/v1/chat/completions',
          headers: SSE_HEADERS,
          chunks: [
            { text: sseFrame({ data: openAiChunk('Hel') }) },
            // The key split across chunks, as a real network splits it.
            { text: `data: {"error":{"message":"bad key Bearer ${OPENAI_KEY.slice(0, 9)}` },
            { text: `${OPENAI_KEY.slice(9)} rejected"}}\n\n` },
            { text: sseFrame({ data: openAiChunk('lo') }) },
            { text: 'data: [DONE]\n\n' },
          ],
        },
      )
      const refused = await post(gateway, token, CHAT, chatBody())
      expect(refused.status).toBe(401)
      const refusedBody = await refused.text()
      expect(JSON.parse(refusedBody)).toEqual({
        error: {
          message: 'Incorrect API key provided: Bearer [redacted]. Also as JSON: "[redacted]"',
          type: 'invalid_request_error',
        },
      })
      const anthropic = await post(gateway, token, MESSAGES, messagesBody())
      const anthropicBody = await anthropic.text()
      expect(JSON.parse(anthropicBody).error.message).toBe('x-api-key [redacted] is invalid')
      const odd = await (await post(gateway, token, CHAT, chatBody())).text()
      expect(JSON.parse(odd)).toEqual({ id: 'c', debug: { headers: { authorization: 'Bearer [redacted]' } } })
      const streamed = await (await post(gateway, token, CHAT, chatBody({ stream: true }))).text()
      expect(streamed).toBe(
        sseFrame({ data: openAiChunk('Hel') }) +
          'data: {"error":{"message":"bad key Bearer [redacted] rejected"}}\n\n' +
          sseFrame({ data: openAiChunk('lo') }) +
          'data: [DONE]\n\n',
      )
      expectNoSecrets(gateway, refusedBody, anthropicBody, odd, streamed)
    })

    it('passes through a stream whose chunk ends like the start of the key but is not the key, byte for byte', async () => {
      const { server, gateway, token } = await setUp()
      const lookalike = OPENAI_KEY.slice(0, 12)
      const chunks = [
        `data: {"note":"${lookalike}`,
        `-not-the-key"}\n\n`,
        `data: {"tail":"${lookalike}`,
        '"}\n\n',
      ]
      await server.script({ headers: SSE_HEADERS, chunks: chunks.map((text) => ({ text })) })
      const response = await post(gateway, token, CHAT, chatBody({ stream: true }))
      expect(await response.text()).toBe(chunks.join(''))
    })

    it("ends a stream that sends bytes but nothing else after AIGW_UPSTREAM__STREAM_TIMEOUT_S, with the provider's error event", async () => {
      const { server, gateway, token } = await setUp({ AIGW_UPSTREAM__STREAM_TIMEOUT_S: '0.6' })
      await server.script({
        headers: SSE_HEADERS,
        chunks: Array.from({ length: 100 }, () => ({ text: ': still here\n\n', delayMs: 100 })),
      })
      const response = await post(gateway, token, CHAT, chatBody({ stream: true }))
      const body = await response.text()
      expect(body).toMatch(
        /data: \{"error":\{"message":"The answer from the model server at 127\.0\.0\.1:\d+ took longer than 0\.6 s \(AIGW_UPSTREAM__STREAM_TIMEOUT_S\)","type":"server_error","param":null,"code":null\}\}\n\n$/,
      )
      expect((await server.waitForEarlyClose()).closedEarly).toBe(true)
    })

    it('forwards the Anthropic paths GitLab uses, with x-api-key and the anthropic headers both ways', async () => {
      const { server, gateway, token } = await setUp()
      await server.script({
        headers: { 'anthropic-beta': 'tools-2024', 'request-id': 'req_1' },
        chunks: [{ text: '{"type":"message"}' }],
      })
      for (const path of ['/v1/messages', '/v1/messages?beta=true', '/v1/messages/count_tokens?beta=true']) {
        const response = await post(gateway, token, `/v1/proxy/anthropic${path}`, messagesBody(), {
          'anthropic-version': '2023-06-01',
          'anthropic-beta': 'tools-2024',
          Authorization: `Bearer ${token}`,
        })
        expect(response.status, path).toBe(200)
        expect(response.headers.get('anthropic-beta')).toBe('tools-2024')
        expect(response.headers.get('request-id')).toBeNull()
      }
      const received = await server.requests()
      expect(received.map((r) => r.path)).toEqual([
        '/v1/messages',
        '/v1/messages?beta=true',
        '/v1/messages/count_tokens?beta=true',
      ])
      for (const request of received) {
        expect(request.headers['x-api-key']).toBe(ANTHROPIC_KEY)
        expect(request.headers['anthropic-version']).toBe('2023-06-01')
        expect(request.headers.authorization).toBeUndefined()
      }
      for (const path of ['/v1/messages/count_tokens', '/v1/messages?beta=true&x=1', '/v1/complete', '']) {
        const response = await post(gateway, token, `/v1/proxy/anthropic${path}`, messagesBody())
        expect(response.status, path).toBe(404)
        expect(await response.json()).toEqual({ detail: 'Not found' })
      }
      for (const path of ['/v2/chat/completions', '/v1/chat/completions?stream=1', '/v1/files']) {
        expect((await post(gateway, token, `/v1/proxy/openai${path}`, chatBody())).status, path).toBe(404)
      }
    })

    it("checks in GitLab's order, with GitLab's messages", async () => {
      const { server, gateway, token } = await setUp()
      await server.script({ chunks: [{ text: '{}' }] })
      const cases: [Record<string, string | undefined>, unknown, number, string][] = [
        [{ 'X-Gitlab-Unit-Primitive': undefined }, chatBody(), 400, 'Missing x-gitlab-unit-primitive header'],
        [
          { 'X-Gitlab-Unit-Primitive': 'make_coffee' },
          chatBody(),
          400,
          'Unknown unit primitive header make_coffee',
        ],
        [
          { 'X-Gitlab-Unit-Primitive': 'explain_vulnerability' },
          chatBody(),
          403,
          'Unauthorized to access explain_vulnerability',
        ],
        [
          { 'X-Gitlab-Unit-Primitive': 'complete_code' },
          chatBody(),
          400,
          'This endpoint cannot be used for complete_code purpose',
        ],
        [{}, 'not json', 400, 'Invalid JSON'],
        [{}, { messages: [] }, 400, 'Failed to extract model name'],
        [{}, chatBody({ model: 'gpt-3.5-turbo' }), 400, 'Unsupported model'],
      ]
      for (const [headers, body, status, detail] of cases) {
        const response = await post(gateway, token, CHAT, body, headers)
        expect([response.status, await response.json()], detail).toEqual([status, { detail }])
      }
      // The path is checked before the body.
      expect((await post(gateway, token, '/v1/proxy/openai/v1/nope', 'not json')).status).toBe(404)
      expect(await server.requests()).toEqual([])

      const anonymous = await gateway.fetch(CHAT, { method: 'POST', body: JSON.stringify(chatBody()) })
      expect(anonymous.status).toBe(401)
      const get = await gateway.fetch(CHAT, { headers: gitlabHeaders(token) })
      expect(get.status).toBe(405)
      expect(get.headers.get('allow')).toBe('POST')
    })

    it('answers 402 unless the instance is on AIGW_PROXY_ENDPOINTS__SELF_MANAGED_ENABLED, before any other check', async () => {
      const [issuer, customersDot, server] = [await newIssuer(), await newIssuer(), await newModelServer()]
      await server.script({ chunks: [{ text: '{}' }] })
      const settings = {
        AIGW_CUSTOMER_PORTAL_URL: customersDot.url,
        OPENAI_BASE_URL: `${server.url}/v1`,
        OPENAI_API_KEY: OPENAI_KEY,
      }
      const token = await customersDotToken(customersDot)
      const closed = await start(
        settingsFor(issuer, { ...settings, AIGW_PROXY_ENDPOINTS__SELF_MANAGED_ENABLED: 'uid-a, uid-b' }),
      )
      const denied = await post(closed, token, CHAT, chatBody(), { 'X-Gitlab-Unit-Primitive': undefined })
      expect([denied.status, await denied.json()]).toEqual([
        402,
        { detail: 'Proxy endpoints are not enabled for this instance' },
      ])
      const open = await start(
        settingsFor(issuer, {
          ...settings,
          AIGW_PROXY_ENDPOINTS__SELF_MANAGED_ENABLED: `uid-a, ${INSTANCE_ID}`,
        }),
      )
      expect((await post(open, token, CHAT, chatBody())).status).toBe(200)
    })

    it('compares the request ids with the token claims (403)', async () => {
      const [issuer, customersDot] = [await newIssuer(), await newIssuer()]
      const gateway = await start(
        settingsFor(issuer, { AIGW_CUSTOMER_PORTAL_URL: customersDot.url, OPENAI_API_KEY: OPENAI_KEY }),
      )
      const wrongUid = await customersDotToken(customersDot, { gitlab_instance_uid: 'someone-else' })
      const response = await post(gateway, wrongUid, CHAT, chatBody())
      expect([response.status, await response.json()]).toEqual([
        403,
        { detail: 'Gitlab instance uid mismatch' },
      ])

      const saasClaims = {
        gitlab_realm: 'saas',
        gitlab_project_id: '5',
        gitlab_namespace_id: '7',
        gitlab_root_namespace_id: '9',
      }
      const saas = await instanceToken(issuer, '18.x', saasClaims)
      const ids = {
        'x-gitlab-realm': 'saas',
        'X-Gitlab-Project-Id': '5',
        'X-Gitlab-Namespace-Id': '7',
        'x-gitlab-root-namespace-id': '9',
      }
      for (const [header, message] of [
        ['X-Gitlab-Project-Id', 'Gitlab project id mismatch'],
        ['X-Gitlab-Namespace-Id', 'Gitlab namespace id mismatch'],
        ['x-gitlab-root-namespace-id', 'Gitlab root namespace id mismatch'],
      ] as const) {
        const mismatch = await post(gateway, saas, CHAT, chatBody(), { ...ids, [header]: '1' })
        expect([mismatch.status, await mismatch.json()]).toEqual([403, { detail: message }])
      }
    })

    it('relays upstream errors with their status and JSON body (text wrapped as {"message"})', async () => {
      const { server, gateway, token } = await setUp()
      const limited = { error: { message: 'Rate limit reached', type: 'requests' } }
      await server.script(
        {
          times: 1,
          status: 429,
          headers: { 'retry-after': '7' },
          chunks: [{ text: JSON.stringify(limited) }],
        },
        {
          times: 1,
          status: 500,
          headers: { 'content-type': 'text/plain' },
          chunks: [{ text: 'upstream exploded' }],
        },
      )
      const first = await post(gateway, token, CHAT, chatBody())
      expect([first.status, await first.json()]).toEqual([429, limited])
      expect(first.headers.get('retry-after')).toBe('7')
      const second = await post(gateway, token, CHAT, chatBody())
      expect([second.status, await second.json()]).toEqual([500, { message: 'upstream exploded' }])
    })

    it("answers GitLab's errors when a provider key is not configured", async () => {
      const server = await newModelServer()
      const issuer = await newIssuer()
      const token = await instanceToken(issuer, '18.x')
      const unset = await start(settingsFor(issuer, { OPENAI_BASE_URL: `${server.url}/v1` }))
      const noKey = await post(unset, token, CHAT, chatBody())
      expect([noKey.status, await noKey.json()]).toEqual([500, { detail: 'API key not found' }])
      const empty = await start(
        settingsFor(issuer, { OPENAI_BASE_URL: `${server.url}/v1`, OPENAI_API_KEY: '' }),
      )
      const emptyKey = await post(empty, token, CHAT, chatBody())
      expect([emptyKey.status, await emptyKey.json()]).toEqual([
        500,
        { detail: 'Server configuration error: API key not set' },
      ])
      const anthropic = await post(unset, token, MESSAGES, messagesBody())
      expect([anthropic.status, await anthropic.json()]).toEqual([400, { detail: 'API key not found' }])
      expect(await server.requests()).toEqual([])
    })

    it('answers a clear 502 naming the host when the provider cannot be reached', async () => {
      const refusing = new URL(inject('refusingUrl'))
      const { gateway, token } = await setUp({ OPENAI_BASE_URL: `${refusing.origin}/v1` })
      const response = await post(gateway, token, CHAT, chatBody({ stream: true }))
      expect(response.status).toBe(502)
      const { detail } = (await response.json()) as { detail: string }
      expect(detail).toBe(
        target.runtime === 'node'
          ? `The model server at ${refusing.host} refused the connection`
          : `Could not connect to the model server at ${refusing.host}`,
      )
      expect(
        jsonLogs(gateway).some(
          (l) => l.message === 'Proxy request failed' && l.upstream_host === refusing.host,
        ),
      ).toBe(true)
      expectNoSecrets(gateway, detail)
    })

    it('gives up on a non-streaming call after AIGW_UPSTREAM__TIMEOUT_S, closing the upstream call', async () => {
      const { server, gateway, token } = await setUp({ AIGW_UPSTREAM__TIMEOUT_S: '0.3' })
      await server.script({ delayMs: 10_000 })
      const response = await post(gateway, token, CHAT, chatBody())
      expect([response.status, await response.json()]).toEqual([
        504,
        { detail: `The model server at ${new URL(server.url).host} did not answer within 0.3 s` },
      ])
      await server.waitForEarlyClose()
    })

    it('ends a stream that goes quiet for AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S with an error event', async () => {
      const { server, gateway, token } = await setUp({ AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S: '0.3' })
      await server.script({
        headers: SSE_HEADERS,
        chunks: sseChunks([{ data: openAiChunk('partial') }]),
        hang: true,
      })
      const response = await post(gateway, token, CHAT, chatBody({ stream: true }))
      expect(response.status).toBe(200)
      const text = await response.text()
      const host = new URL(server.url).host
      expect(text).toBe(
        sseFrame({ data: openAiChunk('partial') }) +
          sseFrame({
            data: {
              error: {
                message: `The model server at ${host} sent nothing for 0.3 s`,
                type: 'server_error',
                param: null,
                code: null,
              },
            },
          }),
      )
      await server.waitForEarlyClose()
      expect(
        jsonLogs(gateway).some(
          (l) => l.message === 'Proxy stream broke off' && l.upstream_failure === 'idle',
        ),
      ).toBe(true)
    })

    it('does not take a slow client for a quiet upstream', async () => {
      const { server, gateway, token } = await setUp({ AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S: '0.3' })
      const frames = Array.from({ length: 8 }, (_, i) => ({ data: openAiChunk(`w${i}`) }))
      await server.script({ headers: SSE_HEADERS, chunks: sseChunks(frames, 50) })
      const response = await post(gateway, token, CHAT, chatBody({ stream: true }))
      await new Promise((resolve) => setTimeout(resolve, 1000)) // the client reads nothing for 1 s
      expect(await response.text()).toBe(frames.map(sseFrame).join(''))
    })

    it("ends an Anthropic stream whose upstream connection breaks with Anthropic's error event", async () => {
      const { server, gateway, token } = await setUp()
      const started = { type: 'message_start', message: { id: 'msg_1', usage: { input_tokens: 3 } } }
      await server.script({
        headers: SSE_HEADERS,
        chunks: sseChunks([{ event: 'message_start', data: started }], 20),
        destroy: true,
      })
      const response = await post(gateway, token, MESSAGES, messagesBody({ stream: true }), {
        'anthropic-version': '2023-06-01',
      })
      const text = await response.text()
      expect(text.startsWith(sseFrame({ event: 'message_start', data: started }))).toBe(true)
      const last = text.slice(sseFrame({ event: 'message_start', data: started }).length)
      expect(last).toMatch(
        /^event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":".+"\}\}\n\n$/,
      )
      expect(
        jsonLogs(gateway).some((l) => l.message === 'Proxy stream broke off' && l.provider === 'anthropic'),
      ).toBe(true)
      expectNoSecrets(gateway, text)
    })

    it('answers 413 for a body over AIGW_FASTAPI__MAX_REQUEST_BODY_BYTES, without calling the provider', async () => {
      const { server, gateway, token } = await setUp({ AIGW_FASTAPI__MAX_REQUEST_BODY_BYTES: '2048' })
      const response = await post(
        gateway,
        token,
        CHAT,
        chatBody({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
      )
      expect([response.status, await response.json()]).toEqual([
        413,
        { detail: 'Request body is larger than 2048 bytes' },
      ])
      expect(await server.requests()).toEqual([])
    })

    it('answers {"response":"mocked"} in mock mode, after every check, without calling the provider', async () => {
      const { server, gateway, token } = await setUp({
        AIGW_MOCK_MODEL_RESPONSES: 'true',
        OPENAI_API_KEY: '',
      })
      const response = await post(gateway, token, CHAT, chatBody({ stream: true }))
      expect([response.status, await response.json()]).toEqual([200, { response: 'mocked' }])
      expect((await post(gateway, token, CHAT, chatBody({ model: 'gpt-2' }))).status).toBe(400)
      expect(
        (await post(gateway, token, CHAT, chatBody(), { 'X-Gitlab-Unit-Primitive': undefined })).status,
      ).toBe(400)
      expect(await server.requests()).toEqual([])
    })

    describe('Vertex AI', () => {
      const PATH =
        '/v1/projects/client-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent'

      async function vertexSetUp(server: ModelServer, issuer: Tenant, extra: Record<string, string> = {}) {
        const serviceAccount = {
          type: 'service_account',
          client_email: 'aigw@project.iam.gserviceaccount.com',
          private_key: inject('gatewayKeys').signing,
          private_key_id: 'k1',
          token_uri: `${server.url}/token`,
        }
        return start(
          settingsFor(issuer, {
            AIGW_VERTEX_TEXT_MODEL__ENDPOINT: server.url,
            AIGW_VERTEX_TEXT_MODEL__PROJECT: 'gateway-project',
            AIGW_VERTEX_TEXT_MODEL__LOCATION: 'us-east5',
            AIGW_GOOGLE_CLOUD_PLATFORM__SERVICE_ACCOUNT_JSON_KEY: JSON.stringify(serviceAccount),
            ...extra,
          }),
        )
      }

      it("replaces the client's project and location, keeps ?alt=sse only, and sends a Google access token", async () => {
        const [issuer, server] = [await newIssuer(), await newModelServer()]
        await server.script(
          {
            match: '/token',
            chunks: [
              {
                text: JSON.stringify({ access_token: 'ya29.proxy', expires_in: 3600, token_type: 'Bearer' }),
              },
            ],
          },
          {
            match: '/v1/',
            headers: SSE_HEADERS,
            chunks: sseChunks([{ data: { candidates: [{ content: { parts: [{ text: 'hi' }] } }] } }]),
          },
        )
        const gateway = await vertexSetUp(server, issuer)
        const token = await instanceToken(issuer, '18.x')
        const body = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }
        for (const query of ['?alt=sse', '?alt=unknown', '']) {
          const response = await post(gateway, token, `/v1/proxy/vertex-ai${PATH}${query}`, body)
          expect(response.status).toBe(200)
          expect(await response.text()).toContain('"hi"')
        }
        const model = (await server.requests()).filter((r) => r.path.startsWith('/v1/'))
        const upstreamPath =
          '/v1/projects/gateway-project/locations/us-east5/publishers/google/models/gemini-2.5-flash:streamGenerateContent'
        expect(model.map((r) => r.path)).toEqual([`${upstreamPath}?alt=sse`, upstreamPath, upstreamPath])
        expect(model.every((r) => r.headers.authorization === 'Bearer ya29.proxy')).toBe(true)
        expect(bodyOf(model[0]!)).toEqual(body)
        expect((await server.requests()).filter((r) => r.path === '/token')).toHaveLength(1)
      })

      it('refuses unknown publishers, actions and models, and says which setting is missing', async () => {
        const [issuer, server] = [await newIssuer(), await newModelServer()]
        const token = await instanceToken(issuer, '18.x')
        const gateway = await vertexSetUp(server, issuer)
        const body = { contents: [] }
        expect(
          (await post(gateway, token, `/v1/proxy/vertex-ai${PATH.replace('google', 'meta')}`, body)).status,
        ).toBe(404)
        expect(
          (
            await post(
              gateway,
              token,
              `/v1/proxy/vertex-ai${PATH.replace('streamGenerateContent', 'countTokens')}`,
              body,
            )
          ).status,
        ).toBe(404)
        const unknownModel = await post(
          gateway,
          token,
          `/v1/proxy/vertex-ai${PATH.replace('gemini-2.5-flash', 'gemini-9')}`,
          body,
        )
        expect([unknownModel.status, await unknownModel.json()]).toEqual([
          400,
          { detail: 'Unsupported model' },
        ])
        const noKey = await start(settingsFor(issuer, { AIGW_VERTEX_TEXT_MODEL__ENDPOINT: server.url }))
        const missing = await post(noKey, token, `/v1/proxy/vertex-ai${PATH}`, body)
        expect(missing.status).toBe(500)
        expect(((await missing.json()) as { detail: string }).detail).toContain(
          'AIGW_GOOGLE_CLOUD_PLATFORM__SERVICE_ACCOUNT_JSON_KEY',
        )
        expect(await server.requests()).toEqual([])
      })
    })
  })
}
