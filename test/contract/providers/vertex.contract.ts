/**
 * Vertex AI against the fake model server, which plays both Google's token endpoint (`/token`)
 * and Vertex (`/v1/projects/...`): the service-account JWT-bearer grant and its cache, setup
 * errors that name the setting and never the key, Gemini's generateContent wire format, and
 * Claude on Vertex (through the gateway's own `anthropicWire`).
 */
import { decodeProtectedHeader, exportJWK, importJWK, importPKCS8, jwtVerify } from 'jose'
import { describe, expect, inject, it } from 'vitest'
import { anthropicWire } from '../../../src/providers/anthropic.ts'
import {
  ModelStreamError,
  ProviderSetupError,
  type ModelCall,
  type ModelEvent,
} from '../../../src/model-call/types.ts'
import { createServiceAccountTokenSource } from '../../../src/providers/vertex-token.ts'
import { createVertexFormat } from '../../../src/providers/vertex.ts'
import { bodyOf, newModelServer, type ModelServer, type Received, type Step } from '../model-server-client.ts'
import { SSE_HEADERS, sseChunks } from '../wire/sse.ts'
import { GEMINI_SSE_HEADERS, geminiResponse, geminiSseChunks, googleError } from '../wire/vertex.ts'
import { LIMITS, requestOf, sendUpstream, type ProviderTarget, type TestCall } from './target.ts'
import { readAll } from './streams.ts'

const SETTING = 'AIGW_GOOGLE_CLOUD_PLATFORM__SERVICE_ACCOUNT_JSON_KEY'
const CLIENT_EMAIL = 'aigw@my-project.iam.gserviceaccount.com'
const MODEL_PATH = '/v1/projects/my-project/locations/us-central1'
const MINUTE = 60_000

function serviceAccountJson(server: ModelServer, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'my-project',
    private_key_id: 'key-id-1',
    private_key: inject('gatewayKeys').signing,
    client_email: CLIENT_EMAIL,
    client_id: '1234567890',
    token_uri: `${server.url}/token`,
    ...overrides,
  })
}

function tokenStep(accessToken: string, expiresIn = 3600): Step {
  const body = JSON.stringify({ access_token: accessToken, expires_in: expiresIn, token_type: 'Bearer' })
  return { match: '/token', times: 1, chunks: [{ text: body }] }
}

function tokenErrorStep(status: number, body: unknown): Step {
  return { match: '/token', times: 1, status, chunks: [{ text: JSON.stringify(body) }] }
}

function vertexCall(server: ModelServer, model: string, request: Partial<TestCall> = {}): ModelCall {
  return {
    stream: false,
    messages: [{ role: 'user', content: 'Hello' }],
    ...request,
    target: {
      format: 'vertex',
      provider: 'vertex_ai',
      upstreamModel: model,
      endpoint: `${server.url}${MODEL_PATH}`,
      requestSuppliedEndpoint: false,
    },
  }
}

async function tokenRequests(server: ModelServer): Promise<Received[]> {
  return (await server.requests()).filter((received) => received.path.startsWith('/token'))
}

async function modelRequests(server: ModelServer): Promise<Received[]> {
  return (await server.requests()).filter((received) => received.path.startsWith('/v1/'))
}

/** The public half of the service account's key, as Google holds it. */
async function serviceAccountPublicKey(): Promise<CryptoKey> {
  const privateKey = await importPKCS8(inject('gatewayKeys').signing, 'RS256', { extractable: true })
  const { n, e } = await exportJWK(privateKey)
  return (await importJWK({ kty: 'RSA', n, e }, 'RS256')) as CryptoKey
}

export function vertexContract(target: ProviderTarget) {
  const fetch = target.fetch

  describe(`Vertex AI access tokens [${target.runtime}]`, () => {
    it('grants a token with an RS256 assertion the service account key verifies, and sends it as the bearer', async () => {
      const server = await newModelServer()
      await server.script(tokenStep('ya29.first'), {
        match: '/v1/',
        chunks: [{ text: JSON.stringify(geminiResponse({ texts: ['ok'] })) }],
      })
      const clock = Date.now()
      const tokens = createServiceAccountTokenSource({
        serviceAccountJson: serviceAccountJson(server),
        fetch,
        now: () => clock,
      })
      const format = createVertexFormat({ tokens, anthropic: anthropicWire })

      const call = vertexCall(server, 'gemini-2.5-flash')
      const response = await sendUpstream(fetch, requestOf(format, call))
      expect(format.parse(await response.json(), call)).toEqual({ text: 'ok' })

      const [grant, ...more] = await tokenRequests(server)
      expect(more).toEqual([])
      expect(grant?.method).toBe('POST')
      expect(grant?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/)
      const form = new URLSearchParams(grant?.body)
      expect([...form.keys()].sort()).toEqual(['assertion', 'grant_type'])
      expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer')
      const assertion = form.get('assertion') ?? ''
      expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', kid: 'key-id-1' })
      const { payload } = await jwtVerify(assertion, await serviceAccountPublicKey(), {
        algorithms: ['RS256'],
        issuer: CLIENT_EMAIL,
        subject: CLIENT_EMAIL,
        audience: `${server.url}/token`,
        currentDate: new Date(clock),
      })
      const issuedAt = Math.floor(clock / 1000)
      expect(payload).toMatchObject({
        scope: 'https://www.googleapis.com/auth/cloud-platform',
        iat: issuedAt,
        exp: issuedAt + 3600,
      })

      const [modelRequest] = await modelRequests(server)
      expect(modelRequest?.headers.authorization).toBe('Bearer ya29.first')
    })

    it('reuses the token within its lifetime, and concurrent first calls share one grant', async () => {
      const server = await newModelServer()
      await server.script({ ...tokenStep('ya29.first'), delayMs: 300 }, tokenStep('ya29.second'))
      let clock = Date.now()
      const tokens = createServiceAccountTokenSource({
        serviceAccountJson: serviceAccountJson(server),
        fetch,
        now: () => clock,
      })

      expect(await Promise.all([tokens.token(), tokens.token(), tokens.token()])).toEqual([
        'ya29.first',
        'ya29.first',
        'ya29.first',
      ])
      clock += 30 * MINUTE
      expect(await tokens.token()).toBe('ya29.first')
      clock += 24 * MINUTE // 6 minutes left
      expect(await tokens.token()).toBe('ya29.first')
      expect(await tokenRequests(server)).toHaveLength(1)
    })

    it('refreshes a token 5 minutes before it expires, or at half its lifetime when that is shorter', async () => {
      const server = await newModelServer()
      await server.script(
        tokenStep('ya29.first', 3600),
        tokenStep('ya29.second', 400),
        tokenStep('ya29.third'),
      )
      let clock = Date.now()
      const tokens = createServiceAccountTokenSource({
        serviceAccountJson: serviceAccountJson(server),
        fetch,
        now: () => clock,
      })

      expect(await tokens.token()).toBe('ya29.first')
      clock += 55 * MINUTE + 1000
      expect(await tokens.token()).toBe('ya29.second') // lives 400 s: refreshed 200 s before it expires
      clock += 199_000
      expect(await tokens.token()).toBe('ya29.second')
      clock += 2000
      expect(await tokens.token()).toBe('ya29.third')
      expect(await tokenRequests(server)).toHaveLength(3)
    })

    it('does not cache a failed grant, and a failed refresh keeps a token that is still valid', async () => {
      const server = await newModelServer()
      const unavailable = tokenErrorStep(503, { error: 'temporarily_unavailable' })
      await server.script(
        unavailable,
        tokenStep('ya29.first'),
        unavailable,
        tokenStep('ya29.second'),
        unavailable,
      )
      let clock = Date.now()
      const tokens = createServiceAccountTokenSource({
        serviceAccountJson: serviceAccountJson(server),
        fetch,
        now: () => clock,
      })

      await expect(tokens.token()).rejects.toThrow(/503/)
      expect(await tokens.token()).toBe('ya29.first')
      clock += 56 * MINUTE // in the refresh window: the refresh fails, the held token is still good
      expect(await tokens.token()).toBe('ya29.first')
      clock += MINUTE
      expect(await tokens.token()).toBe('ya29.second')
      clock += 61 * MINUTE // expired, and the refresh fails
      await expect(tokens.token()).rejects.toThrow(/503/)
      expect(await tokenRequests(server)).toHaveLength(5)
    })

    it("reports the token endpoint's error with its status and Google's description, never the assertion", async () => {
      const server = await newModelServer()
      await server.script(
        tokenErrorStep(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }),
      )
      const tokens = createServiceAccountTokenSource({
        serviceAccountJson: serviceAccountJson(server),
        fetch,
      })
      const format = createVertexFormat({ tokens, anthropic: anthropicWire })

      const error = (await requestOf(format, vertexCall(server, 'gemini-2.5-flash')).catch(
        (e: unknown) => e,
      )) as Error
      expect(error).toBeInstanceOf(Error)
      expect(error).not.toBeInstanceOf(ProviderSetupError)
      expect(error.message).toContain('400')
      expect(error.message).toContain('invalid_grant')
      expect(error.message).toContain('Invalid JWT Signature.')
      const assertion = new URLSearchParams((await server.onlyRequest()).body).get('assertion') ?? ''
      expect(assertion.length).toBeGreaterThan(100)
      for (const segment of assertion.split('.')) expect(error.message).not.toContain(segment)
    })

    it('rethrows a network failure as the fetch reported it', async () => {
      const unreachable = 'http://127.0.0.1:9/token'
      const expected = (await fetch(unreachable, { method: 'POST' }).catch((e: unknown) => e)) as Error
      expect(expected).toBeInstanceOf(Error)
      const server = await newModelServer()
      const json = serviceAccountJson(server, { token_uri: unreachable })
      const error = (await createServiceAccountTokenSource({ serviceAccountJson: json, fetch })
        .token()
        .catch((e: unknown) => e)) as Error
      expect(error).not.toBeInstanceOf(ProviderSetupError)
      expect(error.constructor).toBe(expected.constructor)
      expect(error.message).toBe(expected.message)
    })
  })

  describe(`Vertex AI setup errors [${target.runtime}]`, () => {
    const key = () => inject('gatewayKeys').signing
    const keyBody = () =>
      key()
        .split('\n')
        .filter((line) => line.length > 8 && !line.startsWith('-----'))
    const cases: [string, (server: ModelServer) => string | undefined, RegExp][] = [
      ['no setting', () => undefined, /not set/],
      ['an empty setting', () => '', /not set/],
      [
        'broken JSON',
        () => `{"type": "service_account", "private_key": ${JSON.stringify(key()).slice(0, 300)}`,
        /not valid JSON/,
      ],
      ['JSON that is not an object', () => JSON.stringify([key()]), /not a JSON object/],
      [
        'another type of credential',
        (s) => serviceAccountJson(s, { type: 'authorized_user' }),
        /service_account/,
      ],
      ['no client_email', (s) => serviceAccountJson(s, { client_email: undefined }), /client_email/],
      ['no private_key', (s) => serviceAccountJson(s, { private_key: undefined }), /private_key/],
      [
        'a private_key that is not a key',
        (s) =>
          serviceAccountJson(s, {
            private_key:
              '-----BEGIN PRIVATE KEY-----\nTm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0\n-----END PRIVATE KEY-----\n',
          }),
        /private_key.*PKCS#8/,
      ],
      [
        'a PKCS#1 private_key',
        (s) => serviceAccountJson(s, { private_key: inject('gatewayKeys').signingPkcs1 }),
        /private_key.*PKCS#8/,
      ],
    ]
    for (const [name, json, problem] of cases) {
      it(`${name} → ProviderSetupError naming ${SETTING}, with no part of the key, and no upstream call`, async () => {
        const server = await newModelServer()
        await server.script(tokenStep('ya29.never'))
        const tokens = createServiceAccountTokenSource({ serviceAccountJson: json(server), fetch })
        const format = createVertexFormat({ tokens, anthropic: anthropicWire })
        for (const attempt of [requestOf(format, vertexCall(server, 'gemini-2.5-flash')), tokens.token()]) {
          const error = (await attempt.catch((e: unknown) => e)) as Error
          expect(error).toBeInstanceOf(ProviderSetupError)
          expect(error.message).toContain(SETTING)
          expect(error.message).toMatch(problem)
          for (const line of [...keyBody(), 'Tm90IGEga2V5'])
            expect(error.message).not.toContain(line.slice(0, 16))
        }
        expect(await server.requests()).toEqual([])
      })
    }
  })

  describe(`Vertex AI Gemini wire format [${target.runtime}]`, () => {
    async function gemini(server: ModelServer, ...steps: Step[]) {
      await server.script(tokenStep('ya29.gemini'), ...steps)
      const tokens = createServiceAccountTokenSource({
        serviceAccountJson: serviceAccountJson(server),
        fetch,
      })
      return createVertexFormat({ tokens, anthropic: anthropicWire })
    }

    it('streams from :streamGenerateContent?alt=sse: one text event per part, then finish and usage', async () => {
      const server = await newModelServer()
      const format = await gemini(server, {
        match: '/v1/',
        headers: GEMINI_SSE_HEADERS,
        chunks: geminiSseChunks([
          geminiResponse({ texts: ['Hel', 'lo'], usage: { prompt: 12, candidates: 2 } }),
          geminiResponse({ texts: ['', ' world'], usage: { prompt: 12, candidates: 3 } }),
          geminiResponse({ texts: ['!'], finishReason: 'STOP', usage: { prompt: 12, candidates: 4 } }),
        ]),
      })
      const call = vertexCall(server, 'gemini-2.5-flash', {
        stream: true,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Say hello' },
          { role: 'assistant', content: 'Hi' },
          { role: 'user', content: 'Louder' },
        ],
        maxTokens: 64,
        temperature: 0.2,
        stop: ['\n\n'],
        extraBody: { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] },
      })
      const response = await sendUpstream(fetch, requestOf(format, call))
      expect(response.status).toBe(200)
      expect(await readAll(format.events(response.body!, call, LIMITS))).toEqual([
        { type: 'text', text: 'Hel' },
        { type: 'text', text: 'lo' },
        { type: 'text', text: ' world' },
        { type: 'text', text: '!' },
        { type: 'finish', reason: 'stop' },
        { type: 'usage', usage: { inputTokens: 12, outputTokens: 4 } },
      ])

      const [received, ...more] = await modelRequests(server)
      expect(more).toEqual([])
      expect(received?.method).toBe('POST')
      expect(received?.path).toBe(
        `${MODEL_PATH}/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
      )
      expect(received?.headers.authorization).toBe('Bearer ya29.gemini')
      expect(received?.headers['content-type']).toBe('application/json')
      expect(bodyOf(received!)).toEqual({
        contents: [
          { role: 'user', parts: [{ text: 'Say hello' }] },
          { role: 'model', parts: [{ text: 'Hi' }] },
          { role: 'user', parts: [{ text: 'Louder' }] },
        ],
        systemInstruction: { parts: [{ text: 'You are terse.' }] },
        generationConfig: { maxOutputTokens: 64, temperature: 0.2, stopSequences: ['\n\n'] },
        safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      })
    })

    it('does not buffer: the first events arrive while the upstream is still sending', async () => {
      const server = await newModelServer()
      const format = await gemini(server, {
        match: '/v1/',
        headers: GEMINI_SSE_HEADERS,
        chunks: geminiSseChunks([
          geminiResponse({ texts: ['first'] }),
          geminiResponse({ texts: ['second'] }),
        ]),
        hang: true,
      })
      const call = vertexCall(server, 'gemini-2.5-flash', { stream: true })
      const response = await sendUpstream(fetch, requestOf(format, call))
      const reader = format.events(response.body!, call, LIMITS).getReader()
      expect(await reader.read()).toEqual({ done: false, value: { type: 'text', text: 'first' } })
      expect(await reader.read()).toEqual({ done: false, value: { type: 'text', text: 'second' } })
      await reader.cancel()
      const closed = await server.waitForEarlyClose()
      expect(closed.path).toContain(':streamGenerateContent')
    })

    it('cancelling before the first byte arrives closes the upstream connection', async () => {
      const server = await newModelServer()
      const format = await gemini(server, { match: '/v1/', headers: GEMINI_SSE_HEADERS, hang: true })
      const call = vertexCall(server, 'gemini-2.5-flash', { stream: true })
      const response = await sendUpstream(fetch, requestOf(format, call))
      await format.events(response.body!, call, LIMITS).cancel()
      const closed = await server.waitForEarlyClose()
      expect(closed.path).toContain(':streamGenerateContent')
    })

    it('ends the stream with ModelStreamError on an error payload, after the text before it', async () => {
      const server = await newModelServer()
      const format = await gemini(server, {
        match: '/v1/',
        headers: GEMINI_SSE_HEADERS,
        chunks: geminiSseChunks([
          geminiResponse({ texts: ['partial'] }),
          googleError(500, 'INTERNAL', 'Internal error encountered.'),
        ]),
      })
      const call = vertexCall(server, 'gemini-2.5-flash', { stream: true })
      const response = await sendUpstream(fetch, requestOf(format, call))
      const reader = format.events(response.body!, call, LIMITS).getReader()
      expect(await reader.read()).toEqual({ done: false, value: { type: 'text', text: 'partial' } })
      const error = (await reader.read().catch((e: unknown) => e)) as Error
      expect(error).toBeInstanceOf(ModelStreamError)
      expect(error.message).toContain('Internal error encountered.')
    })

    it('parses a :generateContent answer; a prompt without messages is one user turn', async () => {
      const server = await newModelServer()
      const answer = geminiResponse({
        texts: ['def add(a, b):', '\n    return a + b'],
        finishReason: 'MAX_TOKENS',
        usage: { prompt: 7, candidates: 9 },
      })
      const format = await gemini(server, { match: '/v1/', chunks: [{ text: JSON.stringify(answer) }] })
      const call = vertexCall(server, 'gemini-2.5-flash', {
        messages: [{ role: 'user', content: 'def add(' }],
      })
      const response = await sendUpstream(fetch, requestOf(format, call))
      expect(format.parse(await response.json(), call)).toEqual({
        text: 'def add(a, b):\n    return a + b',
        finishReason: 'length',
        usage: { inputTokens: 7, outputTokens: 9 },
      })
      const received = (await modelRequests(server))[0]!
      expect(received.path).toBe(`${MODEL_PATH}/publishers/google/models/gemini-2.5-flash:generateContent`)
      expect(bodyOf(received)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'def add(' }] }] })
    })

    it("maps Gemini's finish reasons, a blocked prompt, and Google's error body", async () => {
      const format = createVertexFormat({ tokens: { token: async () => 'unused' }, anthropic: anthropicWire })
      const call = vertexCall(await newModelServer(), 'gemini-2.5-flash')
      const reasons = {
        STOP: 'stop',
        MAX_TOKENS: 'length',
        SAFETY: 'content_filter',
        RECITATION: 'content_filter',
        BLOCKLIST: 'content_filter',
        PROHIBITED_CONTENT: 'content_filter',
        SPII: 'content_filter',
        MALFORMED_FUNCTION_CALL: 'other',
        OTHER: 'other',
      }
      for (const [finishReason, expected] of Object.entries(reasons)) {
        expect(format.parse(geminiResponse({ texts: ['x'], finishReason }), call).finishReason).toBe(expected)
      }
      expect(format.parse({ promptFeedback: { blockReason: 'SAFETY' } }, call)).toEqual({
        text: '',
        finishReason: 'content_filter',
      })
      expect(format.errorMessage(googleError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.'))).toBe(
        'Quota exceeded.',
      )
      expect(format.errorMessage([googleError(404, 'NOT_FOUND', 'Model not found.')])).toBe(
        'Model not found.',
      )
      expect(format.errorMessage({ unexpected: true })).toBeUndefined()
    })
  })

  describe(`Claude on Vertex AI [${target.runtime}]`, () => {
    const claude = 'claude-sonnet-4-5@20250929'

    async function claudeFormat(server: ModelServer, ...steps: Step[]) {
      await server.script(tokenStep('ya29.claude'), ...steps)
      const tokens = createServiceAccountTokenSource({
        serviceAccountJson: serviceAccountJson(server),
        fetch,
      })
      return createVertexFormat({ tokens, anthropic: anthropicWire })
    }

    it('posts the Messages body without model, with anthropic_version, to :rawPredict; the answer is Anthropic JSON', async () => {
      const server = await newModelServer()
      const answer = {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        content: [{ type: 'text', text: 'Hi there' }],
        stop_reason: 'end_turn',
      }
      const format = await claudeFormat(server, { match: '/v1/', chunks: [{ text: JSON.stringify(answer) }] })
      const call = vertexCall(server, claude, { maxTokens: 100 })
      const response = await sendUpstream(fetch, requestOf(format, call))
      expect(format.parse(await response.json(), call)).toEqual({ text: 'Hi there', finishReason: 'stop' })

      const received = (await modelRequests(server))[0]!
      expect(received.path).toBe(`${MODEL_PATH}/publishers/anthropic/models/${claude}:rawPredict`)
      expect(received.headers.authorization).toBe('Bearer ya29.claude')
      expect(bodyOf(received)).toEqual({
        anthropic_version: 'vertex-2023-10-16',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Hello' }],
      })
    })

    it("streams from :streamRawPredict through the Anthropic wire's events", async () => {
      const server = await newModelServer()
      const stream = `: ping\n\n${sseChunks([
        {
          event: 'message_start',
          data: { type: 'message_start', message: { id: 'msg_1', content: [], usage: { input_tokens: 9 } } },
        },
        {
          event: 'content_block_delta',
          data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
        },
        {
          event: 'content_block_delta',
          data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } },
        },
        {
          event: 'message_delta',
          data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } },
        },
        { event: 'message_stop', data: { type: 'message_stop' } },
      ])
        .map((chunk) => chunk.text)
        .join('')}`
      // A comment first, and a field split across chunks.
      const pieces = [stream.slice(0, 10), stream.slice(10, 20), stream.slice(20)]
      const format = await claudeFormat(server, {
        match: '/v1/',
        headers: SSE_HEADERS,
        chunks: pieces.map((text) => ({ text, delayMs: 20 })),
      })
      const call = vertexCall(server, claude, { stream: true })
      const response = await sendUpstream(fetch, requestOf(format, call))
      expect(await readAll(format.events(response.body!, call, LIMITS))).toEqual([
        { type: 'text', text: 'Hi' },
        { type: 'text', text: ' there' },
        { type: 'finish', reason: 'stop' },
        { type: 'usage', usage: { inputTokens: 9, outputTokens: 2 } },
      ])
      const received = (await modelRequests(server))[0]!
      expect(received.path).toBe(`${MODEL_PATH}/publishers/anthropic/models/${claude}:streamRawPredict`)
      expect(bodyOf(received)).toMatchObject({ anthropic_version: 'vertex-2023-10-16', stream: true })
      expect(bodyOf(received)).not.toHaveProperty('model')
    })
  })
}
