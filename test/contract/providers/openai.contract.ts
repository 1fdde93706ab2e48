/**
 * The OpenAI-compatible wire formats (chat completions, text completions, Azure OpenAI) against
 * the fake model server: the exact request LiteLLM would send (spec features §4.4), real vLLM /
 * OpenAI / Azure streams in and neutral events out, whatever the network does to the bytes, and
 * the answers and error bodies of the servers behind `custom_openai/`.
 */
import { describe, expect, it } from 'vitest'
import { createAzureFormat, openAiChatFormat, openAiTextFormat } from '../../../src/providers/openai.ts'
import {
  ModelStreamError,
  type ModelCall,
  type ModelEvent,
  type ModelTarget,
  type WireFormatName,
} from '../../../src/model-call/types.ts'
import type { WireFormat } from '../../../src/providers/wire-format.ts'
import { bodyOf, newModelServer, type Chunk, type ModelServer } from '../model-server-client.ts'
import * as wire from '../wire/openai.ts'
import { SSE_HEADERS, type SseFrame } from '../wire/sse.ts'
import { LIMITS, requestOf, sendUpstream, type ProviderTarget, type TestCall } from './target.ts'
import { drain, within } from './streams.ts'

const KEY = 'sk-proj-4f9Xq_Tz-EXAMPLE'
const API_VERSION = '2024-10-21'
const azureFormat = createAzureFormat({ apiVersion: API_VERSION })

interface Flavour {
  name: string
  format: WireFormat
  wireFormat: WireFormatName
  /** The path (and query) the fake sees for `model`. */
  path: (model: string) => string
  /** Base URL of the API: OpenAI-compatible bases end in `/v1`, Azure's is the resource. */
  endpoint: (server: ModelServer) => string
  stream: (texts: string[], end?: wire.StreamEnd) => SseFrame[]
  /** What the upstream sends before the first delta. */
  head: SseFrame[]
  /** One upstream chunk carrying `text`. */
  delta: (text: string) => Record<string, unknown>
}

const FLAVOURS: Flavour[] = [
  {
    name: 'chat completions',
    format: openAiChatFormat,
    wireFormat: 'openai-chat',
    path: () => '/v1/chat/completions',
    endpoint: (server) => `${server.url}/v1`,
    stream: wire.chatStream,
    head: [{ data: wire.chatChunk({ role: 'assistant', content: '' }) }],
    delta: (content) => wire.chatChunk({ content }),
  },
  {
    name: 'text completions',
    format: openAiTextFormat,
    wireFormat: 'openai-text',
    path: () => '/v1/completions',
    endpoint: (server) => `${server.url}/v1`,
    stream: wire.textStream,
    head: [],
    delta: (text) => wire.textChunk(text),
  },
  {
    name: 'Azure OpenAI',
    format: azureFormat,
    wireFormat: 'azure',
    path: (deployment) => `/openai/deployments/${deployment}/chat/completions?api-version=${API_VERSION}`,
    endpoint: (server) => server.url,
    stream: (texts, end) => [{ data: wire.azurePromptFilterChunk() }, ...wire.chatStream(texts, end)],
    head: [
      { data: wire.azurePromptFilterChunk() },
      { data: wire.chatChunk({ role: 'assistant', content: '' }) },
    ],
    delta: (content) => wire.chatChunk({ content }),
  },
]
const [CHAT, TEXT, AZURE] = FLAVOURS as [Flavour, Flavour, Flavour]

function callFor(
  flavour: Flavour,
  server: ModelServer,
  extra: Partial<TestCall> = {},
  target: Partial<ModelTarget> = {},
): ModelCall {
  return {
    stream: true,
    messages: [{ role: 'user', content: 'Hi' }],
    ...extra,
    target: {
      format: flavour.wireFormat,
      provider: flavour === AZURE ? 'azure' : 'custom_openai',
      upstreamModel: flavour === AZURE ? 'gpt-4o-prod' : 'mistralai/Mistral-7B-Instruct-v0.3',
      endpoint: flavour.endpoint(server),
      apiKey: KEY,
      requestSuppliedEndpoint: true,
      ...target,
    },
  }
}

/** The texts every stream test sends; the empty delta must not become an event. */
const TEXTS = ['Hel', 'lo', '', ' wörld', ' — ok 🎉']
const ANSWER: ModelEvent[] = [
  { type: 'text', text: 'Hel' },
  { type: 'text', text: 'lo' },
  { type: 'text', text: ' wörld' },
  { type: 'text', text: ' — ok 🎉' },
  { type: 'finish', reason: 'stop' },
  { type: 'usage', usage: { inputTokens: 21, outputTokens: 7 } },
]
const END = { usage: { prompt: 21, completion: 7 } }

export function openAiContract(target: ProviderTarget) {
  const send = async (format: WireFormat, call: ModelCall) =>
    sendUpstream(target.fetch, requestOf(format, call))

  /** Scripts `chunks`, makes the call, and decodes the whole stream. */
  async function streamed(flavour: Flavour, chunks: Chunk[]) {
    const server = await newModelServer()
    await server.script({ headers: SSE_HEADERS, chunks })
    const call = callFor(flavour, server)
    const response = await send(flavour.format, call)
    expect(response.status).toBe(200)
    return drain(flavour.format.events(response.body!, call, LIMITS))
  }

  /** Sends `call` (built for a fresh server) and returns what the server received. */
  async function received(
    flavour: Flavour,
    extra: Partial<TestCall> = {},
    targetOverrides: Partial<ModelTarget> = {},
  ) {
    const server = await newModelServer()
    const stream = extra.stream ?? true
    await server.script(
      stream
        ? { headers: SSE_HEADERS, chunks: wire.frameChunks(flavour.stream(['ok'])) }
        : {
            chunks: [
              {
                text: JSON.stringify(
                  flavour === TEXT ? wire.textCompletion('ok') : wire.chatCompletion('ok'),
                ),
              },
            ],
          },
    )
    const call = callFor(flavour, server, extra, targetOverrides)
    const response = await send(flavour.format, call)
    expect(response.status).toBe(200)
    if (stream)
      expect((await drain(flavour.format.events(response.body!, call, LIMITS))).events[0]).toEqual({
        type: 'text',
        text: 'ok',
      })
    else expect(flavour.format.parse(await response.json(), call).text).toBe('ok')
    return server.onlyRequest()
  }

  const conversation: ModelCall['messages'] = [
    { role: 'system', content: 'You are a code completer.' },
    { role: 'user', content: 'def add(' },
    { role: 'assistant', content: 'a, b):' },
  ]
  const parameters = {
    maxTokens: 64,
    temperature: 0.32,
    topP: 0.9,
    stop: ['[INST]', '[/INST]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]'],
  }
  const sampling = { max_tokens: 64, temperature: 0.32, top_p: 0.9, stop: parameters.stop }
  const streaming = { stream: true, stream_options: { include_usage: true } }

  describe(`OpenAI-compatible requests [${target.runtime}]`, () => {
    it('chat: POSTs model, messages, every set parameter, stream_options and extraBody to {endpoint}/chat/completions', async () => {
      const request = await received(CHAT, {
        messages: conversation,
        ...parameters,
        extraBody: { continue_final_message: true, add_generation_prompt: false },
        headers: { 'x-gateway-tag': 'edge' },
      })
      expect(request.method).toBe('POST')
      expect(request.path).toBe('/v1/chat/completions')
      expect(request.headers).toMatchObject({
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'x-gateway-tag': 'edge',
      })
      expect(bodyOf(request)).toEqual({
        model: 'mistralai/Mistral-7B-Instruct-v0.3',
        messages: conversation,
        ...sampling,
        ...streaming,
        continue_final_message: true,
        add_generation_prompt: false,
      })
    })

    it('chat: a non-streaming call sends only what is set (stream false, no stream_options); 0 is set; a prompt is one user turn', async () => {
      const minimal = await received(CHAT, { stream: false, stop: [] })
      expect(minimal.headers.accept).toBe('application/json')
      expect(bodyOf(minimal)).toEqual({
        model: 'mistralai/Mistral-7B-Instruct-v0.3',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: false,
      })

      const zero = await received(CHAT, { stream: false, temperature: 0, maxTokens: 0 })
      expect(bodyOf(zero)).toMatchObject({ temperature: 0, max_tokens: 0 })

      const prompt = await received(CHAT, {
        stream: false,
        messages: [{ role: 'user', content: 'def add(' }],
      })
      expect(bodyOf(prompt)).toEqual({
        model: 'mistralai/Mistral-7B-Instruct-v0.3',
        messages: [{ role: 'user', content: 'def add(' }],
        stream: false,
      })
    })

    it('text: POSTs model, the messages flattened into prompt, and the parameters to {endpoint}/completions', async () => {
      const request = await received(TEXT, {
        messages: conversation.slice(0, 2),
        ...parameters,
        extraBody: { suffix: '\n' },
      })
      expect(request.method).toBe('POST')
      expect(request.path).toBe('/v1/completions')
      expect(request.headers).toMatchObject({
        authorization: `Bearer ${KEY}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      })
      expect(bodyOf(request)).toEqual({
        model: 'mistralai/Mistral-7B-Instruct-v0.3',
        prompt: 'You are a code completer.\n\ndef add(',
        ...sampling,
        ...streaming,
        suffix: '\n',
      })

      const prompt = await received(TEXT, {
        stream: false,
        messages: [{ role: 'user', content: 'def add(' }],
      })
      expect(prompt.headers.accept).toBe('application/json')
      expect(bodyOf(prompt)).toEqual({
        model: 'mistralai/Mistral-7B-Instruct-v0.3',
        prompt: 'def add(',
        stream: false,
      })
    })

    it('Azure: POSTs the chat body without model to the deployment, with api-version and the api-key header', async () => {
      const request = await received(AZURE, {
        messages: conversation,
        ...parameters,
        extraBody: { user: 'gitlab' },
        headers: { 'x-ms-client-request-id': 'r-1' },
      })
      expect(request.method).toBe('POST')
      expect(request.path).toBe(`/openai/deployments/gpt-4o-prod/chat/completions?api-version=${API_VERSION}`)
      expect(request.headers).toMatchObject({
        'api-key': KEY,
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'x-ms-client-request-id': 'r-1',
      })
      expect(request.headers).not.toHaveProperty('authorization')
      expect(bodyOf(request)).toEqual({ messages: conversation, ...sampling, ...streaming, user: 'gitlab' })

      const other = createAzureFormat({ apiVersion: '2025-01-01-preview' })
      const server = await newModelServer()
      await server.script({ chunks: [{ text: JSON.stringify(wire.chatCompletion('ok')) }] })
      const call = callFor(AZURE, server, { stream: false }, { upstreamModel: 'gpt 4o/eu' })
      expect(other.parse(await (await send(other, call)).json(), call).text).toBe('ok')
      const encoded = await server.onlyRequest()
      expect(encoded.path).toBe(
        '/openai/deployments/gpt%204o%2Feu/chat/completions?api-version=2025-01-01-preview',
      )
      expect(bodyOf(encoded)).toEqual({ messages: [{ role: 'user', content: 'Hi' }], stream: false })
    })

    for (const flavour of FLAVOURS) {
      const header = flavour === AZURE ? 'api-key' : 'authorization'
      const sent = (key: string) => (flavour === AZURE ? key : `Bearer ${key}`)

      it(`${flavour.name}: sends whatever key the target holds (dummy_key too), and no ${header} header without one`, async () => {
        for (const key of ['dummy_key', KEY, 'Bearer-looking key/with+chars=']) {
          const request = await received(flavour, { stream: false }, { apiKey: key })
          expect(request.headers[header]).toBe(sent(key))
        }
        const keyless = await received(flavour, {}, { apiKey: undefined })
        expect(keyless.headers).not.toHaveProperty(header)
        expect(keyless.headers).not.toHaveProperty('authorization')
        expect(keyless.headers).not.toHaveProperty('api-key')
      })

      it(`${flavour.name}: operator headers are sent, but never replace or join the ${header} header, whatever their case`, async () => {
        for (const name of [
          header,
          header.toUpperCase(),
          header === 'api-key' ? 'Api-Key' : 'Authorization',
        ]) {
          const request = await received(flavour, {
            headers: { [name]: sent('operator-key'), 'X-Route-Tag': 'blue' },
          })
          expect(request.headers[header]).toBe(sent(KEY))
          expect(request.headers['x-route-tag']).toBe('blue')
          expect(request.headers.accept).toBe('text/event-stream')
        }
      })
    }
  })

  for (const flavour of FLAVOURS) {
    describe(`OpenAI-compatible streams: ${flavour.name} [${target.runtime}]`, () => {
      const frames = flavour.stream(TEXTS, END)
      const text = wire.sseText(frames)

      it('one text event per delta, in order, then finish and usage; the usage: null chunks and [DONE] add nothing', async () => {
        expect(frames.at(-1)).toEqual({ data: '[DONE]' })
        expect(await streamed(flavour, wire.frameChunks(frames, 5))).toEqual({ events: ANSWER })
      })

      it('ignores SSE comments (keep-alives) between and inside events', async () => {
        const ping = ': ping - 2025-01-02 03:04:05.000000+00:00\n\n'
        const chunks = [
          { text: ping },
          ...wire.frameChunks(frames).flatMap((chunk) => [chunk, { text: ping }]),
        ]
        expect(await streamed(flavour, chunks)).toEqual({ events: ANSWER })
        const inside = text.replaceAll('data: ', ': keep-alive\ndata: ')
        expect(await streamed(flavour, [{ text: inside }])).toEqual({ events: ANSWER })
      })

      it('decodes the same when events are cut across chunks (mid-character too), packed into one, or framed with CRLF', async () => {
        for (const size of [7, 64])
          expect(await streamed(flavour, wire.byteChunks(text, size))).toEqual({ events: ANSWER })
        expect(await streamed(flavour, [{ text }])).toEqual({ events: ANSWER })
        expect(await streamed(flavour, [{ text: wire.withCrlf(text) }])).toEqual({ events: ANSWER })
        expect(await streamed(flavour, wire.byteChunks(wire.withCrlf(text), 5))).toEqual({ events: ANSWER })
      })

      it('maps the streamed finish reason, and a stream without a usage chunk has no usage event', async () => {
        const reasons = {
          stop: 'stop',
          length: 'length',
          content_filter: 'content_filter',
          tool_calls: 'tool_calls',
          function_call: 'tool_calls',
          eos_token: 'other',
        }
        for (const [finishReason, reason] of Object.entries(reasons)) {
          const { events } = await streamed(flavour, [
            { text: wire.sseText(flavour.stream(['x'], { finishReason, usage: null })) },
          ])
          expect(events, finishReason).toEqual([
            { type: 'text', text: 'x' },
            { type: 'finish', reason },
          ])
        }
      })

      for (const [shape, payload] of [
        ['{"error": {...}}', wire.vllmStreamError("This model's maximum context length is 4096 tokens.")],
        [
          '{"object": "error", "message"}',
          wire.vllmLegacyStreamError("This model's maximum context length is 4096 tokens."),
        ],
      ] as const) {
        it(`a mid-stream ${shape} ends the stream with ModelStreamError, after the text before it (own chunk or packed)`, async () => {
          const failing: SseFrame[] = [
            ...flavour.head,
            { data: flavour.delta('partial') },
            { data: payload },
            { data: flavour.delta('never') },
            { data: '[DONE]' },
          ]
          for (const chunks of [wire.frameChunks(failing, 5), [{ text: wire.sseText(failing) }]]) {
            const { events, error } = await streamed(flavour, chunks)
            expect(events).toEqual([{ type: 'text', text: 'partial' }])
            expect(error).toBeInstanceOf(ModelStreamError)
            expect((error as Error).message).toContain('maximum context length is 4096 tokens')
          }
        })
      }

      it('is not buffered: the first text arrives while the upstream is still open; cancelling closes the upstream', async () => {
        const server = await newModelServer()
        await server.script({
          headers: SSE_HEADERS,
          chunks: wire.frameChunks([
            ...flavour.head,
            { data: flavour.delta('first') },
            { data: flavour.delta('second') },
          ]),
          hang: true,
        })
        const call = callFor(flavour, server)
        const reader = flavour.format
          .events((await send(flavour.format, call)).body!, call, LIMITS)
          .getReader()
        expect(await within(reader.read(), 5000)).toEqual({
          done: false,
          value: { type: 'text', text: 'first' },
        })
        await reader.cancel()
        const closed = await server.waitForEarlyClose()
        expect(closed.path).toBe(flavour.path(call.target.upstreamModel))
      })

      it('cancelling before the first byte closes the upstream connection', async () => {
        const server = await newModelServer()
        await server.script({ headers: SSE_HEADERS, hang: true })
        const call = callFor(flavour, server)
        await flavour.format.events((await send(flavour.format, call)).body!, call, LIMITS).cancel()
        expect((await server.waitForEarlyClose()).path).toBe(flavour.path(call.target.upstreamModel))
      })
    })
  }

  describe(`OpenAI-compatible answers and error bodies [${target.runtime}]`, () => {
    async function answered(flavour: Flavour, status: number, body: unknown) {
      const server = await newModelServer()
      await server.script({ status, chunks: [{ text: JSON.stringify(body) }] })
      const call = callFor(flavour, server, { stream: false })
      const response = await send(flavour.format, call)
      expect(response.status).toBe(status)
      return { json: (await response.json()) as unknown, call }
    }
    const usage = { inputTokens: 30, outputTokens: 12 }

    it('parses choices[0].message.content of chat (and Azure) answers; null content is empty text', async () => {
      for (const flavour of [CHAT, AZURE]) {
        const answer = await answered(
          flavour,
          200,
          wire.chatCompletion('def add(a, b):\n    return a + b', 'stop'),
        )
        expect(flavour.format.parse(answer.json, answer.call)).toEqual({
          text: 'def add(a, b):\n    return a + b',
          finishReason: 'stop',
          usage,
        })
        const tool = await answered(flavour, 200, wire.chatCompletion(null, 'tool_calls'))
        expect(flavour.format.parse(tool.json, tool.call)).toEqual({
          text: '',
          finishReason: 'tool_calls',
          usage,
        })
      }
    })

    it('parses choices[0].text of text completions', async () => {
      const answer = await answered(TEXT, 200, wire.textCompletion('a, b):\n    return a + b', 'length'))
      expect(TEXT.format.parse(answer.json, answer.call)).toEqual({
        text: 'a, b):\n    return a + b',
        finishReason: 'length',
        usage: { inputTokens: 9, outputTokens: 16 },
      })
    })

    it('maps finish reasons, and leaves out what the answer does not say', () => {
      const call = {} as ModelCall
      const reasons = {
        stop: 'stop',
        length: 'length',
        content_filter: 'content_filter',
        tool_calls: 'tool_calls',
        function_call: 'tool_calls',
        eos_token: 'other',
        abort: 'other',
      }
      for (const [finishReason, expected] of Object.entries(reasons)) {
        expect(
          CHAT.format.parse(wire.chatCompletion('x', finishReason), call).finishReason,
          finishReason,
        ).toBe(expected)
        expect(
          TEXT.format.parse(wire.textCompletion('x', finishReason), call).finishReason,
          finishReason,
        ).toBe(expected)
      }
      expect(
        CHAT.format.parse(
          { choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: null }] },
          call,
        ),
      ).toEqual({ text: 'x' })
      expect(
        TEXT.format.parse({ choices: [{ index: 0, text: 'x', finish_reason: '' }], usage: null }, call),
      ).toEqual({ text: 'x' })
      for (const nonsense of [{}, { choices: [] }, { choices: 'no' }, null, 'text']) {
        expect(CHAT.format.parse(nonsense, call)).toEqual({ text: '' })
        expect(TEXT.format.parse(nonsense, call)).toEqual({ text: '' })
      }
    })

    it("reads OpenAI's {error: {message}}, TGI's {error: \"...\"}, vLLM's {message} and FastAPI's {detail}", async () => {
      const unauthorized = await answered(
        CHAT,
        401,
        wire.openAiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
      )
      const bodies: [unknown, string | undefined][] = [
        [unauthorized.json, 'Incorrect API key provided.'],
        [
          {
            error: 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096',
            error_type: 'validation',
          },
          'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096',
        ],
        [
          wire.vllmLegacyStreamError('The model `llama3` does not exist.'),
          'The model `llama3` does not exist.',
        ],
        [{ detail: 'Not Found' }, 'Not Found'],
        [{ detail: [{ loc: ['body', 'model'], msg: 'Field required', type: 'missing' }] }, undefined],
        [{ unexpected: true }, undefined],
        [null, undefined],
      ]
      for (const flavour of FLAVOURS) {
        for (const [body, message] of bodies)
          expect(flavour.format.errorMessage(body), JSON.stringify(body)).toBe(message)
      }
    })
  })
}
