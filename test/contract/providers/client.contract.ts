/**
 * The model layer as feature routes use it: model metadata resolved to a target (spec features
 * §4.4), then the model client's policies against the fake model server: SSRF guard, timeouts,
 * retries, error mapping, abort propagation, mock mode, and no key in errors or logs.
 */
import { describe, expect, inject, it } from 'vitest'
import { parseConfig } from '../../../src/config.ts'
import { HttpError } from '../../../src/errors.ts'
import { createLogger } from '../../../src/logging.ts'
import { MOCK_TEXT } from '../../../src/providers/mock.ts'
import { createModelLayer } from '../../../src/providers/registry.ts'
import { resolveTarget, type ModelMetadata } from '../../../src/models/target.ts'
import type { ModelCall, ModelEvent } from '../../../src/model-call/types.ts'
import { UpstreamError } from '../../../src/model-call/upstream-error.ts'
import { bodyOf, newModelServer, type ModelServer } from '../model-server-client.ts'
import { sseChunks, SSE_HEADERS } from '../wire/sse.ts'
import type { ProviderTarget } from './target.ts'
import { readAll } from './streams.ts'

const SECRET_KEY = 'sk-request-SECRET-5e4d'
const chunk = (content: string) => ({ choices: [{ index: 0, delta: { content } }] })
const answer = (content: string) =>
  JSON.stringify({
    choices: [{ message: { content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 1 },
  })

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the call to fail')
}

export function modelClientContract(target: ProviderTarget) {
  function layer(settings: Record<string, string> = {}) {
    const lines: string[] = []
    const config = parseConfig({ AIGW_CUSTOMER_PORTAL_URL: '', ...settings })
    const logger = createLogger({ level: 'debug', json: true, sink: (line) => lines.push(line) })
    const models = createModelLayer(config, target, logger, Date.now)
    const call = (metadata: ModelMetadata, request: Partial<ModelCall> = {}): ModelCall => ({
      messages: [{ role: 'user', content: 'def hello(' }],
      ...request,
      target: resolveTarget(metadata, config.providers),
    })
    return { client: models.client, call, config, lines }
  }

  const vllm = (server: ModelServer, extra: Partial<ModelMetadata> = {}): ModelMetadata => ({
    name: 'codestral',
    endpoint: `${server.url}/v1/`,
    identifier: 'custom_openai/mistralai/Codestral-22B-v0.1',
    ...extra,
  })

  describe(`model identifiers [${target.runtime}]`, () => {
    const { config } = layer({
      OPENAI_API_KEY: 'sk-operator',
      OPENAI_BASE_URL: 'https://openai.example/v1',
      AWS_REGION_NAME: 'eu-west-3',
      AIGW_GOOGLE_CLOUD_PLATFORM__PROJECT: 'gl-project',
      VERTEXAI_LOCATION: 'us-east5',
    })
    const resolve = (metadata: ModelMetadata) => resolveTarget(metadata, config.providers)

    it("splits provider/model at the first '/', drops one trailing '/', and sends dummy_key without a key", () => {
      expect(
        resolve({
          name: 'codestral',
          endpoint: 'http://vllm:8000/v1/',
          identifier: 'custom_openai/mistralai/Codestral-22B-v0.1',
        }),
      ).toEqual({
        format: 'openai-chat',
        provider: 'custom_openai',
        upstreamModel: 'mistralai/Codestral-22B-v0.1',
        endpoint: 'http://vllm:8000/v1',
        apiKey: 'dummy_key',
        requestSuppliedEndpoint: true,
      })
      expect(
        resolve({ name: 'mistral', endpoint: 'http://vllm:8000/v1', identifier: 'Mistral-7B', apiKey: 'k' }),
      ).toMatchObject({ provider: 'custom_openai', upstreamModel: 'Mistral-7B', apiKey: 'k' })
      // No identifier at all (early 17.x): the family name on an OpenAI-compatible server.
      expect(resolve({ name: 'mistral', endpoint: 'http://vllm:8000/v1', identifier: '' })).toMatchObject({
        provider: 'custom_openai',
        upstreamModel: 'mistral',
      })
      expect(
        resolve({
          name: 'codegemma',
          endpoint: 'http://tgi/v1',
          identifier: 'text-completion-openai/codegemma-7b',
        }),
      ).toMatchObject({ format: 'openai-text', upstreamModel: 'codegemma-7b' })
      expect(
        resolve({ name: 'llama3', endpoint: 'http://ollama:11434', identifier: 'ollama/llama3' }),
      ).toMatchObject({ format: 'openai-chat', endpoint: 'http://ollama:11434/v1' })
      expect(
        resolve({ name: 'llama3', endpoint: 'http://ollama:11434/v1', identifier: 'ollama_chat/llama3' }),
      ).toMatchObject({ endpoint: 'http://ollama:11434/v1' })
      expect(
        resolve({
          name: 'gpt',
          endpoint: 'https://x.openai.azure.com',
          identifier: 'azure/gpt-4o',
          apiKey: 'az',
        }),
      ).toMatchObject({ format: 'azure', upstreamModel: 'gpt-4o', apiKey: 'az' })
    })

    it("never sends the operator's key to an endpoint the request named", () => {
      expect(resolve({ name: 'gpt', identifier: 'openai/gpt-4o' })).toMatchObject({
        endpoint: 'https://openai.example/v1',
        apiKey: 'sk-operator',
        requestSuppliedEndpoint: false,
      })
      expect(
        resolve({ name: 'gpt', endpoint: 'http://attacker.example/v1', identifier: 'openai/gpt-4o' }),
      ).toMatchObject({ apiKey: 'dummy_key', requestSuppliedEndpoint: true })
    })

    it('ignores the endpoint for Bedrock and Vertex, which take theirs from the settings', () => {
      expect(
        resolve({
          name: 'claude_3',
          endpoint: 'http://ignored',
          identifier: 'bedrock/us.anthropic.claude-3-5-sonnet-20241022-v2:0',
        }),
      ).toEqual({
        format: 'bedrock',
        provider: 'bedrock',
        upstreamModel: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
        endpoint: 'https://bedrock-runtime.eu-west-3.amazonaws.com',
        requestSuppliedEndpoint: false,
      })
      expect(
        resolve({ name: 'gemini', endpoint: 'http://ignored', identifier: 'vertex_ai/gemini-2.5-flash' }),
      ).toMatchObject({
        format: 'vertex',
        endpoint: 'https://us-east5-aiplatform.googleapis.com/v1/projects/gl-project/locations/us-east5',
      })
      expect(resolve({ name: 'general', identifier: 'fireworks_ai/qwen3' })).toMatchObject({
        upstreamModel: 'accounts/fireworks/models/qwen3',
      })
    })

    it('refuses what cannot be called with a 400 that says what to fix', () => {
      const cases: [ModelMetadata, RegExp][] = [
        [
          { name: 'x', endpoint: 'http://h/v1', identifier: 'watsonx/granite' },
          /Unsupported model identifier prefix 'watsonx\/'/,
        ],
        [{ name: 'x', identifier: 'custom_openai/m' }, /A model endpoint is required/],
        [{ name: 'x', endpoint: 'not a url', identifier: 'm' }, /not a valid URL/],
        [{ name: 'x', endpoint: 'ftp://h/v1', identifier: 'm' }, /http\(s\)/],
        [{ name: 'x', endpoint: 'http://user:pw@h/v1', identifier: 'm' }, /must not contain credentials/],
        [{ name: 'x', endpoint: 'http://h/v1', identifier: 'custom_openai/' }, /names no model/],
      ]
      for (const [metadata, message] of cases) {
        let error: unknown
        try {
          resolve(metadata)
        } catch (e) {
          error = e
        }
        expect(error).toBeInstanceOf(HttpError)
        expect((error as HttpError).status).toBe(400)
        expect((error as HttpError).message).toMatch(message)
        expect((error as HttpError).message).not.toContain('pw')
      }
    })
  })

  describe(`model client [${target.runtime}]`, () => {
    it('streams from a self-hosted OpenAI-compatible server named by the request', async () => {
      const server = await newModelServer()
      await server.script({
        headers: SSE_HEADERS,
        chunks: sseChunks([{ data: chunk('world') }, { data: chunk(')') }, { data: '[DONE]' }]),
      })
      const { client, call } = layer()
      const events = await readAll(
        await client.stream(call(vllm(server), { maxTokens: 64, temperature: 0.32 })),
      )
      expect(events).toEqual([
        { type: 'text', text: 'world' },
        { type: 'text', text: ')' },
      ])
      const received = await server.onlyRequest()
      expect(received.path).toBe('/v1/chat/completions')
      expect(received.headers.authorization).toBe('Bearer dummy_key')
      expect(bodyOf(received)).toEqual({
        model: 'mistralai/Codestral-22B-v0.1',
        messages: [{ role: 'user', content: 'def hello(' }],
        max_tokens: 64,
        temperature: 0.32,
        stream: true,
        stream_options: { include_usage: true },
      })
    })

    it('refuses link-local and metadata endpoints without connecting', async () => {
      const { client, call } = layer()
      for (const endpoint of [
        'http://169.254.169.254/v1',
        'http://[fe80::1]:8000/v1',
        'http://metadata.google.internal/v1',
        'http://2852039166/v1',
        'http://[::ffff:169.254.169.254]/v1',
      ]) {
        const error = await failure(client.complete(call({ name: 'mistral', endpoint, identifier: 'm' })))
        expect(error, endpoint).toBeInstanceOf(HttpError)
        expect((error as HttpError).status).toBe(400)
        expect(error.message).toMatch(/link-local or cloud metadata/)
      }
    })

    it('with AIGW_CUSTOM_MODELS__ALLOWED_HOSTS, connects only to the listed hosts', async () => {
      const server = await newModelServer()
      await server.script({ chunks: [{ text: answer('ok') }] })
      const port = new URL(server.url).port
      const { client, call } = layer({
        AIGW_CUSTOM_MODELS__ALLOWED_HOSTS: `vllm.internal, 127.0.0.1:${port}`,
      })
      expect((await client.complete(call(vllm(server)))).text).toBe('ok')
      const other = await failure(client.complete(call(vllm(server, { endpoint: 'http://localhost:1/v1' }))))
      expect((other as HttpError).status).toBe(400)
      expect(other.message).toBe(
        'The model endpoint host localhost:1 is not in AIGW_CUSTOM_MODELS__ALLOWED_HOSTS',
      )
      const wildcard = layer({ AIGW_CUSTOM_MODELS__ALLOWED_HOSTS: '*.internal' })
      expect((await failure(wildcard.client.complete(wildcard.call(vllm(server))))).message).toMatch(
        /not in AIGW_CUSTOM_MODELS__ALLOWED_HOSTS/,
      )
      expect(await server.requests()).toHaveLength(1)
    })

    it('retries a non-streaming call on 5xx and overload, at most as often as asked, and never a stream', async () => {
      const server = await newModelServer()
      await server.script(
        { times: 1, status: 503 },
        { times: 1, status: 529 },
        { chunks: [{ text: answer('third time') }] },
      )
      const { client, call } = layer()
      expect(await client.complete(call(vllm(server)), { retries: 2 })).toEqual({
        text: 'third time',
        finishReason: 'stop',
        usage: { inputTokens: 3, outputTokens: 1 },
      })
      expect(await server.requests()).toHaveLength(3)

      const once = await newModelServer()
      await once.script({ times: 1, status: 500 }, { chunks: [{ text: answer('late') }] })
      const notRetried = await failure(client.stream(call(vllm(once)), { retries: 2 }))
      expect((notRetried as UpstreamError).status).toBe(503)
      expect(await once.requests()).toHaveLength(1)

      const badRequest = await newModelServer()
      await badRequest.script({ status: 400, chunks: [{ text: '{"error":{"message":"bad"}}' }] })
      await failure(client.complete(call(vllm(badRequest)), { retries: 2 }))
      expect(await badRequest.requests()).toHaveLength(1)
    })

    it('maps a 429 to a 429 with Retry-After, and other errors to a 503 naming the host, never the key', async () => {
      const server = await newModelServer()
      await server.script(
        {
          times: 1,
          status: 429,
          headers: { 'retry-after': '12' },
          chunks: [{ text: '{"error":{"message":"slow down"}}' }],
        },
        {
          status: 401,
          chunks: [
            { text: JSON.stringify({ error: { message: `Incorrect API key provided: ${SECRET_KEY}` } }) },
          ],
        },
      )
      const { client, call, lines } = layer()
      const limited = (await failure(
        client.complete(call(vllm(server, { apiKey: SECRET_KEY }))),
      )) as UpstreamError
      expect([limited.status, limited.message, limited.headers['retry-after']]).toEqual([
        429,
        'Too many requests. Please try again later.',
        '12',
      ])
      const refused = (await failure(
        client.complete(call(vllm(server, { apiKey: SECRET_KEY }))),
      )) as UpstreamError
      expect(refused.status).toBe(503)
      // The server's own reason reaches the client too, its credentials blanked out.
      expect(refused.message).toBe(
        `Inference failed: the model server at ${new URL(server.url).host} answered HTTP 401: Incorrect API key provided: [redacted]`,
      )
      const logged = lines.join('\n')
      expect(logged).toContain('Incorrect API key provided: [redacted]')
      expect(logged).not.toContain(SECRET_KEY)
      expect(JSON.stringify(refused.toResponse().headers)).not.toContain(SECRET_KEY)
    })

    it('gives up after the overall timeout and closes the upstream call', async () => {
      const server = await newModelServer()
      await server.script({ delayMs: 10_000 })
      const { client, call } = layer()
      const error = (await failure(client.complete(call(vllm(server)), { timeoutMs: 300 }))) as UpstreamError
      expect([error.status, error.failure]).toEqual([504, 'timeout'])
      expect(error.message).toBe(
        `The model server at ${new URL(server.url).host} did not answer within 0.3 s`,
      )
      await server.waitForEarlyClose()
    })

    it('errors a stream that goes quiet for the idle timeout, after what it delivered, and closes the upstream call', async () => {
      const server = await newModelServer()
      await server.script({ headers: SSE_HEADERS, chunks: sseChunks([{ data: chunk('first') }]), hang: true })
      const { client, call } = layer()
      const reader = (await client.stream(call(vllm(server)), { idleTimeoutMs: 300 })).getReader()
      expect(await reader.read()).toEqual({ done: false, value: { type: 'text', text: 'first' } })
      const error = (await failure(reader.read())) as UpstreamError
      expect([error.failure, error.status]).toEqual(['idle', 504])
      await server.waitForEarlyClose()
    })

    it("passes the client's abort to the upstream call, also mid-stream", async () => {
      const server = await newModelServer()
      await server.script({ headers: SSE_HEADERS, chunks: sseChunks([{ data: chunk('first') }]), hang: true })
      const { client, call } = layer()
      const abort = new AbortController()
      const reader = (await client.stream(call(vllm(server)), { signal: abort.signal })).getReader()
      await reader.read()
      abort.abort()
      const closed = await server.waitForEarlyClose()
      expect(closed.closedAfterMs).toBeLessThan(5000)
      expect((await failure(reader.read())) as UpstreamError).toMatchObject({ failure: 'aborted' })
    })

    it('answers an unreachable model server with a 502 that names the host', async () => {
      const { client, call } = layer()
      const refusing = inject('refusingUrl')
      const error = (await failure(
        client.complete(call({ name: 'mistral', endpoint: `${refusing}/v1`, identifier: 'm' })),
      )) as UpstreamError
      expect(error.status).toBe(502)
      // workerd does not say why a connection failed.
      expect(error.failure).toBe(target.runtime === 'node' ? 'refused' : 'connect')
      expect(error.message).toContain(new URL(refusing).host)
    })

    it('names DNS failures, and on Node TLS failures, without the request path', async () => {
      const { client, call } = layer()
      const dns = (await failure(
        client.complete(
          call({ name: 'mistral', endpoint: 'http://no-such-host.invalid/v1/secret-path', identifier: 'm' }),
        ),
      )) as UpstreamError
      expect(dns.status).toBe(502)
      expect(dns.message).toBe(
        target.runtime === 'node'
          ? 'The model server host no-such-host.invalid could not be resolved'
          : 'Could not connect to the model server at no-such-host.invalid',
      )
      // workerd's vitest pool reports a failed TLS handshake as an uncaught error of its own, so this part is Node's.
      if (target.runtime !== 'node') return
      const tls = (await failure(
        client.complete(
          call({ name: 'mistral', endpoint: `${inject('untrustedModelServerUrl')}/v1`, identifier: 'm' }),
        ),
      )) as UpstreamError
      expect([tls.status, tls.failure]).toEqual([502, 'tls'])
      expect(tls.message).toMatch(/^TLS connection to the model server at 127\.0\.0\.1:\d+ failed: [A-Z_]+$/)
    })

    it('answers 400 naming the setting when a provider has no credentials, without calling anyone', async () => {
      const { client, call } = layer()
      const error = await failure(
        client.complete(call({ name: 'claude_3', identifier: 'bedrock/anthropic.claude-3' })),
      )
      expect([(error as HttpError).status, error.message]).toEqual([
        400,
        expect.stringContaining('AWS_ACCESS_KEY_ID'),
      ])
    })

    it('answers every call in mock mode without a model server', async () => {
      const { client, call } = layer({ AIGW_MOCK_MODEL_RESPONSES: 'true' })
      const metadata = { name: 'mistral', endpoint: 'http://127.0.0.1:9/v1', identifier: 'm' }
      expect((await client.complete(call(metadata))).text).toBe(MOCK_TEXT)
      const events = await readAll(await client.stream(call(metadata)))
      expect(
        events
          .filter((e) => e.type === 'text')
          .map((e) => (e as { text: string }).text)
          .join(''),
      ).toBe(MOCK_TEXT)
      expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(1)
    })
  })
}
