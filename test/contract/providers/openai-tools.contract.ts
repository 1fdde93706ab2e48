/**
 * Native tool calling in the OpenAI-compatible formats against the fake model server: the tools,
 * tool choice and tool round trips the server receives; whole answers with parallel calls; streams
 * as OpenAI, vLLM, llama.cpp, Ollama and Mistral write them, cut anywhere, broken, or cut off.
 */
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config.ts'
import { HttpError } from '../../../src/errors.ts'
import { createLogger } from '../../../src/logging.ts'
import {
  ModelStreamError,
  type ModelCall,
  type ModelEvent,
  type ModelTarget,
} from '../../../src/model-call/types.ts'
import { createAzureFormat, openAiChatFormat, openAiTextFormat } from '../../../src/providers/openai.ts'
import { createModelLayer } from '../../../src/providers/registry.ts'
import type { WireFormat } from '../../../src/providers/wire-format.ts'
import { bodyOf, newModelServer, type Chunk, type ModelServer } from '../model-server-client.ts'
import * as wire from '../wire/openai.ts'
import { SSE_HEADERS, type SseFrame } from '../wire/sse.ts'
import {
  ARGS_A,
  ARGS_B,
  CALL_A,
  CALL_B,
  end,
  invalid,
  ROUND_TRIP,
  ROUND_TRIP_WIRE,
  SERVER_STREAMS,
  start,
  TOOLS,
  TOOLS_WIRE,
  toolEvents,
} from './openai-tools.fixtures.ts'
import { drain } from './streams.ts'
import { LIMITS, requestOf, sendUpstream, type ProviderTarget, type TestCall } from './target.ts'

const API_VERSION = '2024-10-21'

interface Flavour {
  name: string
  format: WireFormat
  target: (server: ModelServer) => ModelTarget
  /** What the server sends before the answer. */
  head: SseFrame[]
}

const CHAT: Flavour = {
  name: 'chat completions',
  format: openAiChatFormat,
  target: (server) => ({
    format: 'openai-chat',
    provider: 'custom_openai',
    upstreamModel: 'Qwen/Qwen2.5-Coder-32B-Instruct',
    endpoint: `${server.url}/v1`,
    apiKey: 'dummy_key',
    requestSuppliedEndpoint: true,
  }),
  head: [],
}
const AZURE: Flavour = {
  name: 'Azure OpenAI',
  format: createAzureFormat({ apiVersion: API_VERSION }),
  target: (server) => ({
    format: 'azure',
    provider: 'azure',
    upstreamModel: 'gpt-4o-prod',
    endpoint: server.url,
    apiKey: 'az-key',
    requestSuppliedEndpoint: false,
  }),
  head: [{ data: wire.azurePromptFilterChunk() }],
}

const USAGE: ModelEvent = { type: 'usage', usage: { inputTokens: 45, outputTokens: 28 } }

export function openAiToolsContract(target: ProviderTarget) {
  const callFor = (
    flavour: Flavour,
    server: ModelServer,
    extra: Partial<TestCall> = {},
    targetOverrides: Partial<ModelTarget> = {},
  ): TestCall => ({
    messages: [{ role: 'user', content: 'Where is add defined?' }],
    tools: TOOLS,
    ...extra,
    target: { ...flavour.target(server), ...targetOverrides },
  })

  /** Sends the call to a fresh server that answers with text, and returns what the server received. */
  async function received(
    flavour: Flavour,
    extra: Partial<TestCall> = {},
    targetOverrides: Partial<ModelTarget> = {},
  ) {
    const server = await newModelServer()
    await server.script({ chunks: [{ text: JSON.stringify(wire.chatCompletion('ok')) }] })
    const call = callFor(flavour, server, { stream: false, ...extra }, targetOverrides)
    const response = await sendUpstream(target.fetch, requestOf(flavour.format, call))
    expect(response.status).toBe(200)
    expect(flavour.format.parse(await response.json(), call).text).toBe('ok')
    return server.onlyRequest()
  }

  /** Scripts each list of chunks as one answer (in order), makes one streamed call per answer, and decodes them. */
  async function streamed(flavour: Flavour, ...answers: { chunks: Chunk[]; destroy?: boolean }[]) {
    const server = await newModelServer()
    await server.script(...answers.map((answer) => ({ headers: SSE_HEADERS, times: 1, ...answer })))
    const results: { events: ModelEvent[]; error?: unknown }[] = []
    for (let i = 0; i < answers.length; i++) {
      const call = callFor(flavour, server)
      const response = await sendUpstream(target.fetch, requestOf(flavour.format, call))
      expect(response.status).toBe(200)
      results.push(await drain(flavour.format.events(response.body!, call, LIMITS)))
    }
    return results
  }
  const frames = (flavour: Flavour, list: SseFrame[]) => ({
    chunks: wire.frameChunks([...flavour.head, ...list]),
  })

  describe(`OpenAI-compatible tool calling: requests [${target.runtime}]`, () => {
    it('chat: sends the tools as functions, no tool_choice when none is set, and a round trip with parallel calls as OpenAI messages', async () => {
      const request = await received(CHAT, {
        stream: true,
        messages: ROUND_TRIP,
        maxTokens: 4096,
        temperature: 0,
      })
      expect(request.path).toBe('/v1/chat/completions')
      expect(bodyOf(request)).toEqual({
        model: 'Qwen/Qwen2.5-Coder-32B-Instruct',
        messages: ROUND_TRIP_WIRE,
        tools: TOOLS_WIRE,
        max_tokens: 4096,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      })
    })

    it('Azure: the same tools and messages, without model, at the deployment', async () => {
      const request = await received(AZURE, { messages: ROUND_TRIP, toolChoice: 'auto' })
      expect(request.path).toBe(`/openai/deployments/gpt-4o-prod/chat/completions?api-version=${API_VERSION}`)
      expect(bodyOf(request)).toEqual({
        messages: ROUND_TRIP_WIRE,
        tools: TOOLS_WIRE,
        tool_choice: 'auto',
        stream: false,
      })
    })

    it("sends tool_choice in OpenAI's words, and Mistral's and Fireworks' APIs 'any' for required", async () => {
      const named = { type: 'function', function: { name: 'read_file' } }
      const cases: [string, ModelCall['toolChoice'], unknown][] = [
        ['custom_openai', 'auto', 'auto'],
        ['custom_openai', 'none', 'none'],
        ['custom_openai', 'required', 'required'],
        ['custom_openai', { name: 'read_file' }, named],
        ['openai', 'required', 'required'],
        ['hosted_vllm', 'required', 'required'],
        ['mistral', 'required', 'any'],
        ['codestral', 'required', 'any'],
        ['fireworks_ai', 'required', 'any'],
        ['mistral', 'auto', 'auto'],
        ['mistral', { name: 'read_file' }, named],
      ]
      for (const [provider, toolChoice, sent] of cases) {
        const body = bodyOf(await received(CHAT, { toolChoice }, { provider }))
        expect(body.tool_choice, `${provider} ${JSON.stringify(toolChoice)}`).toEqual(sent)
        expect(body.tools).toEqual(TOOLS_WIRE)
      }
      expect(bodyOf(await received(AZURE, { toolChoice: 'required' })).tool_choice).toBe('required')
    })

    it('a call without tools sends neither tools nor tool_choice', async () => {
      const body = bodyOf(await received(CHAT, { tools: [], toolChoice: 'required' }))
      expect(body).toEqual({
        model: 'Qwen/Qwen2.5-Coder-32B-Instruct',
        messages: [{ role: 'user', content: 'Where is add defined?' }],
        stream: false,
      })
      expect(bodyOf(await received(CHAT, { tools: undefined }))).not.toHaveProperty('tools')
    })

    it('text completions refuse a call with tools, or a conversation with calls, with a 400 before anything is sent', async () => {
      const server = await newModelServer()
      await server.script({ chunks: [{ text: JSON.stringify(wire.textCompletion('ok')) }] })
      const text = {
        format: 'openai-text' as const,
        provider: 'text-completion-openai',
        upstreamModel: 'codegemma-7b',
        endpoint: `${server.url}/v1`,
        requestSuppliedEndpoint: true,
      }
      for (const call of [
        { messages: [{ role: 'user' as const, content: 'def add(' }], tools: TOOLS, target: text },
        { messages: ROUND_TRIP, target: text },
      ]) {
        const error = await requestOf(openAiTextFormat, call).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(HttpError)
        expect(error).toMatchObject({ status: 400 })
        expect((error as Error).message).toBe(
          "'text-completion-openai/' models use the text-completions API, which cannot call tools; use a chat model identifier (such as custom_openai/codegemma-7b)",
        )
      }
      // Through the model client as features use it: the same 400, and the server never hears of it.
      const layer = createModelLayer(
        parseConfig({ AIGW_CUSTOMER_PORTAL_URL: '' }),
        target,
        createLogger({ level: 'error', json: true, sink: () => {} }),
        Date.now,
      )
      const call = { messages: [{ role: 'user' as const, content: 'def add(' }], tools: TOOLS, target: text }
      await expect(layer.client.complete(call)).rejects.toMatchObject({ status: 400 })
      await expect(layer.client.stream(call)).rejects.toMatchObject({ status: 400 })
      expect(await server.requests()).toEqual([])
      // Without tools, the same model still completes.
      expect((await layer.client.complete({ messages: call.messages, target: text })).text).toBe('ok')
    })
  })

  describe(`OpenAI-compatible tool calling: whole answers [${target.runtime}]`, () => {
    async function answered(flavour: Flavour, body: unknown) {
      const server = await newModelServer()
      await server.script({ chunks: [{ text: JSON.stringify(body) }] })
      const call = callFor(flavour, server, { stream: false })
      return flavour.format.parse(
        await (await sendUpstream(target.fetch, requestOf(flavour.format, call))).json(),
        call,
      )
    }
    const pieceOf = (call: typeof CALL_A, text: string) => ({
      id: call.id,
      type: 'function',
      name: call.name,
      arguments: text,
    })

    it('parses parallel calls in order (content null), with finish reason tool_calls and usage', async () => {
      for (const flavour of [CHAT, AZURE]) {
        const answer = await answered(
          flavour,
          wire.toolCallCompletion(null, [pieceOf(CALL_A, ARGS_A), pieceOf(CALL_B, ARGS_B)]),
        )
        expect(answer, flavour.name).toEqual({
          text: '',
          toolCalls: [CALL_A, CALL_B],
          finishReason: 'tool_calls',
          usage: { inputTokens: 45, outputTokens: 28 },
        })
      }
    })

    it('keeps the text said with the calls; a stop that ends with calls is the model stopping to call tools (Ollama)', async () => {
      const answer = await answered(
        CHAT,
        wire.toolCallCompletion('Let me search.', [pieceOf(CALL_A, ARGS_A)], 'stop'),
      )
      expect(answer).toMatchObject({
        text: 'Let me search.',
        toolCalls: [CALL_A],
        finishReason: 'tool_calls',
      })
      expect(answer).not.toHaveProperty('invalidToolCalls')
      expect(await answered(CHAT, wire.toolCallCompletion('x', [], 'stop'))).toEqual({
        text: 'x',
        finishReason: 'stop',
        usage: { inputTokens: 45, outputTokens: 28 },
      })
    })

    it('sorts out calls whose arguments are not a JSON object, keeps the usable ones, and fills in what servers leave out', async () => {
      const answer = await answered(
        CHAT,
        wire.toolCallCompletion(null, [
          pieceOf(CALL_A, '{"pattern": "def add(",'),
          { id: 'call_2', type: 'function', name: 'grep', arguments: '["def add("]' },
          { type: 'function', name: 'read_file', arguments: { file_path: 'lib/math.py' } },
          { id: '', name: 'list_dir', arguments: '' },
          pieceOf(CALL_B, ARGS_B),
        ]),
      )
      expect(answer.toolCalls).toEqual([
        { id: 'call_2', name: 'read_file', arguments: { file_path: 'lib/math.py' } },
        { id: 'call_3', name: 'list_dir', arguments: {} },
        CALL_B,
      ])
      expect(answer.invalidToolCalls).toEqual([
        {
          id: CALL_A.id,
          name: 'grep',
          arguments: '{"pattern": "def add(",',
          reason: 'the arguments are not valid JSON',
        },
        {
          id: 'call_2',
          name: 'grep',
          arguments: '["def add("]',
          reason: 'the arguments are not a JSON object',
        },
      ])
      expect(answer.finishReason).toBe('tool_calls')
    })
  })

  describe(`OpenAI-compatible tool calling: streams [${target.runtime}]`, () => {
    const openAiStream = (options: { texts?: string[]; finishReason?: string } = {}) =>
      wire.toolCallStream(
        [
          {
            id: CALL_A.id,
            name: CALL_A.name,
            pieces: ['{"pattern":', '"def add(",', '"paths":["lib/","test/"]}'],
          },
          {
            id: CALL_B.id,
            name: CALL_B.name,
            pieces: [ARGS_B.slice(0, 20), ARGS_B.slice(20, 41), ARGS_B.slice(41)],
          },
        ],
        options,
      )

    it('parallel calls: each started, its argument pieces as they come, then both ended when the message finishes', async () => {
      for (const flavour of [CHAT, AZURE]) {
        const [result] = await streamed(flavour, frames(flavour, openAiStream()))
        expect(result, flavour.name).toEqual({
          events: [
            ...toolEvents(0, CALL_A, ['{"pattern":', '"def add(",', '"paths":["lib/","test/"]}']),
            ...toolEvents(1, CALL_B, [ARGS_B.slice(0, 20), ARGS_B.slice(20, 41), ARGS_B.slice(41)]),
            end(0, CALL_A),
            end(1, CALL_B),
            { type: 'finish', reason: 'tool_calls' },
            USAGE,
          ],
        })
      }
    })

    it('text and calls mixed: the text first, as it comes, then the calls', async () => {
      const [result] = await streamed(
        CHAT,
        frames(CHAT, openAiStream({ texts: ['I will search ', 'first.'] })),
      )
      expect(result!.events.slice(0, 3)).toEqual([
        { type: 'text', text: 'I will search ' },
        { type: 'text', text: 'first.' },
        start(0, CALL_A),
      ])
      // One delta with both (llama.cpp can send them together): the text, then the piece.
      const [both] = await streamed(
        CHAT,
        frames(CHAT, [
          {
            data: wire.toolChunk(
              [{ index: 0, id: CALL_A.id, type: 'function', name: CALL_A.name, arguments: ARGS_A }],
              'tool_calls',
              'On it.',
            ),
          },
        ]),
      )
      expect(both!.events).toEqual([
        { type: 'text', text: 'On it.' },
        ...toolEvents(0, CALL_A, [ARGS_A]),
        end(0, CALL_A),
        { type: 'finish', reason: 'tool_calls' },
      ])
    })

    it('the same calls whatever piece the arguments are cut into: inside a string, an escape, a multi-byte character', async () => {
      const cuts = Array.from({ length: ARGS_B.length + 1 }, (_, at) =>
        [ARGS_B.slice(0, at), ARGS_B.slice(at)].filter(Boolean),
      )
      const answers = cuts.map((pieces) =>
        frames(
          CHAT,
          wire.toolCallStream([
            { id: CALL_A.id, name: CALL_A.name, pieces: [ARGS_A] },
            { id: CALL_B.id, name: CALL_B.name, pieces },
          ]),
        ),
      )
      const results = await streamed(CHAT, ...answers)
      for (const [n, result] of results.entries()) {
        expect(result, JSON.stringify(cuts[n])).toEqual({
          events: [
            ...toolEvents(0, CALL_A, [ARGS_A]),
            ...toolEvents(1, CALL_B, cuts[n]!),
            end(0, CALL_A),
            end(1, CALL_B),
            { type: 'finish', reason: 'tool_calls' },
            USAGE,
          ],
        })
      }
    })

    it('the same calls whatever byte the network cuts the stream at', async () => {
      const compact = (delta: unknown, finish: string | null = null) => ({
        data: { choices: [{ index: 0, delta, finish_reason: finish }] },
      })
      const text = wire.sseText([
        compact({
          tool_calls: [
            wire.toolPiece({
              index: 0,
              id: CALL_A.id,
              type: 'function',
              name: CALL_A.name,
              arguments: ARGS_A,
            }),
          ],
        }),
        compact({
          tool_calls: [
            wire.toolPiece({
              index: 1,
              id: CALL_B.id,
              type: 'function',
              name: CALL_B.name,
              arguments: ARGS_B,
            }),
          ],
        }),
        compact({}, 'tool_calls'),
        { data: '[DONE]' },
      ])
      const bytes = new TextEncoder().encode(text).byteLength
      const expected = [
        ...toolEvents(0, CALL_A, [ARGS_A]),
        ...toolEvents(1, CALL_B, [ARGS_B]),
        end(0, CALL_A),
        end(1, CALL_B),
        { type: 'finish', reason: 'tool_calls' },
      ]
      // Every cut gives the same events, so the answers may be taken in any order: a few at a time.
      const cuts = Array.from({ length: bytes - 1 }, (_, i) => i + 1)
      const server = await newModelServer()
      await server.script(
        ...cuts.map((at) => ({ headers: SSE_HEADERS, times: 1, chunks: wire.cutAt(text, at) })),
      )
      const one = async () => {
        const call = callFor(CHAT, server)
        return drain(
          CHAT.format.events(
            (await sendUpstream(target.fetch, requestOf(CHAT.format, call))).body!,
            call,
            LIMITS,
          ),
        )
      }
      for (let from = 0; from < cuts.length; from += 8) {
        const results = await Promise.all(cuts.slice(from, from + 8).map(one))
        for (const result of results)
          expect(result, `cuts from byte ${cuts[from]}`).toEqual({ events: expected })
      }
      expect((await server.requests()).length).toBe(cuts.length)
    })

    it('servers that stream calls their own way: each call told apart, numbered by its position in the message', async () => {
      const results = await streamed(CHAT, ...SERVER_STREAMS.map(([, list]) => frames(CHAT, list)))
      for (const [n, [server, , events]] of SERVER_STREAMS.entries())
        expect(results[n], server).toEqual({ events })
    })

    it('arguments that are not a JSON object make an invalid call; the other calls are not affected', async () => {
      const broken = '{"file_path": "lib/a.py"'
      const [result] = await streamed(
        CHAT,
        frames(
          CHAT,
          wire.toolCallStream([
            { id: CALL_A.id, name: CALL_A.name, pieces: [ARGS_A] },
            { id: CALL_B.id, name: CALL_B.name, pieces: [broken.slice(0, 9), broken.slice(9)] },
            { id: 'call_Zz3', name: 'grep', pieces: ['"def add("'] },
          ]),
        ),
      )
      expect(result!.events.slice(-5)).toEqual([
        end(0, CALL_A),
        invalid(1, CALL_B, broken, 'the arguments are not valid JSON'),
        invalid(2, { id: 'call_Zz3', name: 'grep' }, '"def add("', 'the arguments are not a JSON object'),
        { type: 'finish', reason: 'tool_calls' },
        USAGE,
      ])
      // Cut off by max_tokens: the call ends with the message, invalid, and the finish says why.
      const [length] = await streamed(
        CHAT,
        frames(
          CHAT,
          wire.toolCallStream([{ id: CALL_B.id, name: CALL_B.name, pieces: [ARGS_B.slice(0, 30)] }], {
            finishReason: 'length',
          }),
        ),
      )
      expect(length!.events.slice(-3)).toEqual([
        invalid(0, CALL_B, ARGS_B.slice(0, 30), 'the arguments are not valid JSON'),
        { type: 'finish', reason: 'length' },
        USAGE,
      ])
    })

    it('a stream that dies inside a call reports the open calls cut off, then fails', async () => {
      const partial = [...CHAT.head, ...openAiStream().slice(0, 7)] // role, A (4 chunks), B's start and first piece
      const [result] = await streamed(CHAT, { chunks: wire.frameChunks(partial), destroy: true })
      expect(result!.events).toEqual([
        ...toolEvents(0, CALL_A, ['{"pattern":', '"def add(",', '"paths":["lib/","test/"]}']),
        ...toolEvents(1, CALL_B, [ARGS_B.slice(0, 20)]),
        invalid(0, CALL_A, ARGS_A, 'the stream ended inside this tool call'),
        invalid(1, CALL_B, ARGS_B.slice(0, 20), 'the stream ended inside this tool call'),
      ])
      expect(result!.error).toBeDefined()
      expect(result!.error).not.toBeInstanceOf(ModelStreamError)
    })

    it('an error the server reports inside a call: the call cut off, then the ModelStreamError', async () => {
      const failing = [
        ...openAiStream().slice(0, 3),
        { data: wire.vllmStreamError('CUDA out of memory') },
        ...openAiStream().slice(3),
      ]
      const [result] = await streamed(CHAT, frames(CHAT, failing))
      expect(result!.events).toEqual([
        start(0, CALL_A),
        { type: 'tool_call_delta', index: 0, arguments: '{"pattern":' },
        invalid(0, CALL_A, '{"pattern":', 'the stream ended inside this tool call'),
      ])
      expect(result!.error).toBeInstanceOf(ModelStreamError)
      expect((result!.error as Error).message).toBe('CUDA out of memory')
    })

    it('a stream that ends without finishing the message still ends its calls', async () => {
      const [result] = await streamed(CHAT, frames(CHAT, openAiStream().slice(0, 5)))
      expect(result).toEqual({
        events: [
          ...toolEvents(0, CALL_A, ['{"pattern":', '"def add(",', '"paths":["lib/","test/"]}']),
          end(0, CALL_A),
        ],
      })
    })
  })
}
