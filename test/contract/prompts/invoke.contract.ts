/**
 * `POST /v1/prompts/{prompt_id}` and `POST /v2/prompts/{prompt_id}` (spec features §6, §0.5, §0.6):
 * the prompt id in its path forms, the body, the four answer shapes (v1/v2, streamed or not), the
 * upstream call a definition makes, and the caller's mistakes (400, 403, 422), on a self-hosted model.
 */
import { describe, expect, it } from 'vitest'
import { gitlabHeaders, instanceToken } from '../gitlab.ts'
import { bodyOf } from '../model-server-client.ts'
import type { Target } from '../target.ts'
import { chatCompletion, chatStream } from '../wire/openai.ts'
import { sseChunks, SSE_HEADERS } from '../wire/sse.ts'
import { MODEL_KEY } from '../code/fixtures.ts'
import { answers, codeSetup, expectNoSecrets, messagesOf, streams, text } from '../code/harness.ts'
import {
  actionBody,
  allDefinitions,
  definitionOf,
  definitionsOf,
  DRAFT_NOTES,
  invokeBody,
  MODEL,
  promptMetadata,
  PROMPT_SCOPES,
  templateText,
} from './fixtures.ts'

const CHECK = 'model_configuration/check'
const EVENT_STREAM = 'text/event-stream; charset=utf-8'

/** The lines of a v2 stream, each parsed (and checked to be compact JSON, `\n`-terminated). */
function ndjson(body: string): Record<string, unknown>[] {
  expect(body.endsWith('\n')).toBe(true)
  return body
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>
      expect(line).toBe(JSON.stringify(parsed))
      return parsed
    })
}

export function promptInvokeContract(target: Target) {
  describe(`/v1 and /v2 prompts: shapes and mistakes [${target.runtime}]`, () => {
    const start = codeSetup(target)
    const setUp = (settings: Record<string, string> = {}) =>
      start(settings, '18.x', { scopes: PROMPT_SCOPES })

    it("v1: answers a JSON string of the model text, after one chat completion with the definition's messages and parameters", async () => {
      const { server, endpoint, post, gateway } = await setUp()
      await server.script(answers('Hi John!'))
      const response = await post(`/v1/prompts/${CHECK}`, invokeBody(endpoint))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      const raw = await response.text()
      expect(JSON.parse(raw)).toBe('Hi John!')

      const received = await server.onlyRequest()
      expect(received.path).toBe('/v1/chat/completions')
      expect(received.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
      const sent = bodyOf(received)
      expect(sent).toMatchObject({ model: MODEL, stream: false })
      const definition = definitionOf(CHECK, ['mistral'])
      expect(definition, 'a model_configuration/check definition').toBeDefined()
      expect(sent).toMatchObject(definition!.model_params ?? {})
      const messages = messagesOf(received)
      expect(messages.map((m) => m.role)).toEqual(definition!.messages.map((m) => m.role))
      for (const message of messages) expect(message.content.trim()).not.toBe('')
      expectNoSecrets(gateway, raw)
    })

    it('v1: streams raw text chunks whose concatenation is the model text', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(streams(['Hel', 'lo', ', John!']))
      const response = await post(`/v1/prompts/${CHECK}`, invokeBody(endpoint, {}, { stream: true }))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe(EVENT_STREAM)
      expect(await text(response)).toBe('Hello, John!')
      expect(bodyOf(await server.onlyRequest())).toMatchObject({ model: MODEL, stream: true })
    })

    it('v2: answers {content, usage} keyed by the model, and leaves usage out when the model reported none', async () => {
      const { server, endpoint, post } = await setUp()
      const withoutUsage = { ...chatCompletion('Hi again'), usage: undefined }
      await server.script(
        { ...answers('Hi John!', { prompt: 30, completion: 12 }), times: 1 },
        { match: '/v1/chat/completions', chunks: [{ text: JSON.stringify(withoutUsage) }] },
      )
      const response = await post(`/v2/prompts/${CHECK}`, invokeBody(endpoint))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(await response.json()).toEqual({
        content: 'Hi John!',
        usage: { [MODEL]: { input_tokens: 30, output_tokens: 12 } },
      })

      const bare = await post(`/v2/prompts/${CHECK}`, invokeBody(endpoint))
      expect(bare.status).toBe(200)
      expect(await bare.json()).toEqual({ content: 'Hi again' })
    })

    it('v2: streams compact NDJSON lines, one per delta, the last one carrying the usage', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(streams(['Hel', 'lo', ', John!']))
      const response = await post(`/v2/prompts/${CHECK}`, invokeBody(endpoint, {}, { stream: true }))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe(EVENT_STREAM)
      const lines = ndjson(await text(response))
      const last = lines.at(-1)!
      expect(last).toEqual({ content: '', usage: { [MODEL]: { input_tokens: 21, output_tokens: 3 } } })
      const deltas = lines.slice(0, -1)
      for (const line of deltas) expect(Object.keys(line)).toEqual(['content'])
      expect(deltas.map((l) => l.content).filter((c) => c !== '')).toEqual(['Hel', 'lo', ', John!'])
    })

    it('v2: a stream without usage has no usage line', async () => {
      const { server, endpoint, post } = await setUp()
      // A model server that does not report usage: the same stream, without its usage chunk.
      await server.script({
        match: '/v1/chat/completions',
        headers: SSE_HEADERS,
        chunks: sseChunks(chatStream(['a', 'b'], { usage: null })),
      })
      const response = await post(`/v2/prompts/${CHECK}`, invokeBody(endpoint, {}, { stream: true }))
      expect(response.status).toBe(200)
      const lines = ndjson(await text(response))
      for (const line of lines) expect(Object.keys(line)).toEqual(['content'])
      expect(lines.map((l) => l.content).join('')).toBe('ab')
    })

    it('takes the prompt id with its slash as is, percent-encoded (%2F, %2f) and on both versions', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('hello'))
      for (const path of [
        `/v1/prompts/${CHECK}`,
        '/v1/prompts/model_configuration%2Fcheck',
        '/v1/prompts/model_configuration%2fcheck',
        '/v2/prompts/model_configuration%2Fcheck',
        `/v2/prompts/${CHECK}`,
      ]) {
        const response = await post(path, invokeBody(endpoint))
        expect(response.status, path).toBe(200)
        await response.body?.cancel()
      }
      expect(await server.requests()).toHaveLength(5)
    })

    it("sends `dummy_key` when the model has no key, and the identifier's model part as the model", async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('hello'))
      const body = {
        inputs: {},
        model_metadata: promptMetadata(endpoint, {
          api_key: '',
          identifier: 'custom_openai/org/My-Model:7b',
        }),
      }
      expect((await post(`/v1/prompts/${CHECK}`, body)).status).toBe(200)
      const { api_key: _omitted, ...withoutKey } = promptMetadata(endpoint)
      expect((await post(`/v1/prompts/${CHECK}`, { inputs: {}, model_metadata: withoutKey })).status).toBe(
        200,
      )
      const [first, second] = await server.requests()
      expect(first!.headers.authorization).toBe('Bearer dummy_key')
      expect(bodyOf(first!).model).toBe('org/My-Model:7b')
      expect(second!.headers.authorization).toBe('Bearer dummy_key')
    })

    it('answers 400 naming an unknown prompt id, and 400 listing the versions when none matches', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('never'))
      const unknown = await post('/v1/prompts/chat/no_such_prompt', invokeBody(endpoint))
      expect(unknown.status).toBe(400)
      expect(((await unknown.json()) as { detail: string }).detail).toContain('chat/no_such_prompt')

      const versions = definitionsOf(CHECK)
        .filter((d) => d.family === (definitionOf(CHECK, ['mistral'])?.family ?? 'base'))
        .map((d) => d.version)
      for (const prefix of ['/v1', '/v2']) {
        const none = await post(
          `${prefix}/prompts/${CHECK}`,
          invokeBody(endpoint, {}, { prompt_version: '^9.0.0' }),
        )
        expect(none.status, prefix).toBe(400)
        const { detail } = (await none.json()) as { detail: string }
        expect(detail).toContain("No version matching '^9.0.0'")
        for (const version of versions) expect(detail).toContain(version)
      }
      expect(await server.requests()).toHaveLength(0)
    })

    it("answers 403 when the token lacks the definition's unit primitive; 17.x `code_suggestions` grants complete_code", async () => {
      const { server, endpoint, issuer, gateway } = await setUp()
      await server.script(answers('hello'))
      const as = async (token: string, path: string, body: unknown) =>
        gateway.fetch(path, { method: 'POST', headers: gitlabHeaders(token), body: JSON.stringify(body) })

      const chatOnly = await instanceToken(issuer, '18.x', { scopes: ['duo_chat'] })
      const denied = await as(chatOnly, `/v1/prompts/${CHECK}`, invokeBody(endpoint))
      expect(denied.status).toBe(403)
      expect(await denied.json()).toEqual({ detail: "Unauthorized to access 'model_configuration/check'" })

      const codeOnly = await instanceToken(issuer, '18.x', { scopes: ['complete_code', 'duo_chat'] })
      const review = await as(
        codeOnly,
        '/v2/prompts/summarize_review',
        actionBody(endpoint, { draft_notes_content: DRAFT_NOTES }),
      )
      expect(review.status).toBe(403)
      expect(await review.json()).toEqual({ detail: "Unauthorized to access 'summarize_review'" })
      expect(await server.requests()).toHaveLength(0)

      const old = await instanceToken(issuer, '17.x')
      expect((await as(old, '/v1/prompts/model_configuration%2Fcheck', invokeBody(endpoint))).status).toBe(
        200,
      )
    })

    it('answers 422 without model_metadata (saying to send it), without inputs, or with inputs that are not an object', async () => {
      const { server, endpoint, post, gateway } = await setUp()
      await server.script(answers('never'))
      const noModel = await post(`/v1/prompts/${CHECK}`, { inputs: {} })
      expect(noModel.status).toBe(422)
      const { detail } = (await noModel.json()) as { detail: string }
      expect(typeof detail).toBe('string')
      expect(detail).toContain('model_metadata')

      for (const body of [
        { model_metadata: promptMetadata(endpoint) },
        { inputs: 'hello', model_metadata: promptMetadata(endpoint) },
        { inputs: [], model_metadata: promptMetadata(endpoint) },
      ]) {
        const response = await post(`/v2/prompts/${CHECK}`, body)
        expect(response.status, JSON.stringify(body.inputs)).toBe(422)
        expect(typeof ((await response.json()) as { detail: unknown }).detail).toBe('string')
      }
      expect(await server.requests()).toHaveLength(0)
      expectNoSecrets(gateway)
    })

    it('answers 422 naming every template variable the inputs lack, streamed or not, before calling the model', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('never'))
      for (const stream of [false, true]) {
        const response = await post(
          '/v1/prompts/summarize_review',
          actionBody(endpoint, { unrelated: 'x' }, { prompt_version: '^2.0.0', stream }),
        )
        expect(response.status, `stream ${stream}`).toBe(422)
        expect(((await response.json()) as { detail: string }).detail).toContain('draft_notes_content')
      }
      // A prompt with several: resolve_vulnerability's templates print four.
      const resolve = await post(
        '/v1/prompts/resolve_vulnerability',
        actionBody(endpoint, { name: 'SQL injection' }),
      )
      expect(resolve.status).toBe(422)
      const { detail } = (await resolve.json()) as { detail: string }
      const wanted = requiredNames('resolve_vulnerability').filter((name) => name !== 'name')
      expect(wanted.length).toBeGreaterThan(1)
      for (const name of wanted) expect(detail).toMatch(new RegExp(`\\b${name}\\b`))
      expect(await server.requests()).toHaveLength(0)
    })

    it('answers 422 naming the field for a list holding null, on every prompt id and every variable it reads, never a 500', async () => {
      const ids = [...new Set(allDefinitions().map((d) => d.prompt_id))]
      const everyScope = [...new Set([...PROMPT_SCOPES, ...allDefinitions().map((d) => d.unit_primitive)])]
      const { server, endpoint, post } = await start({}, '18.x', { scopes: everyScope })
      await server.script(answers('never'))
      let probes = 0
      for (const id of ids) {
        const definition = definitionOf(id, ['mistral'])
        if (!definition) continue
        const names = allNames(definition)
        const fine = Object.fromEntries(names.map((n) => [n, 'x']))
        for (const name of names) {
          for (const bad of [[null], ['a', null], [{ nested: [null] }]]) {
            const response = await post(
              `/v1/prompts/${encodeURIComponent(id)}`,
              invokeBody(endpoint, { ...fine, [name]: bad }, { prompt_version: definition.version }),
            )
            probes++
            expect(response.status, `${id} ${name} ${JSON.stringify(bad)}`).toBe(422)
            expect(((await response.json()) as { detail: string }).detail).toMatch(
              new RegExp(`^inputs\\.${name}(\\[\\d\\]|\\.nested)*\\[\\d\\]: null is not allowed in a list`),
            )
          }
        }
      }
      expect(probes).toBeGreaterThan(100)
      expect(await server.requests()).toHaveLength(0)
    })

    // Observable only through a template that prints it; runs once a definition does.
    const dated = usingCurrentDate()
    it.runIf(dated !== undefined)(
      "adds current_date to the inputs when absent, and keeps the caller's",
      async () => {
        const uses = dated!
        const { server, endpoint, post } = await start({}, '18.x', {
          scopes: [...PROMPT_SCOPES, uses.unit_primitive],
        })
        await server.script(answers('ok'))
        const inputs = Object.fromEntries(
          printedNames(uses)
            .filter((n) => n !== 'current_date')
            .map((n) => [n, `value of ${n}`]),
        )
        const body = invokeBody(endpoint, inputs, { prompt_version: uses.version })
        expect((await post(`/v1/prompts/${uses.prompt_id}`, body)).status).toBe(200)
        expect(
          (
            await post(`/v1/prompts/${uses.prompt_id}`, {
              ...body,
              inputs: { ...inputs, current_date: 'the day of the test' },
            })
          ).status,
        ).toBe(200)
        const [added, kept] = await server.requests()
        // GitLab's format, e.g. "January 05, 2026"; the day either side of now in UTC (the gateway may use another zone).
        const days = [-1, 0, 1].map((d) =>
          new Date(Date.now() + d * 86_400_000).toLocaleDateString('en-US', {
            month: 'long',
            day: '2-digit',
            year: 'numeric',
            timeZone: 'UTC',
          }),
        )
        const sent = messagesOf(added!)
          .map((m) => m.content)
          .join('\n')
        expect(
          days.some((day) => sent.includes(day)),
          sent,
        ).toBe(true)
        expect(
          messagesOf(kept!)
            .map((m) => m.content)
            .join('\n'),
        ).toContain('the day of the test')
      },
    )

    it('reads the rendered templates unescaped (code stays code)', async () => {
      const { server, endpoint, post } = await setUp()
      await server.script(answers('I estimate there is a small amount of work.'))
      const notes = 'Comment: use `a && b` instead of <if a then b> & "quote"\n'
      const response = await post(
        '/v1/prompts/summarize_review',
        actionBody(endpoint, { draft_notes_content: notes }, { prompt_version: '^2.0.0' }),
      )
      expect(response.status).toBe(200)
      expect(await response.json()).toBe('I estimate there is a small amount of work.')
      expect(
        messagesOf(await server.onlyRequest())
          .map((m) => m.content)
          .join('\n'),
      ).toContain(notes.trim())
    })
  })
}

/** The variables the definition of `promptId` for mistral prints outside sections. */
function requiredNames(promptId: string): string[] {
  const definition = definitionOf(promptId, ['mistral'])
  return definition ? printedNames(definition) : []
}

/** The variables a definition's templates print outside sections (Mustache `{{x}}` / `{{{x}}}` / `{{&x}}`). */
function printedNames(definition: { messages: { template: string | string[] }[] }): string[] {
  const names = new Set<string>()
  for (const message of definition.messages) {
    let depth = 0
    for (const [, sigil, name] of templateText(message.template).matchAll(
      /\{\{\{?\s*([#^/&!>]?)\s*([\w.]+)\s*\}?\}\}/g,
    )) {
      if (sigil === '#' || sigil === '^') depth++
      else if (sigil === '/') depth--
      else if ((sigil === '' || sigil === '&') && depth === 0) names.add(name!.split('.')[0]!)
    }
  }
  return [...names].sort()
}

/** Every variable a definition's templates name, printed or as a section. */
function allNames(definition: { messages: { template: string | string[] }[] }): string[] {
  const names = new Set<string>()
  for (const message of definition.messages) {
    for (const [, sigil, name] of templateText(message.template).matchAll(
      /\{\{\{?\s*([#^/&!>]?)\s*([\w.]+)\s*\}?\}\}/g,
    )) {
      if (sigil !== '!' && sigil !== '>' && name !== '.') names.add(name!.split('.')[0]!)
    }
  }
  return [...names].sort()
}

/** A definition a mistral model resolves to whose templates print current_date, if any. */
function usingCurrentDate() {
  return allDefinitions().find(
    (d) =>
      definitionOf(d.prompt_id, ['mistral'], d.version) === d && printedNames(d).includes('current_date'),
  )
}
