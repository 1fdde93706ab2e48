/**
 * What an IDE lives with on every code route: scopes and GitLab's 403 messages, upstream failures
 * as clear errors (never a key), retries only where safe, timeouts, streams that are not buffered
 * and that free the model server when the editor hangs up, the settings of the self-hosted mode,
 * and mock mode.
 */
import { describe, expect, inject, it } from 'vitest'
import { gitlabHeaders, instanceToken, TOKEN_PATH } from '../gitlab.ts'
import { bodyOf } from '../model-server-client.ts'
import { within } from '../providers/streams.ts'
import type { Target } from '../target.ts'
import { openAiError } from '../wire/openai.ts'
import { ideCompletion, ideGeneration, MODEL_KEY, v3Completion, v3Generation } from './fixtures.ts'
import { answers, codeSetup, expectNoSecrets, messagesOf, sseEvents, streams, text } from './harness.ts'

export function codeBehaviourContract(target: Target) {
  describe(`code suggestions: scopes, failures, streams, settings [${target.runtime}]`, () => {
    const setUp = codeSetup(target)

    it("checks unit primitives with GitLab's messages; 17.x code_suggestions tokens keep working", async () => {
      const setup = await setUp()
      const { server, endpoint, issuer } = setup
      await server.script(answers('x'))
      const as = async (scopes: string[], path: string, body: unknown) => {
        const token = await instanceToken(issuer, '18.x', { scopes })
        return setup.gateway.fetch(path, {
          method: 'POST',
          headers: gitlabHeaders(token),
          body: JSON.stringify(body),
        })
      }
      const denied: [string[], string, unknown, string][] = [
        [
          ['generate_code'],
          '/v2/code/completions',
          ideCompletion(endpoint),
          'Unauthorized to access code completions',
        ],
        [
          ['complete_code'],
          '/v2/code/generations',
          ideGeneration(endpoint),
          'Unauthorized to access code generations',
        ],
        [
          ['generate_code'],
          '/v3/code/completions',
          v3Completion(endpoint),
          'Unauthorized to access code suggestions',
        ],
        [
          ['complete_code'],
          '/v4/code/suggestions',
          v3Generation(endpoint),
          'Unauthorized to access code suggestions',
        ],
      ]
      for (const [scopes, path, body, detail] of denied) {
        const response = await as(scopes, path, body)
        expect(response.status, path).toBe(403)
        expect(await response.json()).toEqual({ detail })
      }
      const old = await instanceToken(issuer, '17.x')
      for (const [path, body] of [
        ['/v2/code/completions', ideCompletion(endpoint)],
        ['/v2/code/generations', ideGeneration(endpoint)],
        ['/v4/code/suggestions', v3Generation(endpoint)],
      ] as const) {
        const response = await setup.gateway.fetch(path, {
          method: 'POST',
          headers: gitlabHeaders(old),
          body: JSON.stringify(body),
        })
        expect(response.status, path).toBe(200)
      }
      expect(await server.requests()).toHaveLength(3)
    })

    it('lets a gateway-issued (IDE direct access) token complete but not generate', async () => {
      const { server, endpoint, token, gateway } = await setUp()
      await server.script(answers('x'))
      const minted = (await (
        await gateway.fetch(TOKEN_PATH, { method: 'POST', headers: gitlabHeaders(token) })
      ).json()) as { token: string }
      const ide = (path: string, body: unknown) =>
        gateway.fetch(path, {
          method: 'POST',
          headers: gitlabHeaders(minted.token),
          body: JSON.stringify(body),
        })
      expect((await ide('/v2/completions', ideCompletion(endpoint))).status).toBe(200)
      expect((await ide('/v2/code/completions', ideCompletion(endpoint))).status).toBe(200)
      const generation = await ide('/v2/code/generations', ideGeneration(endpoint))
      expect(generation.status).toBe(403)
      expect(await generation.json()).toEqual({ detail: 'Unauthorized to access code generations' })
      // GitLab's v3/v4 refuse the gateway's own tokens for completions too.
      expect((await ide('/v3/code/completions', v3Completion(endpoint))).status).toBe(403)
    })

    it('answers a model server error with 503 {"detail"} naming the host after two retries, and a 429 with its Retry-After', async () => {
      const { server, endpoint, post, gateway } = await setUp()
      const host = new URL(server.url).host
      await server.script({
        match: '/v1/chat/completions',
        status: 500,
        chunks: [{ text: JSON.stringify(openAiError(`broken for ${MODEL_KEY}`)) }],
      })
      const failed = await post('/v2/code/completions', ideCompletion(endpoint))
      expect(failed.status).toBe(503)
      const detail = ((await failed.json()) as { detail: string }).detail
      expect(detail).toBe(
        `Inference failed: the model server at ${host} answered HTTP 500: broken for [redacted]`,
      )
      expect(await server.requests()).toHaveLength(3)

      await server.script({
        match: '/v1/chat/completions',
        status: 429,
        headers: { 'retry-after': '7' },
        chunks: [{ text: JSON.stringify(openAiError('slow down')) }],
      })
      const limited = await post('/v2/code/completions', ideCompletion(endpoint))
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('7')
      expect(await limited.json()).toEqual({ detail: 'Too many requests. Please try again later.' })
      expect(await server.requests()).toHaveLength(4)
      expectNoSecrets(gateway, detail)
    })

    it("blanks every credential a model server echoes before logging its message: the request's key and the operator's", async () => {
      const operatorKey = 'sk-operator-SECRET-3c2b'
      const { server, endpoint, post, gateway } = await setUp((fake) => ({
        OPENAI_API_KEY: operatorKey,
        OPENAI_BASE_URL: `${fake.url}/v1`,
      }))
      const echo = (key: string) => ({
        match: '/v1/chat/completions',
        status: 401,
        chunks: [{ text: JSON.stringify(openAiError(`Incorrect API key provided: ${key}`)) }],
      })
      await server.script({ ...echo(MODEL_KEY), times: 1 }, echo(operatorKey))
      expect((await post('/v2/code/completions', ideCompletion(endpoint))).status).toBe(503)
      // `openai/` without an endpoint: the gateway's own key, at OPENAI_BASE_URL.
      expect(
        (
          await post(
            '/v2/code/completions',
            ideCompletion('', { model_identifier: 'openai/gpt-4o', model_api_key: '' }),
          )
        ).status,
      ).toBe(503)
      expect((await server.requests())[1]?.headers.authorization).toBe(`Bearer ${operatorKey}`)
      const failures = gateway.logs().filter((line) => line.includes('Model call failed'))
      expect(failures).toHaveLength(2)
      for (const line of failures) expect(line).toContain('Incorrect API key provided: [redacted]')
      expect(gateway.logs().join('\n')).not.toContain('SECRET')
    })

    it('retries a non-streaming call that failed once, and never retries a stream', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(
        { match: '/v1/chat/completions', status: 502, times: 1, chunks: [{ text: 'bad gateway' }] },
        answers('ok'),
      )
      const retried = await post('/v2/code/completions', ideCompletion(endpoint))
      expect(((await retried.json()) as { choices: { text: string }[] }).choices[0]?.text).toBe('ok')
      expect(await server.requests()).toHaveLength(2)

      await server.script({ match: '/v1/chat/completions', status: 503, chunks: [{ text: 'overloaded' }] })
      const stream = await post('/v2/code/completions', ideCompletion(endpoint, { stream: true }))
      expect(stream.status).toBe(503)
      expect(await server.requests()).toHaveLength(3)
    })

    it('answers 502 naming the host when the model server cannot be reached, 400 for a link-local endpoint', async () => {
      const { post, gateway } = await setUp()
      const refusing = inject('refusingUrl')
      const response = await post('/v2/code/completions', ideCompletion(`${refusing}/v1`))
      expect(response.status).toBe(502)
      const { detail } = (await response.json()) as { detail: string }
      expect(detail).toContain(new URL(refusing).host)
      expectNoSecrets(gateway, detail)
      const metadata = await post('/v2/code/completions', ideCompletion('http://169.254.169.254/v1'))
      expect(metadata.status).toBe(400)
    })

    it('gives up on a slow model within the timeout (504) and closes the upstream call', async () => {
      const { server, endpoint, post } = await setUp({ AIGW_UPSTREAM__TIMEOUT_S: '0.4' })
      await server.script({ match: '/v1/chat/completions', delayMs: 5000, chunks: [{ text: '{}' }] })
      const started = Date.now()
      const response = await post('/v2/code/completions', ideCompletion(endpoint))
      expect(response.status).toBe(504)
      expect(((await response.json()) as { detail: string }).detail).toMatch(/did not answer within 0\.4 s$/)
      expect(Date.now() - started).toBeLessThan(4000)
      await server.waitForEarlyClose()
    })

    it('forwards the first chunk before the model has finished, and a hang-up closes the upstream request', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(streams(['def ', 'first'], { hang: true }))
      for (const [path, body] of [
        ['/v2/code/completions', ideCompletion(endpoint, { stream: true })],
        ['/v4/code/suggestions', v3Completion(endpoint, { stream: true })],
      ] as const) {
        const response = await post(path, body)
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
        let received = ''
        // The model never finishes: what arrives here was forwarded while it was still generating.
        while (!received.includes('first')) {
          const next = await within(reader.read(), 5000)
          if (next === 'still waiting' || next.done)
            throw new Error(`${path}: the stream was buffered (${JSON.stringify(received)})`)
          received += next.value
        }
        await reader.cancel()
      }
      await server.waitForEarlyClose()
      const closed = (await server.requests()).filter((r) => r.closedEarly)
      await expect
        .poll(async () => (await server.requests()).filter((r) => r.closedEarly).length, { timeout: 5000 })
        .toBe(2)
      expect(closed.length).toBeGreaterThanOrEqual(1)
    })

    it('breaks the connection when the model fails mid-stream (no stream_end), after what was already said', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script({
        ...streams(['def ']),
        chunks: streams(['def ']).chunks.slice(0, 2),
        destroy: true,
      })
      const response = await post('/v4/code/suggestions', v3Completion(endpoint, { stream: true }))
      expect(response.status).toBe(200)
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
      let received = ''
      let broken = false
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          received += value
        }
      } catch {
        broken = true
      }
      expect(broken).toBe(true)
      expect(received).toContain('event: content_chunk')
      expect(received).not.toContain('stream_end')
    })

    it('ends a stream that goes quiet for the idle timeout by breaking the connection', async () => {
      const { server, endpoint, post } = await setUp({ AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S: '0.3' })
      await server.script(streams(['def '], { hang: true }))
      const response = await post('/v2/code/completions', ideCompletion(endpoint, { stream: true }))
      await expect(text(response)).rejects.toThrow()
      await server.waitForEarlyClose()
    })

    it('refuses request-named endpoints and keys with AIGW_CUSTOM_MODELS__ENABLED=false', async () => {
      const { server, endpoint, post } = await setUp({ AIGW_CUSTOM_MODELS__ENABLED: 'false' })
      const response = await post('/v2/code/completions', ideCompletion(endpoint))
      expect(response.status).toBe(403)
      expect(((await response.json()) as { detail: string }).detail).toMatch(/AIGW_CUSTOM_MODELS__ENABLED/)
      expect(await server.requests()).toEqual([])
    })

    it('adds AIGW_CUSTOM_MODELS__EXTRA_HEADERS to model calls, and streams as one chunk with AIGW_CUSTOM_MODELS__DISABLE_STREAMING', async () => {
      const { server, endpoint, post } = await setUp({
        AIGW_CUSTOM_MODELS__EXTRA_HEADERS:
          '{"X-Trace-Id": "gitlab-42", "Authorization": "Bearer must-not-win"}',
        AIGW_CUSTOM_MODELS__DISABLE_STREAMING: 'true',
      })
      await server.script(answers('return 1'))
      const events = sseEvents(
        await text(await post('/v4/code/suggestions', v3Completion(endpoint, { stream: true }))),
      )
      expect(events.map((e) => e.event)).toEqual(['stream_start', 'content_chunk', 'stream_end'])
      const received = await server.onlyRequest()
      expect(received.headers['x-trace-id']).toBe('gitlab-42')
      expect(received.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
      expect(bodyOf(received).stream).toBe(false)
    })

    it('answers all four routes in mock mode without a model server', async () => {
      const { post } = await setUp({ AIGW_MOCK_MODEL_RESPONSES: 'true' })
      const endpoint = 'http://no-model-server.invalid/v1'
      for (const [path, body] of [
        ['/v2/code/completions', ideCompletion(endpoint)],
        ['/v2/code/generations', ideGeneration(endpoint)],
        ['/v3/code/completions', v3Completion(endpoint)],
      ] as const) {
        const response = await post(path, body)
        expect(response.status, path).toBe(200)
        expect(JSON.stringify(await response.json())).toContain('mocked response')
      }
      const events = sseEvents(
        await text(await post('/v4/code/suggestions', v3Generation(endpoint, { stream: true }))),
      )
      expect(events.map((e) => e.event).at(-1)).toBe('stream_end')
      expect(JSON.stringify(events)).toContain('mocked response')
    })

    it('answers what the fuzz suite found: a key a header cannot carry, a provider the operator has not set up, odd IDE context', async () => {
      const { server, endpoint, post, gateway } = await setUp()
      await server.script(answers('x = 1'))
      const key = await post(
        '/v2/code/completions',
        ideCompletion(endpoint, { model_api_key: 'sk-\u0000-SECRET-key' }),
      )
      expect(key.status).toBe(400)
      expect(await key.json()).toEqual({
        detail: 'The model API key may only contain printable ASCII characters',
      })
      const vertex = await post(
        '/v2/code/completions',
        ideCompletion(endpoint, { model_identifier: 'vertex_ai/gemini-2.5-flash', model_name: 'gemini' }),
      )
      // The request names a provider this gateway is not set up for: the caller's 4xx, naming the setting; 5xx is for our faults.
      expect(vertex.status).toBe(400)
      expect(await vertex.json()).toEqual({
        detail: 'Vertex AI models need AIGW_GOOGLE_CLOUD_PLATFORM__PROJECT to be set',
      })
      const odd = v3Generation(endpoint) as { prompt_components: { payload: Record<string, unknown> }[] }
      odd.prompt_components[0]!.payload.prompt_enhancer = {
        examples_array: [null, 7, { example: 'a', trigger_type: [null] }, { response: 'no example' }],
        libraries: [{ toString: 1 }, 'requests', [[[['deep']]]]],
        related_files: 'not a list',
      }
      expect((await post('/v3/code/completions', odd)).status).toBe(200)
      const user = messagesOf(await server.onlyRequest()).at(-1)!.content
      expect(user).toContain('requests')
      expect(user).not.toContain('deep')
      expect(user).not.toContain('no example')
      expect(gateway.logs().filter((line) => line.includes('Unhandled error'))).toEqual([])
      expectNoSecrets(gateway)
    })

    it('rejects bad v2 bodies with 422 and a detail that says what to fix', async () => {
      const { endpoint, post, server } = await setUp()
      const detail = async (body: unknown, path = '/v2/code/completions') => {
        const response = await post(path, body)
        expect(response.status).toBe(422)
        return ((await response.json()) as { detail: string }).detail
      }
      expect(await detail('{"prompt_version": 2,')).toBe('Validation error')
      expect(await detail({ ...ideCompletion(endpoint), prompt_version: undefined })).toBe('Validation error')
      expect(await detail(ideCompletion(endpoint, { model_provider: 'openai' }))).toBe('Validation error')
      expect(await detail(ideCompletion(endpoint, { model_name: 'starcoder' }))).toMatch(
        /^model starcoder is not supported by use case code completions and provider litellm/,
      )
      expect(await detail(ideCompletion(endpoint, { model_provider: 'vertex-ai' }))).toMatch(
        /GitLab-managed model/,
      )
      expect(await detail(ideCompletion(endpoint, { model_provider: undefined }))).toMatch(
        /^No self-hosted model in the request/,
      )
      expect(await detail(ideGeneration(endpoint, { prompt: null }), '/v2/code/generations')).toBe(
        'Validation error',
      )
      // With the instance's verbose-logs header (custom models on), the detail lists the problems.
      const verbose = await post(
        '/v2/code/completions',
        { ...ideCompletion(endpoint), current_file: { file_name: 'a.py' } },
        { 'x-gitlab-enabled-instance-verbose-ai-logs': 'true' },
      )
      expect(((await verbose.json()) as { detail: string }).detail).toContain(
        'body.current_file.content_above_cursor',
      )
      expect(await server.requests()).toEqual([])
    })
  })
}
