/**
 * `POST /v1/chat/{chat_invokable}` (spec features §5.1; gitlab-client §3.5): the 17.x slash
 * commands and tool prompts on a self-hosted model. One chat completion with GitLab's messages as
 * they are and the route's fixed parameters; raw text when streamed, `{response, metadata}` when
 * not; the unit primitive of each invokable; bodies outside GitLab's limits; upstream failures.
 */
import { describe, expect, it } from 'vitest'
import { gitlabHeaders, instanceToken } from './gitlab.ts'
import { bodyOf } from './model-server-client.ts'
import type { Target } from './target.ts'
import { openAiError } from './wire/openai.ts'
import { MODEL_KEY } from './code/fixtures.ts'
import { answers, codeSetup, expectNoSecrets, messagesOf, streams, text } from './code/harness.ts'
import { chatV1Body, MODEL } from './prompts/fixtures.ts'

const PRIMITIVE_OF: Record<string, string> = {
  agent: 'duo_chat',
  explain_code: 'duo_chat',
  write_tests: 'duo_chat',
  refactor_code: 'duo_chat',
  // Not in GitLab's gateway table, but 17.x Rails sends its /fix slash command here (gitlab-client §3.5).
  fix_code: 'duo_chat',
  explain_vulnerability: 'explain_vulnerability',
  summarize_comments: 'summarize_comments',
  troubleshoot_job: 'troubleshoot_job',
}
const INVOKABLES = Object.keys(PRIMITIVE_OF)
const ALL_PRIMITIVES = [...new Set(Object.values(PRIMITIVE_OF))]

export function chatV1Contract(target: Target) {
  describe(`/v1/chat/{invokable} [${target.runtime}]`, () => {
    const start = codeSetup(target)
    const setUp = (settings: Record<string, string> = {}) =>
      start(settings, '18.x', { scopes: ALL_PRIMITIVES })

    it("sends the slash command's messages as they are, with the route's parameters (mistral's stop token), and answers {response, metadata}", async () => {
      const { server, endpoint, post, gateway } = await setUp()
      await server.script(answers('This method adds up the prices.'))
      const body = chatV1Body(endpoint)
      const before = Math.floor(Date.now() / 1000)
      const response = await post('/v1/chat/explain_code', body)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      const raw = await response.text()
      const answer = JSON.parse(raw) as {
        response: string
        metadata: { provider: string; model: string; timestamp: number }
      }
      expect(answer).toEqual({
        response: 'This method adds up the prices.',
        metadata: { provider: 'litellm', model: 'mistral', timestamp: expect.any(Number) },
      })
      expect(Number.isInteger(answer.metadata.timestamp)).toBe(true)
      expect(answer.metadata.timestamp).toBeGreaterThanOrEqual(before - 1)
      expect(answer.metadata.timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1)

      const received = await server.onlyRequest()
      expect(received.path).toBe('/v1/chat/completions')
      expect(received.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
      const sent = bodyOf(received)
      // The payload's Anthropic `params` play no part: the route's own parameters go up.
      expect(sent).toMatchObject({
        model: MODEL,
        temperature: 0.2,
        top_p: 0.95,
        max_tokens: 2048,
        stop: ['</new_code>'],
        stream: false,
      })
      const payload = (body.prompt_components as { payload: { content: unknown } }[])[0]!.payload
      expect(messagesOf(received)).toEqual(payload.content)
      expectNoSecrets(gateway, raw)
    })

    it('makes a string content one user message, and sends no stop token for families without one', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('Tests written.'))
      const content =
        'Write tests for the code user selected:\n<selected_code>def add(a, b) = a + b</selected_code>'
      const response = await post(
        '/v1/chat/write_tests',
        chatV1Body(endpoint, {
          content,
          payload: { model: 'llama3', model_identifier: 'custom_openai/meta-llama/Meta-Llama-3-8B-Instruct' },
        }),
      )
      expect(response.status).toBe(200)
      expect(((await response.json()) as { metadata: { model: string } }).metadata.model).toBe('llama3')
      const received = await server.onlyRequest()
      expect(messagesOf(received)).toEqual([{ role: 'user', content }])
      const sent = bodyOf(received)
      expect(sent).toMatchObject({
        model: 'meta-llama/Meta-Llama-3-8B-Instruct',
        temperature: 0.2,
        top_p: 0.95,
        max_tokens: 2048,
      })
      expect(sent.stop ?? []).toEqual([])
    })

    it('streams raw text when asked', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(streams(['def test_', 'add\n', '  assert add(1, 2) == 3\n']))
      const response = await post('/v1/chat/write_tests', chatV1Body(endpoint, { stream: true }))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(await text(response)).toBe('def test_add\n  assert add(1, 2) == 3\n')
      expect(bodyOf(await server.onlyRequest())).toMatchObject({
        stream: true,
        temperature: 0.2,
        max_tokens: 2048,
      })
    })

    it("serves every invokable of GitLab's table, each behind its unit primitive", async () => {
      const { server, endpoint, issuer, gateway } = await setUp()
      await server.script(answers('ok'))
      const as = async (scopes: string[], invokable: string) => {
        const token = await instanceToken(issuer, '18.x', { scopes })
        return gateway.fetch(`/v1/chat/${invokable}`, {
          method: 'POST',
          headers: gitlabHeaders(token),
          body: JSON.stringify(chatV1Body(endpoint)),
        })
      }
      for (const invokable of INVOKABLES) {
        const primitive = PRIMITIVE_OF[invokable]!
        const allowed = await as([primitive], invokable)
        expect(allowed.status, invokable).toBe(200)
        expect(((await allowed.json()) as { response: string }).response).toBe('ok')
        const others = ALL_PRIMITIVES.filter((p) => p !== primitive)
        const denied = await as(others, invokable)
        expect(denied.status, invokable).toBe(403)
        expect(await denied.json()).toEqual({ detail: `Unauthorized to access ${primitive}` })
      }
      expect(await server.requests()).toHaveLength(INVOKABLES.length)
    })

    it('lets a 17.x token (duo_chat) use the chat invokables', async () => {
      const { server, endpoint, issuer, gateway } = await setUp()
      await server.script(answers('ok'))
      const token = await instanceToken(issuer, '17.x')
      for (const invokable of ['agent', 'explain_code', 'refactor_code']) {
        const response = await gateway.fetch(`/v1/chat/${invokable}`, {
          method: 'POST',
          headers: gitlabHeaders(token),
          body: JSON.stringify(chatV1Body(endpoint)),
        })
        expect(response.status, invokable).toBe(200)
      }
    })

    it('answers 404 {"detail": "Not found"} for an invokable GitLab does not have', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('never'))
      for (const invokable of ['no_such_thing', 'constructor', '__proto__']) {
        const response = await post(`/v1/chat/${invokable}`, chatV1Body(endpoint))
        expect(response.status, invokable).toBe(404)
        expect(await response.json()).toEqual({ detail: 'Not found' })
      }
      expect(await server.requests()).toHaveLength(0)
    })

    it("answers 422 for bodies outside GitLab's limits, without calling the model", async () => {
      const { server, endpoint, post, gateway } = await setUp()
      await server.script(answers('never'))
      const one = chatV1Body(endpoint)
      const component = (one.prompt_components as Record<string, unknown>[])[0]!
      const message = { role: 'user', content: 'hi' }
      const bad: [string, unknown][] = [
        ['no components', { prompt_components: [] }],
        ['two components', { prompt_components: [component, component] }],
        ['no payload', { prompt_components: [{ type: 'prompt', metadata: component.metadata }] }],
        ['type too long', chatV1Body(endpoint, { component: { type: 'p'.repeat(101) } })],
        [
          'source too long',
          chatV1Body(endpoint, { component: { metadata: { source: 's'.repeat(101), version: '17.10.0' } } }),
        ],
        ['no metadata version', chatV1Body(endpoint, { component: { metadata: { source: 'GitLab EE' } } })],
        ['content too long', chatV1Body(endpoint, { content: 'x'.repeat(400_001) })],
        ['no messages', chatV1Body(endpoint, { content: [] })],
        ['101 messages', chatV1Body(endpoint, { content: Array.from({ length: 101 }, () => message) })],
        ['unknown role', chatV1Body(endpoint, { content: [{ role: 'tool', content: 'x' }] })],
        ['content not text', chatV1Body(endpoint, { content: 42 })],
        ['unknown family', chatV1Body(endpoint, { payload: { model: 'gpt-9-ultra' } })],
        ['unknown provider', chatV1Body(endpoint, { payload: { provider: 'openai' } })],
        ['not JSON', '{"prompt_components": ['],
      ]
      for (const [why, body] of bad) {
        const response = await post('/v1/chat/explain_code', body)
        expect(response.status, why).toBe(422)
        expect(typeof ((await response.json()) as { detail: unknown }).detail, why).toBe('string')
      }
      // At the limits: accepted.
      expect(
        (await post('/v1/chat/explain_code', chatV1Body(endpoint, { content: 'x'.repeat(400_000) }))).status,
      ).toBe(200)
      expect(
        (
          await post(
            '/v1/chat/explain_code',
            chatV1Body(endpoint, { content: Array.from({ length: 100 }, () => message) }),
          )
        ).status,
      ).toBe(200)
      expect(await server.requests()).toHaveLength(2)
      expectNoSecrets(gateway)
    })

    it('answers 422 saying it serves self-hosted models for the Anthropic provider or none', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('never'))
      for (const payload of [
        {
          provider: 'anthropic',
          model: 'claude-sonnet-4-5-20250929',
          model_endpoint: undefined,
          model_api_key: undefined,
          model_identifier: undefined,
        },
        { provider: undefined },
        { provider: null },
      ]) {
        const response = await post('/v1/chat/agent', chatV1Body(endpoint, { payload }))
        expect(response.status, JSON.stringify(payload)).toBe(422)
        expect(((await response.json()) as { detail: string }).detail).toMatch(/self-hosted/i)
      }
      expect(await server.requests()).toHaveLength(0)
    })

    it('maps a model server error to 503 "Inference failed…" and a 429 to 429 with its Retry-After, never with the key', async () => {
      const { server, endpoint, post, gateway } = await setUp()
      await server.script({
        match: '/v1/chat/completions',
        status: 500,
        chunks: [{ text: JSON.stringify(openAiError(`broken for ${MODEL_KEY}`)) }],
      })
      for (const stream of [false, true]) {
        const failed = await post('/v1/chat/explain_code', chatV1Body(endpoint, { stream }))
        expect(failed.status, `stream ${stream}`).toBe(503)
        const raw = await failed.text()
        expect((JSON.parse(raw) as { detail: string }).detail).toMatch(/^Inference failed/)
        expectNoSecrets(gateway, raw)
      }

      await server.script({
        match: '/v1/chat/completions',
        status: 429,
        headers: { 'retry-after': '7' },
        chunks: [{ text: JSON.stringify(openAiError('slow down')) }],
      })
      const limited = await post('/v1/chat/explain_code', chatV1Body(endpoint))
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('7')
      expect(await limited.json()).toEqual({ detail: 'Too many requests. Please try again later.' })
    })
  })
}
