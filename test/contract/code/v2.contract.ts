/**
 * `/v2/code/completions` (+ `/v2/completions`) and `/v2/code/generations` for self-hosted models
 * (spec features §2.1, §2.2, §3, §4.5): the bodies GitLab sends, what reaches the model server,
 * and the envelope the IDE reads, streamed and not.
 */
import { describe, expect, it } from 'vitest'
import { jsonLogs, type Target } from '../target.ts'
import { bodyOf } from '../model-server-client.ts'
import { ideCompletion, ideGeneration, MODEL_KEY, testCompletion } from './fixtures.ts'
import { answers, codeSetup, expectNoSecrets, messagesOf, streams, text } from './harness.ts'

const CODESTRAL_STOP = ['[INST]', '[/INST]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]']

export function codeV2Contract(target: Target) {
  describe(`/v2 code suggestions [${target.runtime}]`, () => {
    const setUp = codeSetup(target)

    it("completes the IDE body of a self-hosted instance: the codestral prompt upstream, GitLab's envelope back", async () => {
      const { server, endpoint, post, gateway } = await setUp({ RUNWAY_REGION: 'europe-west4' })
      await server.script(answers('return sum(i.price for i in items)', { prompt: 812, completion: 17 }))
      const response = await post('/v2/code/completions', ideCompletion(endpoint), {
        'X-Gitlab-Enabled-Feature-Flags': 'flag_a,flag_b,flag_a',
      })
      expect(response.status).toBe(200)
      const body = (await response.json()) as Record<string, unknown>
      expect(body).toEqual({
        id: 'id',
        model: {
          engine: 'litellm',
          name: 'codestral',
          lang: 'python',
          tokens_consumption_metadata: {
            input_tokens: 812,
            output_tokens: 17,
            max_output_tokens_used: false,
            context_tokens_sent: 5,
            context_tokens_used: 5,
          },
          region: 'europe-west4',
        },
        experiments: [],
        object: 'text_completion',
        created: expect.any(Number),
        choices: [{ text: 'return sum(i.price for i in items)', index: 0, finish_reason: 'length' }],
        metadata: { enabled_feature_flags: ['flag_a', 'flag_b'] },
      })
      expect(Math.abs((body.created as number) - Date.now() / 1000)).toBeLessThan(60)

      const received = await server.onlyRequest()
      expect(received.path).toBe('/v1/chat/completions')
      expect(received.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
      const sent = bodyOf(received)
      expect(sent).toMatchObject({
        model: 'Codestral-22B-v0.1',
        max_tokens: 64,
        temperature: 0.32,
        stop: CODESTRAL_STOP,
        stream: false,
      })
      const [system, user] = messagesOf(received)
      expect(system?.role).toBe('system')
      expect(system?.content).toContain('python')
      // Code context goes in front of the prefix; the suffix follows [SUFFIX] (FIM order of Codestral).
      expect(user).toEqual({
        role: 'user',
        content: '<s>[SUFFIX]\n\nprint(total([]))\n[PREFIX]class Item: ...\ndef total(items):\n    ',
      })
      expect(Object.keys(sent).sort()).toEqual([
        'max_tokens',
        'messages',
        'model',
        'stop',
        'stream',
        'temperature',
      ])
      expectNoSecrets(gateway, JSON.stringify(body))
      const access = jsonLogs(gateway).find(
        (line) => line.logger === 'api.access' && line.path === '/v2/code/completions',
      )
      expect(access).toMatchObject({
        model_family: 'codestral',
        model_provider: 'litellm',
        model_identifier: 'custom_openai/Codestral-22B-v0.1',
        'meta.unit_primitive': 'complete_code',
      })
    })

    it('answers the same on the /v2/completions alias (IDE direct access)', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('pass'))
      const response = await post('/v2/completions', ideCompletion(endpoint))
      expect(response.status).toBe(200)
      expect(((await response.json()) as { choices: unknown[] }).choices).toEqual([
        { text: 'pass', index: 0, finish_reason: 'length' },
      ])
    })

    it("passes the admin health check's test completion (non-empty choices[0].text)", async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('\n  puts "Hello, world!"\nend'))
      const response = await post('/v2/code/completions', testCompletion(endpoint))
      expect(response.status).toBe(200)
      const body = (await response.json()) as { choices: { text: string }[]; model: Record<string, unknown> }
      expect(body.choices[0]?.text).toBe('\n  puts "Hello, world!"\nend')
      expect(body.model).toMatchObject({ engine: 'litellm', name: 'mistral', lang: 'ruby' })
      const received = await server.onlyRequest()
      // No key configured: OpenAI-compatible servers still get a bearer, GitLab's placeholder.
      expect(received.headers.authorization).toBe('Bearer dummy_key')
      // An empty suffix is sent as nothing (GitLab's template printed "None" there).
      expect(messagesOf(received).at(-1)?.content).toBe('<s>[SUFFIX][PREFIX]def hello_world')
    })

    it('streams a completion as raw text, delta by delta', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(streams(['return ', 'sum(', 'items)']))
      const response = await post('/v2/code/completions', ideCompletion(endpoint, { stream: true }))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(response.headers.get('x-accel-buffering')).toBe('no')
      expect(await text(response)).toBe('return sum(items)')
      const sent = bodyOf(await server.onlyRequest())
      expect(sent).toMatchObject({ stream: true, stream_options: { include_usage: true } })
    })

    it('returns no choice (200) for an empty answer, and does not call the model for a file of unknown language', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers(''))
      const empty = (await (await post('/v2/code/completions', ideCompletion(endpoint))).json()) as Record<
        string,
        unknown
      >
      expect(empty.choices).toEqual([])
      expect((empty.model as Record<string, unknown>).tokens_consumption_metadata).toBeNull()

      const unknown = ideCompletion(endpoint, {
        current_file: { file_name: 'notes', content_above_cursor: 'x', content_below_cursor: '' },
      })
      const skipped = await post('/v2/code/completions', unknown)
      expect(skipped.status).toBe(200)
      expect(((await skipped.json()) as Record<string, unknown>).choices).toEqual([])
      expect(await server.requests()).toHaveLength(1)
      // A well-known file name is a language here (GitLab would not call the model for a Dockerfile).
      await server.script(answers('RUN make'))
      const dockerfile = ideCompletion(endpoint, {
        current_file: {
          file_name: 'Dockerfile',
          content_above_cursor: 'FROM node:22\n',
          content_below_cursor: '',
        },
      })
      expect(
        ((await (await post('/v2/code/completions', dockerfile)).json()) as { choices: unknown[] }).choices,
      ).toHaveLength(1)
    })

    it('generates with the registry prompt of the family (agent engine, its display name) and post-processes the answer', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(
        answers('```python\ndef total(items):\n    return sum(i.price for i in items)\n```'),
      )
      const response = await post('/v2/code/generations', ideGeneration(endpoint))
      expect(response.status).toBe(200)
      const body = (await response.json()) as Record<string, unknown>
      expect(body.model).toEqual({
        engine: 'agent',
        name: 'Mistral 7B Code Generations',
        lang: 'python',
        tokens_consumption_metadata: null,
        region: 'us-central1',
      })
      // The Markdown fence lines are gone (the prefix ends with a newline, so none is prepended).
      expect(body.choices).toEqual([
        {
          text: 'def total(items):\n    return sum(i.price for i in items)\n',
          index: 0,
          finish_reason: 'length',
        },
      ])
      const received = await server.onlyRequest()
      expect(bodyOf(received)).toMatchObject({
        model: 'Mistral-7B-Instruct-v0.3',
        max_tokens: 256,
        temperature: 0.95,
        stream: false,
      })
      expect(bodyOf(received).stop).toBeUndefined()
      const user = messagesOf(received).at(-1)!.content
      // The user's request and the code reach the model (GitLab's templates dropped the request).
      expect(user).toContain('write a function that sums the prices of the items')
      expect(user).toContain('# write a function that sums the prices of the items\n')
      expect(user).not.toContain('None')
    })

    it('applies GitLab\'s pinned generation example: prefix "foo", answer "foo" gives "\\nfoo"; whitespace gives no choice', async () => {
      const { server, endpoint, post } = await setUp()
      const body = ideGeneration(endpoint, {
        current_file: { file_name: 'a.py', content_above_cursor: 'foo', content_below_cursor: '' },
      })
      await server.script({ ...answers('foo'), times: 1 }, answers('  \n '))
      expect(
        ((await (await post('/v2/code/generations', body)).json()) as { choices: unknown[] }).choices,
      ).toEqual([{ text: '\nfoo', index: 0, finish_reason: 'length' }])
      expect(
        ((await (await post('/v2/code/generations', body)).json()) as { choices: unknown[] }).choices,
      ).toEqual([])
    })

    it('streams a generation a whole line at a time, without Markdown fences', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(streams(['```py', 'thon\ndef total(items):\n    re', 'turn sum(items)\n``', '`']))
      const response = await post('/v2/code/generations', ideGeneration(endpoint, { stream: true }))
      expect(response.status).toBe(200)
      expect(await text(response)).toBe('def total(items):\n    return sum(items)\n')
    })

    it('sends the messages of a prompt_version 3 generation without a prompt id as they are, with the legacy parameters', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('def add(a, b):\n    return a + b'))
      const messages = [
        { role: 'system', content: 'You write Python.' },
        { role: 'user', content: 'Add two numbers.' },
      ]
      const body = ideGeneration(endpoint, { prompt_version: 3, prompt: messages, prompt_id: undefined })
      const response = await post('/v2/code/generations', body)
      expect(response.status).toBe(200)
      expect(((await response.json()) as Record<string, unknown>).model).toMatchObject({
        engine: 'litellm',
        name: 'mistral',
      })
      const sent = bodyOf(await server.onlyRequest())
      expect(sent).toMatchObject({
        messages,
        max_tokens: 2048,
        temperature: 0.2,
        top_p: 0.95,
        stop: ['</new_code>'],
      })
    })

    it('names the model from model_metadata when a generation has a prompt id but no flat model fields', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('x = 1'))
      const body = ideGeneration(endpoint, {
        model_provider: undefined,
        model_name: undefined,
        model_metadata: {
          provider: 'api',
          name: 'codestral',
          endpoint,
          api_key: MODEL_KEY,
          identifier: 'custom_openai/Codestral-22B-v0.1',
        },
      })
      const response = await post('/v2/code/generations', body)
      expect(response.status).toBe(200)
      expect(((await response.json()) as Record<string, unknown>).model).toMatchObject({
        engine: 'agent',
        name: 'Codestral 22B Code Generations',
      })
      expect(bodyOf(await server.onlyRequest())).toMatchObject({
        model: 'Codestral-22B-v0.1',
        max_tokens: 256,
        temperature: 0.3,
      })
    })

    it("fixes mixtral's escaped underscores, streamed and not", async () => {
      const { server, endpoint, post } = await setUp()
      const mixtral = { model_name: 'mixtral', model_identifier: 'custom_openai/Mixtral-8x7B' }
      await server.script(
        { ...answers('total\\_price = sum\\_of(items)'), times: 1 },
        streams(['total\\', '_price = sum\\_of(items)']),
      )
      const plain = (await (await post('/v2/code/completions', ideCompletion(endpoint, mixtral))).json()) as {
        choices: { text: string }[]
      }
      expect(plain.choices[0]?.text).toBe('total_price = sum_of(items)')
      expect(
        await text(await post('/v2/code/completions', ideCompletion(endpoint, { ...mixtral, stream: true }))),
      ).toBe('total_price = sum_of(items)')
    })

    it('is in the OpenAPI document with its request schema', async () => {
      const { gateway } = await setUp()
      const document = (await (await gateway.fetch('/openapi.json')).json()) as {
        paths: Record<string, { post?: { requestBody?: unknown } }>
      }
      for (const path of [
        '/v2/code/completions',
        '/v2/completions',
        '/v2/code/generations',
        '/v3/code/completions',
        '/v4/code/suggestions',
      ]) {
        expect(document.paths[path]?.post?.requestBody, path).toBeDefined()
      }
      expect(JSON.stringify(document.paths['/v2/code/completions'])).toContain('content_above_cursor')
    })
  })
}
