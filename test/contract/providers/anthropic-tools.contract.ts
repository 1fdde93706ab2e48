/**
 * Native tool calling in the Anthropic Messages wire format, against the fake model server: tools,
 * tool choice and a conversation's tool calls and results as the server receives them; parallel
 * calls in whole and streamed answers; arguments split anywhere (every cut of the arguments, every
 * byte cut of the stream's tool call); invalid JSON; a stream that dies or fails inside a call; a
 * stream that ends with calls open; text and calls mixed.
 */
import { describe, expect, it } from 'vitest'
import { ModelStreamError, type ModelCall, type ModelEvent } from '../../../src/model-call/types.ts'
import { anthropicFormat } from '../../../src/providers/anthropic.ts'
import { bodyOf, newModelServer, type Chunk, type ModelServer, type Step } from '../model-server-client.ts'
import * as wire from '../wire/anthropic.ts'
import { byteChunks, frameChunks, sseText } from '../wire/openai.ts'
import { SSE_HEADERS, type SseFrame } from '../wire/sse.ts'
import {
  ANTHROPIC_CONVERSATION,
  ANTHROPIC_TOOLS,
  blockFrames,
  callEvents,
  CONVERSATION,
  cutAt,
  TOOLS,
  TRICKY_ARGS,
  TRICKY_PARSED,
  utf8Length,
} from './anthropic-tools.cases.ts'
import { drain } from './streams.ts'
import { LIMITS, requestOf, sendUpstream, type ProviderTarget, type TestCall } from './target.ts'

const KEY = 'sk-ant-api03-EXAMPLE_key-AA'
const MODEL = 'claude-sonnet-4-5-20250929'
const format = anthropicFormat

const LIST_SRC: wire.StreamedToolUse = {
  id: 'toolu_01',
  name: 'list_dir',
  pieces: ['{"direc', 'tory": "s', 'rc"}'],
}
const READ_TRICKY: wire.StreamedToolUse = {
  id: 'toolu_02',
  name: 'read_file',
  pieces: [TRICKY_ARGS.slice(0, 25), TRICKY_ARGS.slice(25)],
}
const CUT_OFF = 'the stream ended inside this tool call'

export function anthropicToolsContract(target: ProviderTarget) {
  const send = async (call: ModelCall) => sendUpstream(target.fetch, requestOf(format, call))

  function callFor(server: ModelServer, extra: Partial<TestCall> = {}): TestCall {
    return {
      stream: true,
      messages: [{ role: 'user', content: 'What is in src?' }],
      tools: TOOLS,
      ...extra,
      target: {
        format: 'anthropic',
        provider: 'anthropic',
        upstreamModel: MODEL,
        endpoint: server.url,
        apiKey: KEY,
        requestSuppliedEndpoint: true,
      },
    }
  }

  /** Every step's stream read in turn, through one server scripted with all of them. */
  async function streamedEach(steps: Step[]) {
    const server = await newModelServer()
    await server.script(...steps.map((step) => ({ headers: SSE_HEADERS, times: 1, ...step })))
    const results: { events: ModelEvent[]; error?: unknown }[] = []
    for (const _ of steps) {
      const call = callFor(server)
      const response = await send(call)
      expect(response.status).toBe(200)
      results.push(await drain(format.events(response.body!, call, LIMITS)))
    }
    return results
  }

  const streamed = async (chunks: Chunk[], step: Partial<Step> = {}) =>
    (await streamedEach([{ chunks, ...step }]))[0]!

  /** Makes the call and returns the body the server received. */
  async function received(extra: Partial<TestCall>) {
    const server = await newModelServer()
    const stream = extra.stream ?? true
    await server.script(
      stream
        ? { headers: SSE_HEADERS, chunks: frameChunks(wire.messageStream(['ok'])) }
        : { chunks: [{ text: JSON.stringify(wire.message([wire.textBlock('ok')])) }] },
    )
    const call = callFor(server, extra)
    const response = await send(call)
    expect(response.status).toBe(200)
    if (stream) await drain(format.events(response.body!, call, LIMITS))
    else await response.body?.cancel()
    return bodyOf(await server.onlyRequest())
  }

  describe(`Anthropic tool calling: requests [${target.runtime}]`, () => {
    it('sends the tools as {name, description, input_schema}, and tool_choice only when the call sets one', async () => {
      const choices: [TestCall['toolChoice'], unknown][] = [
        [undefined, undefined],
        ['auto', { type: 'auto' }],
        ['none', { type: 'none' }],
        ['required', { type: 'any' }],
        [{ name: 'read_file' }, { type: 'tool', name: 'read_file' }],
      ]
      for (const [toolChoice, expected] of choices) {
        const body = await received({ toolChoice })
        expect(body.tools, JSON.stringify(toolChoice)).toEqual(ANTHROPIC_TOOLS)
        if (expected === undefined) expect(body).not.toHaveProperty('tool_choice')
        else expect(body.tool_choice).toEqual(expected)
        // Parallel calls stay allowed: no disable_parallel_tool_use anywhere.
        expect(JSON.stringify(body)).not.toContain('disable_parallel_tool_use')
      }
    })

    it('sends no tools and no tool_choice for a call without tools', async () => {
      for (const extra of [{ tools: undefined, toolChoice: 'required' as const }, { tools: [] }]) {
        const body = await received({ stream: false, ...extra })
        expect(body).toEqual({
          model: MODEL,
          max_tokens: 4096,
          messages: [{ role: 'user', content: 'What is in src?' }],
        })
      }
    })

    it('sends a tool round trip as tool_use blocks and one user turn of tool_result blocks, in order', async () => {
      for (const stream of [true, false]) {
        const body = await received({
          stream,
          messages: CONVERSATION,
          toolChoice: 'auto',
          maxTokens: 1024,
          temperature: 0,
        })
        expect(body).toEqual({
          model: MODEL,
          max_tokens: 1024,
          system: 'You are GitLab Duo Chat.',
          messages: ANTHROPIC_CONVERSATION,
          temperature: 0,
          ...(stream ? { stream: true } : {}),
          tools: ANTHROPIC_TOOLS,
          tool_choice: { type: 'auto' },
        })
      }
    })
  })

  describe(`Anthropic tool calling: whole answers [${target.runtime}]`, () => {
    it('parses parallel tool_use blocks into toolCalls, in order, with the text and stop reason tool_use', async () => {
      const server = await newModelServer()
      const answer = wire.message(
        [
          wire.textBlock('Looking.'),
          wire.toolUseBlock('toolu_01', 'list_dir', { directory: 'src' }),
          wire.toolUseBlock('toolu_02', 'read_file', TRICKY_PARSED),
        ],
        'tool_use',
      )
      await server.script({ chunks: [{ text: JSON.stringify(answer) }] })
      const call = callFor(server, { stream: false })
      const response = await send(call)
      expect(format.parse(await response.json(), call)).toEqual({
        text: 'Looking.',
        toolCalls: [
          { id: 'toolu_01', name: 'list_dir', arguments: { directory: 'src' } },
          { id: 'toolu_02', name: 'read_file', arguments: TRICKY_PARSED },
        ],
        finishReason: 'tool_calls',
        usage: { inputTokens: 12, outputTokens: 6 },
      })
    })

    it('makes calls it cannot use invalid, never throws: input not an object, no name; no id or input gets one', () => {
      const call = {} as ModelCall
      const blocks = [
        wire.toolUseBlock('toolu_01', 'read_file', '{"file_path": '),
        wire.toolUseBlock('toolu_02', 'read_file', ['a.ts']),
        wire.toolUseBlock('toolu_03', '', { file_path: 'a.ts' }),
        { type: 'tool_use', name: 'get_time' },
        { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'x' } },
      ]
      expect(format.parse(wire.message(blocks, 'tool_use'), call)).toEqual({
        text: '',
        toolCalls: [{ id: 'call_3', name: 'get_time', arguments: {} }],
        invalidToolCalls: [
          {
            id: 'toolu_01',
            name: 'read_file',
            arguments: '{"file_path": ',
            reason: 'the arguments are not valid JSON',
          },
          {
            id: 'toolu_02',
            name: 'read_file',
            arguments: '["a.ts"]',
            reason: 'the arguments are not a JSON object',
          },
          {
            id: 'toolu_03',
            name: '',
            arguments: '{"file_path":"a.ts"}',
            reason: 'the tool call names no tool',
          },
        ],
        finishReason: 'tool_calls',
        usage: { inputTokens: 12, outputTokens: 6 },
      })
    })
  })

  describe(`Anthropic tool calling: streams [${target.runtime}]`, () => {
    const PARALLEL = wire.toolUseStream([LIST_SRC, READ_TRICKY], ['Looking', '.'])
    const PARALLEL_EVENTS: ModelEvent[] = [
      { type: 'text', text: 'Looking' },
      { type: 'text', text: '.' },
      ...callEvents(0, 'toolu_01', 'list_dir', LIST_SRC.pieces, { directory: 'src' }),
      ...callEvents(1, 'toolu_02', 'read_file', READ_TRICKY.pieces, TRICKY_PARSED),
      { type: 'finish', reason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 25, outputTokens: 15 } },
    ]

    it('streams parallel calls told apart by index (their position among the calls), each ended by its block stop', async () => {
      expect(await streamed(frameChunks(PARALLEL))).toEqual({ events: PARALLEL_EVENTS })
      expect(await streamed([{ text: sseText(PARALLEL) }])).toEqual({ events: PARALLEL_EVENTS })
      expect(await streamed(byteChunks(sseText(PARALLEL), 9))).toEqual({ events: PARALLEL_EVENTS })
    })

    it('assembles the arguments whatever cut splits them: inside a string, an escape, a multi-byte character', async () => {
      const cuts = [...Array(TRICKY_ARGS.length - 1).keys()].map((i) => [
        TRICKY_ARGS.slice(0, i + 1),
        TRICKY_ARGS.slice(i + 1),
      ])
      const streams = cuts.map((pieces) =>
        wire.toolUseStream([{ id: 'toolu_02', name: 'read_file', pieces }]),
      )
      const results = await streamedEach(streams.map((frames) => ({ chunks: frameChunks(frames) })))
      for (const [i, result] of results.entries()) {
        expect(result, JSON.stringify(cuts[i])).toEqual({
          events: [
            ...callEvents(0, 'toolu_02', 'read_file', cuts[i]!, TRICKY_PARSED),
            { type: 'finish', reason: 'tool_calls' },
            { type: 'usage', usage: { inputTokens: 25, outputTokens: 15 } },
          ],
        })
      }
    })

    it('decodes the same for every byte at which the network cuts the tool call frames', async () => {
      // The second call's frames: its arguments hold escapes and 2- and 4-byte characters.
      const text = sseText(PARALLEL)
      const { first, last } = blockFrames(PARALLEL, 2)
      const from = utf8Length(sseText(PARALLEL.slice(0, first)))
      const to = utf8Length(sseText(PARALLEL.slice(0, last + 1)))
      const cuts = [...Array(to - from + 1).keys()].map((i) => from + i)
      expect(sseText(PARALLEL.slice(first, last + 1))).toContain('🎉')
      expect(cuts.length).toBeGreaterThan(400)
      const results = await streamedEach(cuts.map((at) => ({ chunks: cutAt(text, at) })))
      for (const [i, result] of results.entries())
        expect(result, `cut at byte ${cuts[i]}`).toEqual({ events: PARALLEL_EVENTS })
    })

    it('mixes text and calls in block order; a call without input gets {}', async () => {
      const frames: SseFrame[] = [
        wire.messageStart(25),
        wire.contentBlockStart(0),
        wire.textDelta('First.', 0),
        wire.contentBlockStop(0),
        ...wire.toolUseFrames(1, LIST_SRC),
        wire.contentBlockStart(2),
        wire.textDelta('Then.', 2),
        wire.contentBlockStop(2),
        ...wire.toolUseFrames(3, { id: 'toolu_03', name: 'get_time', pieces: [] }),
        wire.messageDelta('tool_use', 40),
        wire.messageStop(),
      ]
      expect(await streamed(frameChunks(frames))).toEqual({
        events: [
          { type: 'text', text: 'First.' },
          ...callEvents(0, 'toolu_01', 'list_dir', LIST_SRC.pieces, { directory: 'src' }),
          { type: 'text', text: 'Then.' },
          ...callEvents(1, 'toolu_03', 'get_time', [], {}),
          { type: 'finish', reason: 'tool_calls' },
          { type: 'usage', usage: { inputTokens: 25, outputTokens: 40 } },
        ],
      })
    })

    it('arguments that are not a JSON object make tool_call_invalid; the other calls still end well', async () => {
      const broken = { id: 'toolu_01', name: 'list_dir', pieces: ['{"directory": "src"', ', oops}'] }
      const array = { id: 'toolu_02', name: 'read_file', pieces: ['["README', '.md"]'] }
      const good = { id: 'toolu_03', name: 'read_file', pieces: ['{"file_path": "a.ts"}'] }
      const { events, error } = await streamed(frameChunks(wire.toolUseStream([broken, array, good])))
      expect(error).toBeUndefined()
      expect(events.filter((e) => e.type !== 'tool_call_start' && e.type !== 'tool_call_delta')).toEqual([
        {
          type: 'tool_call_invalid',
          index: 0,
          call: {
            id: 'toolu_01',
            name: 'list_dir',
            arguments: '{"directory": "src", oops}',
            reason: 'the arguments are not valid JSON',
          },
        },
        {
          type: 'tool_call_invalid',
          index: 1,
          call: {
            id: 'toolu_02',
            name: 'read_file',
            arguments: '["README.md"]',
            reason: 'the arguments are not a JSON object',
          },
        },
        {
          type: 'tool_call_end',
          index: 2,
          call: { id: 'toolu_03', name: 'read_file', arguments: { file_path: 'a.ts' } },
        },
        { type: 'finish', reason: 'tool_calls' },
        { type: 'usage', usage: { inputTokens: 25, outputTokens: 15 } },
      ])
    })

    it('a stream that dies inside a call reports it cut off (with the arguments so far), then the error; ended calls stay ended', async () => {
      // Up to the second call's first piece (its start, the empty piece, the first piece).
      const second = blockFrames(PARALLEL, 2).first
      const { events, error } = await streamed(frameChunks(PARALLEL.slice(0, second + 3)), { destroy: true })
      expect(events).toEqual([
        ...PARALLEL_EVENTS.slice(0, 2 + 5),
        { type: 'tool_call_start', index: 1, id: 'toolu_02', name: 'read_file' },
        { type: 'tool_call_delta', index: 1, arguments: READ_TRICKY.pieces[0] },
        {
          type: 'tool_call_invalid',
          index: 1,
          call: { id: 'toolu_02', name: 'read_file', arguments: READ_TRICKY.pieces[0], reason: CUT_OFF },
        },
      ])
      expect(error).toBeDefined()
      expect(error).not.toBeInstanceOf(ModelStreamError)

      // Dying between calls leaves nothing open: only the error follows.
      const between = await streamed(frameChunks(PARALLEL.slice(0, blockFrames(PARALLEL, 1).last + 1)), {
        destroy: true,
      })
      expect(between.events).toEqual(PARALLEL_EVENTS.slice(0, 2 + 5))
      expect(between.error).toBeDefined()
    })

    it('an event: error inside a call reports it cut off, then ModelStreamError', async () => {
      const frames = [
        ...wire.toolUseStream([LIST_SRC]).slice(0, 4),
        wire.streamError('overloaded_error', 'Overloaded'),
        wire.messageStop(),
      ]
      const { events, error } = await streamed(frameChunks(frames))
      expect(events).toEqual([
        { type: 'tool_call_start', index: 0, id: 'toolu_01', name: 'list_dir' },
        { type: 'tool_call_delta', index: 0, arguments: '{"direc' },
        {
          type: 'tool_call_invalid',
          index: 0,
          call: { id: 'toolu_01', name: 'list_dir', arguments: '{"direc', reason: CUT_OFF },
        },
      ])
      expect(error).toBeInstanceOf(ModelStreamError)
      expect((error as Error).message).toBe('overloaded_error: Overloaded')
    })

    it('a body that ends normally with calls still open ends them, in index order', async () => {
      const frames = [
        wire.messageStart(25),
        wire.toolUseStart(0, 'toolu_01', 'list_dir'),
        wire.toolUseStart(1, 'toolu_02', 'read_file'),
        wire.inputJsonDelta('{"file_path": "a.ts"}', 1),
        wire.inputJsonDelta('{"directory": "src"}', 0),
      ]
      expect(await streamed(frameChunks(frames))).toEqual({
        events: [
          { type: 'tool_call_start', index: 0, id: 'toolu_01', name: 'list_dir' },
          { type: 'tool_call_start', index: 1, id: 'toolu_02', name: 'read_file' },
          { type: 'tool_call_delta', index: 1, arguments: '{"file_path": "a.ts"}' },
          { type: 'tool_call_delta', index: 0, arguments: '{"directory": "src"}' },
          {
            type: 'tool_call_end',
            index: 0,
            call: { id: 'toolu_01', name: 'list_dir', arguments: { directory: 'src' } },
          },
          {
            type: 'tool_call_end',
            index: 1,
            call: { id: 'toolu_02', name: 'read_file', arguments: { file_path: 'a.ts' } },
          },
        ],
      })
    })

    it('only tool_use blocks are calls: server tools, stray pieces and pieces after a block stopped are ignored', async () => {
      const frames = [
        wire.messageStart(25),
        {
          event: 'content_block_start',
          data: {
            type: 'content_block_start',
            index: 0,
            content_block: { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: {} },
          },
        },
        wire.inputJsonDelta('{"query": "gitlab"}', 0),
        wire.contentBlockStop(0),
        wire.inputJsonDelta('{"stray": true}', 7),
        ...wire.toolUseFrames(1, LIST_SRC),
        wire.inputJsonDelta('{"late": true}', 1),
        wire.messageDelta('tool_use', 15),
        wire.messageStop(),
      ]
      expect(await streamed(frameChunks(frames))).toEqual({
        events: [
          ...callEvents(0, 'toolu_01', 'list_dir', LIST_SRC.pieces, { directory: 'src' }),
          { type: 'finish', reason: 'tool_calls' },
          { type: 'usage', usage: { inputTokens: 25, outputTokens: 15 } },
        ],
      })
    })

    it('an input a block start carries whole (not Anthropic, some compatible servers) is used when no pieces replace it', async () => {
      const frames = [
        wire.messageStart(25),
        wire.toolUseStart(0, 'toolu_01', 'list_dir', { directory: 'src' }),
        wire.contentBlockStop(0),
        wire.toolUseStart(1, 'toolu_02', 'read_file', { file_path: 'old.ts' }),
        wire.inputJsonDelta('{"file_path": "new.ts"}', 1),
        wire.contentBlockStop(1),
        wire.toolUseStart(2, 'toolu_03', 'get_time', { zone: 'UTC' }),
      ]
      expect(await streamed(frameChunks(frames))).toEqual({
        events: [
          ...callEvents(0, 'toolu_01', 'list_dir', ['{"directory":"src"}'], { directory: 'src' }),
          ...callEvents(1, 'toolu_02', 'read_file', ['{"file_path": "new.ts"}'], { file_path: 'new.ts' }),
          ...callEvents(2, 'toolu_03', 'get_time', ['{"zone":"UTC"}'], { zone: 'UTC' }),
        ],
      })
    })
  })
}
