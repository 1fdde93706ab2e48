/**
 * The Anthropic Messages API wire format against the fake model server: the exact request
 * (`x-api-key`, `anthropic-version`, system messages lifted into `system`, the `max_tokens`
 * default), Anthropic's real event stream in and neutral events out whatever the network does to
 * the bytes, `event: error` mid-stream, answers, stop reasons and the error body.
 */
import { describe, expect, it } from 'vitest'
import { anthropicFormat } from '../../../src/providers/anthropic.ts'
import {
  ModelStreamError,
  type ModelCall,
  type ModelEvent,
  type ModelTarget,
} from '../../../src/model-call/types.ts'
import { bodyOf, newModelServer, type Chunk, type ModelServer } from '../model-server-client.ts'
import * as wire from '../wire/anthropic.ts'
import { byteChunks, frameChunks, sseText, withCrlf } from '../wire/openai.ts'
import { SSE_HEADERS, type SseFrame } from '../wire/sse.ts'
import { LIMITS, requestOf, sendUpstream, type ProviderTarget, type TestCall } from './target.ts'
import { drain, within } from './streams.ts'

const KEY = 'sk-ant-api03-EXAMPLE_key-AA'
const MODEL = 'claude-sonnet-4-5-20250929'
const format = anthropicFormat

function callFor(
  server: ModelServer,
  extra: Partial<TestCall> = {},
  target: Partial<ModelTarget> = {},
): ModelCall {
  return {
    stream: true,
    messages: [{ role: 'user', content: 'Hi' }],
    ...extra,
    target: {
      format: 'anthropic',
      provider: 'anthropic',
      upstreamModel: MODEL,
      endpoint: server.url,
      apiKey: KEY,
      requestSuppliedEndpoint: true,
      ...target,
    },
  }
}

const TEXTS = ['Hel', 'lo', '', ' wörld', ' — ok 🎉']
const ANSWER: ModelEvent[] = [
  { type: 'text', text: 'Hel' },
  { type: 'text', text: 'lo' },
  { type: 'text', text: ' wörld' },
  { type: 'text', text: ' — ok 🎉' },
  { type: 'finish', reason: 'stop' },
  { type: 'usage', usage: { inputTokens: 25, outputTokens: 15 } },
]

export function anthropicContract(target: ProviderTarget) {
  const send = async (call: ModelCall) => sendUpstream(target.fetch, requestOf(format, call))

  async function streamed(chunks: Chunk[]) {
    const server = await newModelServer()
    await server.script({ headers: SSE_HEADERS, chunks })
    const call = callFor(server)
    const response = await send(call)
    expect(response.status).toBe(200)
    return drain(format.events(response.body!, call, LIMITS))
  }

  /** Makes the call against a fresh server and returns what the server received. */
  async function received(extra: Partial<TestCall> = {}, targetOverrides: Partial<ModelTarget> = {}) {
    const server = await newModelServer()
    const stream = extra.stream ?? true
    await server.script(
      stream
        ? { headers: SSE_HEADERS, chunks: frameChunks(wire.messageStream(['ok'])) }
        : { chunks: [{ text: JSON.stringify(wire.message([wire.textBlock('ok')])) }] },
    )
    const call = callFor(server, extra, targetOverrides)
    const response = await send(call)
    expect(response.status).toBe(200)
    if (stream)
      expect((await drain(format.events(response.body!, call, LIMITS))).events[0]).toEqual({
        type: 'text',
        text: 'ok',
      })
    else expect(format.parse(await response.json(), call).text).toBe('ok')
    return server.onlyRequest()
  }

  describe(`Anthropic requests [${target.runtime}]`, () => {
    it('POSTs to {endpoint}/v1/messages with x-api-key and anthropic-version; system messages become system', async () => {
      const request = await received({
        messages: [
          { role: 'system', content: 'You are a code completer.' },
          { role: 'user', content: 'def add(' },
          { role: 'system', content: 'Answer in Python.' },
          { role: 'assistant', content: 'a, b):' },
        ],
        maxTokens: 256,
        temperature: 0.2,
        topP: 0.9,
        stop: ['\n\n'],
        extraBody: { top_k: 40, metadata: { user_id: 'u-1' } },
        headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' },
      })
      expect(request.method).toBe('POST')
      expect(request.path).toBe('/v1/messages')
      expect(request.headers).toMatchObject({
        'x-api-key': KEY,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'anthropic-beta': 'prompt-caching-2024-07-31',
      })
      expect(request.headers).not.toHaveProperty('authorization')
      expect(bodyOf(request)).toEqual({
        model: MODEL,
        max_tokens: 256,
        system: 'You are a code completer.\n\nAnswer in Python.',
        messages: [
          { role: 'user', content: 'def add(' },
          { role: 'assistant', content: 'a, b):' },
        ],
        temperature: 0.2,
        top_p: 0.9,
        stop_sequences: ['\n\n'],
        stream: true,
        top_k: 40,
        metadata: { user_id: 'u-1' },
      })
    })

    it('sends only what is set: max_tokens defaults to 4096, no stream, system or sampling fields; a prompt is one user turn', async () => {
      const minimal = await received({ stream: false, stop: [] })
      expect(minimal.headers.accept).toBe('application/json')
      expect(bodyOf(minimal)).toEqual({
        model: MODEL,
        max_tokens: 4096,
        messages: [{ role: 'user', content: 'Hi' }],
      })

      const zero = await received({ stream: false, temperature: 0 })
      expect(bodyOf(zero)).toMatchObject({ temperature: 0 })

      const prompt = await received({ stream: false, messages: [{ role: 'user', content: 'def add(' }] })
      expect(bodyOf(prompt)).toEqual({
        model: MODEL,
        max_tokens: 4096,
        messages: [{ role: 'user', content: 'def add(' }],
      })
    })

    it('sends whatever key the target holds, and no x-api-key without one', async () => {
      for (const key of ['dummy_key', KEY])
        expect((await received({ stream: false }, { apiKey: key })).headers['x-api-key']).toBe(key)
      const keyless = await received({}, { apiKey: undefined })
      expect(keyless.headers).not.toHaveProperty('x-api-key')
      expect(keyless.headers['anthropic-version']).toBe('2023-06-01')
    })

    it('operator headers are sent, but never replace or join x-api-key, whatever their case', async () => {
      for (const name of ['x-api-key', 'X-Api-Key', 'X-API-KEY']) {
        const request = await received({ headers: { [name]: 'operator-key', 'X-Route-Tag': 'blue' } })
        expect(request.headers['x-api-key']).toBe(KEY)
        expect(request.headers['x-route-tag']).toBe('blue')
      }
    })
  })

  describe(`Anthropic streams [${target.runtime}]`, () => {
    const frames = wire.messageStream(TEXTS)
    const text = sseText(frames)

    it('one text event per content_block_delta, in order; message_delta gives finish and usage; ping and the rest add nothing', async () => {
      expect(frames.map((frame) => frame.event)).toEqual(
        expect.arrayContaining(['content_block_start', 'ping', 'content_block_stop', 'message_stop']),
      )
      expect(await streamed(frameChunks(frames, 5))).toEqual({ events: ANSWER })
    })

    it('ignores SSE comments between and inside events', async () => {
      const comment = ': keep-alive\n\n'
      const chunks = [
        { text: comment },
        ...frameChunks(frames).flatMap((chunk) => [chunk, { text: comment }]),
      ]
      expect(await streamed(chunks)).toEqual({ events: ANSWER })
      expect(await streamed([{ text: text.replaceAll('data: ', ': comment\ndata: ') }])).toEqual({
        events: ANSWER,
      })
    })

    it('decodes the same when events are cut across chunks (mid-character too), packed into one, or framed with CRLF', async () => {
      for (const size of [7, 64]) expect(await streamed(byteChunks(text, size))).toEqual({ events: ANSWER })
      expect(await streamed([{ text }])).toEqual({ events: ANSWER })
      expect(await streamed([{ text: withCrlf(text) }])).toEqual({ events: ANSWER })
      expect(await streamed(byteChunks(withCrlf(text), 5))).toEqual({ events: ANSWER })
    })

    it('maps every streamed stop reason', async () => {
      const reasons = {
        end_turn: 'stop',
        stop_sequence: 'stop',
        max_tokens: 'length',
        tool_use: 'tool_calls',
        refusal: 'content_filter',
        pause_turn: 'other',
      }
      for (const [stopReason, reason] of Object.entries(reasons)) {
        const { events } = await streamed([
          { text: sseText(wire.messageStream(['x'], { stopReason, inputTokens: 3, outputTokens: 1 })) },
        ])
        expect(events, stopReason).toEqual([
          { type: 'text', text: 'x' },
          { type: 'finish', reason },
          { type: 'usage', usage: { inputTokens: 3, outputTokens: 1 } },
        ])
      }
    })

    it('an event: error ends the stream with ModelStreamError, after the text before it (own chunk or packed)', async () => {
      const failing: SseFrame[] = [
        ...frames.slice(0, 4),
        wire.streamError('overloaded_error', 'Overloaded'),
        wire.textDelta('never'),
        wire.messageStop(),
      ]
      for (const chunks of [frameChunks(failing, 5), [{ text: sseText(failing) }]]) {
        const { events, error } = await streamed(chunks)
        expect(events).toEqual([{ type: 'text', text: 'Hel' }])
        expect(error).toBeInstanceOf(ModelStreamError)
        expect((error as Error).message).toContain('overloaded_error')
        expect((error as Error).message).toContain('Overloaded')
      }
    })

    it('is not buffered: the first text arrives while the upstream is still open; cancelling closes the upstream', async () => {
      const server = await newModelServer()
      await server.script({ headers: SSE_HEADERS, chunks: frameChunks(frames.slice(0, 5)), hang: true })
      const call = callFor(server)
      const reader = format.events((await send(call)).body!, call, LIMITS).getReader()
      expect(await within(reader.read(), 5000)).toEqual({ done: false, value: { type: 'text', text: 'Hel' } })
      await reader.cancel()
      expect((await server.waitForEarlyClose()).path).toBe('/v1/messages')
    })

    it('cancelling before the first byte closes the upstream connection', async () => {
      const server = await newModelServer()
      await server.script({ headers: SSE_HEADERS, hang: true })
      const call = callFor(server)
      await format.events((await send(call)).body!, call, LIMITS).cancel()
      expect((await server.waitForEarlyClose()).path).toBe('/v1/messages')
    })
  })

  describe(`Anthropic answers and error bodies [${target.runtime}]`, () => {
    async function answered(status: number, body: unknown) {
      const server = await newModelServer()
      await server.script({ status, chunks: [{ text: JSON.stringify(body) }] })
      const call = callFor(server, { stream: false })
      const response = await send(call)
      expect(response.status).toBe(status)
      return { json: (await response.json()) as unknown, call }
    }

    it('parses the text blocks of an answer in order, skipping other blocks (a tool_use is a call); null or no content is empty text', async () => {
      const answer = await answered(
        200,
        wire.message(
          [wire.textBlock('def add(a, b):'), wire.toolUseBlock(), wire.textBlock('\n    return a + b')],
          'max_tokens',
        ),
      )
      expect(format.parse(answer.json, answer.call)).toEqual({
        text: 'def add(a, b):\n    return a + b',
        toolCalls: [
          { id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: { location: 'Paris' } },
        ],
        finishReason: 'length',
        usage: { inputTokens: 12, outputTokens: 6 },
      })
      const call = answer.call
      expect(format.parse(wire.message(null, 'end_turn'), call)).toEqual({
        text: '',
        finishReason: 'stop',
        usage: { inputTokens: 12, outputTokens: 6 },
      })
      expect(format.parse(wire.message([], null), call)).toEqual({
        text: '',
        usage: { inputTokens: 12, outputTokens: 6 },
      })
      for (const nonsense of [{}, null, 'text', { content: 'not blocks' }])
        expect(format.parse(nonsense, call)).toEqual({ text: '' })
    })

    it('maps every stop reason of an answer', () => {
      const call = {} as ModelCall
      const reasons = {
        end_turn: 'stop',
        stop_sequence: 'stop',
        max_tokens: 'length',
        tool_use: 'tool_calls',
        refusal: 'content_filter',
        pause_turn: 'other',
      }
      for (const [stopReason, expected] of Object.entries(reasons)) {
        expect(
          format.parse(wire.message([wire.textBlock('x')], stopReason), call).finishReason,
          stopReason,
        ).toBe(expected)
      }
    })

    it('reads Anthropic\'s {type: "error", error: {message}}', async () => {
      const overloaded = await answered(529, wire.anthropicError('overloaded_error', 'Overloaded'))
      expect(format.errorMessage(overloaded.json)).toBe('Overloaded')
      expect(
        format.errorMessage(wire.anthropicError('invalid_request_error', 'max_tokens: 8192 > 4096')),
      ).toBe('max_tokens: 8192 > 4096')
      for (const other of [{ unexpected: true }, { error: 'no object' }, null, 'text'])
        expect(format.errorMessage(other)).toBeUndefined()
    })
  })
}
