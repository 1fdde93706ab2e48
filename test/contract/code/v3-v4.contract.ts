/**
 * `/v3/code/completions` and `/v4/code/suggestions` (spec features §2.3, §2.4): prompt components,
 * the top-level `model_metadata`, the v3 envelope, raw text streams and v4's SSE byte stream.
 */
import { describe, expect, it } from 'vitest'
import { bodyOf } from '../model-server-client.ts'
import type { Target } from '../target.ts'
import { MODEL_KEY, modelMetadata, v3Completion, v3Generation } from './fixtures.ts'
import { answers, codeSetup, messagesOf, sseEvents, streams, text } from './harness.ts'

export function codeV3V4Contract(target: Target) {
  describe(`/v3 and /v4 code suggestions [${target.runtime}]`, () => {
    const setUp = codeSetup(target)

    for (const path of ['/v3/code/completions', '/v4/code/suggestions']) {
      it(`${path}: completes with the model of model_metadata; model twice in the envelope, region null`, async () => {
        const { server, endpoint, post } = await setUp()
        await server.script(answers('return sum(items)'))
        const response = await post(path, v3Completion(endpoint), {
          'X-Gitlab-Enabled-Feature-Flags': 'flag_a',
        })
        expect(response.status).toBe(200)
        const model = { engine: 'openai', name: 'codestral', lang: 'python' }
        expect(await response.json()).toEqual({
          choices: [{ text: 'return sum(items)', index: 0, finish_reason: 'length' }],
          metadata: { model, timestamp: expect.any(Number), enabled_feature_flags: ['flag_a'], region: null },
          model,
        })
        const received = await server.onlyRequest()
        expect(received.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
        expect(bodyOf(received)).toMatchObject({
          model: 'Codestral-22B-v0.1',
          max_tokens: 64,
          temperature: 0.32,
        })
      })

      it(`${path}: generates (agent engine, the prompt's display name) with the IDE's prompt enhancer`, async () => {
        const { server, endpoint, post } = await setUp()
        await server.script(answers('def total(items):\n    return sum(i.price for i in items)'))
        const response = await post(path, v3Generation(endpoint))
        expect(response.status).toBe(200)
        const body = (await response.json()) as Record<string, unknown>
        const model = { engine: 'agent', name: 'Mistral 7B Code Generations', lang: 'python' }
        expect(body).toMatchObject({ model, metadata: { model } })
        // '^1.0.0' is one of GitLab's "anthropic" versions: only whitespace-only answers are blanked, the text is kept.
        expect(body.choices).toEqual([
          {
            text: 'def total(items):\n    return sum(i.price for i in items)',
            index: 0,
            finish_reason: 'length',
          },
        ])
        const user = messagesOf(await server.onlyRequest()).at(-1)!.content
        for (const part of [
          'sum the prices of the items',
          'add two numbers',
          'requests',
          'class Item:',
          '\nprint(total([]))\n',
        ])
          expect(user).toContain(part)
      })
    }

    it('/v3: streams raw text', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(streams(['return ', 'sum(items)']))
      const response = await post('/v3/code/completions', v3Completion(endpoint, { stream: true }))
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(await text(response)).toBe('return sum(items)')
    })

    it('/v4: streams server-sent events byte for byte: stream_start, a content_chunk per chunk, stream_end', async () => {
      const { server, endpoint, post } = await setUp({ RUNWAY_REGION: 'us-east1' })
      await server.script(streams(['def hello', '():\n', '    return "héllo ✓"']))
      const response = await post('/v4/code/suggestions', v3Completion(endpoint, { stream: true }), {
        'X-Gitlab-Enabled-Feature-Flags': 'flag_a',
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(response.headers.get('x-streaming-format')).toBe('sse')
      expect(response.headers.get('cache-control')).toBe('no-store')
      const body = await text(response)
      const timestamp = /"timestamp": (\d+)/.exec(body)?.[1]
      expect(body).toBe(
        'event: stream_start\r\n' +
          `data: {"metadata": {"model": {"engine": "agent", "name": "Codestral 22B Code Completions"}, "timestamp": ${timestamp}, "enabled_feature_flags": ["flag_a"], "region": "us-east1"}}\r\n\r\n` +
          'event: content_chunk\r\ndata: {"choices": [{"delta": {"content": "def hello"}, "index": 0}]}\r\n\r\n' +
          'event: content_chunk\r\ndata: {"choices": [{"delta": {"content": "():\\n"}, "index": 0}]}\r\n\r\n' +
          'event: content_chunk\r\ndata: {"choices": [{"delta": {"content": "    return \\"h\\u00e9llo \\u2713\\""}, "index": 0}]}\r\n\r\n' +
          'event: stream_end\r\ndata: null\r\n\r\n',
      )
      expect(sseEvents(body).map((e) => e.event)).toEqual([
        'stream_start',
        'content_chunk',
        'content_chunk',
        'content_chunk',
        'stream_end',
      ])
    })

    it('/v4: a streamed generation arrives in whole lines, fences stripped, named after the prompt', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(streams(['```python\ndef to', 'tal(items):\n    return sum(items)\n```']))
      const events = sseEvents(
        await text(await post('/v4/code/suggestions', v3Generation(endpoint, { stream: true }))),
      )
      expect(events[0]).toMatchObject({
        event: 'stream_start',
        data: { metadata: { model: { engine: 'agent', name: 'Mistral 7B Code Generations' } } },
      })
      const chunks = events
        .filter((e) => e.event === 'content_chunk')
        .map((e) => (e.data as { choices: { delta: { content: string } }[] }).choices[0]!.delta.content)
      expect(chunks).toEqual(['def total(items):\n', '    return sum(items)\n'])
      expect(events.at(-1)).toEqual({ event: 'stream_end', data: null })
    })

    it('uses code_context components only from language servers >= 7.17.1', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('x'))
      const body = v3Completion(endpoint, { context: ['RELATED_CODE_1', 'RELATED_CODE_2'] })
      await post('/v3/code/completions', body, { 'X-Gitlab-Language-Server-Version': '7.17.1' })
      await post('/v3/code/completions', body, { 'X-Gitlab-Language-Server-Version': '7.16.9' })
      await post('/v3/code/completions', body)
      const [recent, older, none] = (await server.requests()).map((r) => messagesOf(r).at(-1)!.content)
      expect(recent).toContain('[PREFIX]RELATED_CODE_1\nRELATED_CODE_2\ndef total(items):')
      expect(older).not.toContain('RELATED_CODE')
      expect(none).not.toContain('RELATED_CODE')
    })

    it('accepts every provider value Rails has sent in model_metadata', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('x'))
      for (const provider of ['openai', 'api', 'litellm', 'custom_openai']) {
        const response = await post(
          '/v3/code/completions',
          v3Completion(endpoint, { metadata: { provider } }),
        )
        expect(response.status, provider).toBe(200)
        expect(((await response.json()) as { model: { engine: string } }).model.engine).toBe(provider)
      }
    })

    it('selects the generation prompt version: GitLab.com versions fall back to the family default, unknown ones are a 400 listing what exists', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('x = 1'))
      for (const version of ['2.0.1', '1.2.0-dev', '^1.0.0', '1.0.0']) {
        expect(
          (await post('/v3/code/completions', v3Generation(endpoint, { promptVersion: version }))).status,
          version,
        ).toBe(200)
      }
      // claude_3 uses the base prompt, whose version is 1.2.0.
      const base = await post(
        '/v3/code/completions',
        v3Generation(endpoint, { promptVersion: '1.2.0', metadata: { name: 'claude_3' } }),
      )
      expect(((await base.json()) as { model: { name: string } }).model.name).toBe('Code Generations Agent')
      const unknown = await post('/v3/code/completions', v3Generation(endpoint, { promptVersion: '^9.0.0' }))
      expect(unknown.status).toBe(400)
      expect(await unknown.json()).toEqual({
        detail:
          "No version matching '^9.0.0' for prompt 'code_suggestions/generations' (model family 'mistral'); available: 1.0.0",
      })
    })

    it("answers a 422 that says what to fix where GitLab's gateway answers 500 or falls back to a GitLab-managed model", async () => {
      const { endpoint, post, server } = await setUp()
      const cases: [string, unknown, RegExp][] = [
        [
          'code_context first',
          {
            prompt_components: [{ type: 'code_context', payload: { type: 'file', name: 'a', content: 'b' } }],
            model_metadata: modelMetadata(endpoint),
          },
          /first component must be a code_editor_completion/,
        ],
        [
          'unknown family',
          v3Completion(endpoint, { metadata: { name: 'llama2' } }),
          /model_metadata\.name: unknown model family 'llama2'; use one of mistral, mixtral, codestral/,
        ],
        [
          'model_metadata not an object',
          { ...v3Completion(endpoint), model_metadata: 'codestral' },
          /^model_metadata: /,
        ],
        [
          'endpoint too long',
          v3Completion(endpoint, { metadata: { endpoint: `http://a/${'x'.repeat(300)}` } }),
          /^model_metadata\.endpoint: /,
        ],
        [
          'no model',
          { prompt_components: v3Completion(endpoint).prompt_components },
          /No self-hosted model in the request: send a top-level model_metadata/,
        ],
        [
          'GitLab-managed',
          v3Completion(endpoint, { metadata: { provider: 'gitlab', identifier: 'claude_sonnet_4_6' } }),
          /GitLab-managed model/,
        ],
      ]
      for (const [name, body, detail] of cases) {
        const response = await post('/v4/code/suggestions', body)
        expect(response.status, name).toBe(422)
        expect(((await response.json()) as { detail: string }).detail, name).toMatch(detail)
      }
      expect(await server.requests()).toEqual([])
    })

    it('rejects what GitLab rejects: unknown component types, more than 100 components, a missing file name', async () => {
      const { endpoint, post } = await setUp()
      const component = v3Completion(endpoint).prompt_components[0]!
      const bodies = [
        { prompt_components: [{ type: 'x_ray', payload: {} }] },
        { prompt_components: Array.from({ length: 101 }, () => component) },
        {
          prompt_components: [
            {
              type: 'code_editor_completion',
              payload: { content_above_cursor: '', content_below_cursor: '' },
            },
          ],
        },
        { prompt_components: [] },
        {
          prompt_components: [{ ...component, payload: { ...component.payload, model_provider: 'litellm' } }],
        },
      ]
      for (const body of bodies) {
        const response = await post('/v3/code/completions', body)
        expect(response.status).toBe(422)
        expect(await response.json()).toEqual({ detail: 'Validation error' })
      }
    })
  })
}
