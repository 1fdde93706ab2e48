/**
 * Tool calling in the Bedrock Converse wire format, against the fake model server speaking it for
 * real (event-stream frames with their CRCs): tool definitions, choice and a conversation with
 * parallel calls and their results as Bedrock receives them (still signed), whole answers with
 * calls, and streamed calls assembled from pieces cut anywhere, broken, cut off or left open.
 */
import { describe, expect, it } from 'vitest'
import {
  ModelStreamError,
  type ChatMessage,
  type ModelCall,
  type ModelEvent,
  type ToolDefinition,
} from '../../../src/model-call/types.ts'
import { createBedrockFormat, type BedrockOptions } from '../../../src/providers/bedrock.ts'
import { bodyOf, newModelServer, type Chunk, type ModelServer, type Step } from '../model-server-client.ts'
import * as wire from '../wire/bedrock.ts'
import { asSent, verifySigV4 } from '../wire/sigv4-verify.ts'
import { drain, readAll } from './streams.ts'
import { LIMITS, requestOf, sendUpstream, type ProviderTarget, type TestCall } from './target.ts'

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
const SIGV4: BedrockOptions = {
  region: 'us-west-2',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: SECRET,
  now: () => Date.UTC(2025, 5, 1),
}
const CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0'
const LLAMA = 'us.meta.llama3-3-70b-instruct-v1:0'
const ANY_CALL = {} as ModelCall
const CUT_OFF = 'the stream ended inside this tool call'

const READ_FILE: ToolDefinition = {
  name: 'read_file',
  description: 'Read a file of the project',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
}
const GREP: ToolDefinition = {
  name: 'grep',
  description: 'Search the project',
  parameters: {
    type: 'object',
    properties: {
      pattern: { type: 'string' },
      paths: { type: 'array', items: { type: 'string' } },
      mode: { enum: ['fixed', 'regex'] },
    },
    required: ['pattern'],
  },
}
const readFileSpec = {
  toolSpec: {
    name: 'read_file',
    description: 'Read a file of the project',
    inputSchema: { json: READ_FILE.parameters },
  },
}
const grepSpec = {
  toolSpec: { name: 'grep', description: 'Search the project', inputSchema: { json: GREP.parameters } },
}

/** A conversation in which the model called two tools at once, got both results (one failed), and then one more. */
const ROUND_TRIP: ChatMessage[] = [
  { role: 'system', content: 'You are GitLab Duo.' },
  { role: 'user', content: 'Where is the config read?' },
  {
    role: 'assistant',
    content: 'Let me look.',
    toolCalls: [
      { id: 'tooluse_a1', name: 'read_file', arguments: { path: 'src/config.ts' } },
      { id: 'tooluse_b2', name: 'grep', arguments: { pattern: 'loadConfig', paths: ['src', 'test'] } },
    ],
  },
  {
    role: 'tool',
    toolCallId: 'tooluse_a1',
    toolName: 'read_file',
    content: 'export function loadConfig() {}',
  },
  {
    role: 'tool',
    toolCallId: 'tooluse_b2',
    toolName: 'grep',
    content: 'grep: permission denied',
    isError: true,
  },
  { role: 'user', content: 'And the tests?' },
  {
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'tooluse_c3', name: 'read_file', arguments: { path: 'test/config.test.ts' } }],
  },
  { role: 'tool', toolCallId: 'tooluse_c3', toolName: 'read_file', content: '' },
]

/** ROUND_TRIP as Converse messages; `status` only where the model takes it. */
const roundTripMessages = (errorStatus: boolean) => [
  { role: 'user', content: [{ text: 'Where is the config read?' }] },
  {
    role: 'assistant',
    content: [
      { text: 'Let me look.' },
      { toolUse: { toolUseId: 'tooluse_a1', name: 'read_file', input: { path: 'src/config.ts' } } },
      {
        toolUse: {
          toolUseId: 'tooluse_b2',
          name: 'grep',
          input: { pattern: 'loadConfig', paths: ['src', 'test'] },
        },
      },
    ],
  },
  {
    role: 'user',
    content: [
      { toolResult: { toolUseId: 'tooluse_a1', content: [{ text: 'export function loadConfig() {}' }] } },
      {
        toolResult: {
          toolUseId: 'tooluse_b2',
          content: [{ text: 'grep: permission denied' }],
          ...(errorStatus ? { status: 'error' } : {}),
        },
      },
      { text: 'And the tests?' },
    ],
  },
  {
    role: 'assistant',
    content: [
      { toolUse: { toolUseId: 'tooluse_c3', name: 'read_file', input: { path: 'test/config.test.ts' } } },
    ],
  },
  {
    role: 'user',
    content: [{ toolResult: { toolUseId: 'tooluse_c3', content: [{ text: '(no output)' }] } }],
  },
]

/** Arguments as a model writes them: escapes (`\"`, `\\`, `\n`, `\u00e9`), and characters of two, three and four UTF-8 bytes (a surrogate pair). */
const ARGUMENTS_JSON = '{"path":"src/ünï/日本.ts","query":"say \\"hi\\" \\\\ \\n \\u00e9 😀","limit":3}'
const ARGUMENTS = { path: 'src/ünï/日本.ts', query: 'say "hi" \\ \n é 😀', limit: 3 }

export function bedrockToolsContract(target: ProviderTarget) {
  describe(`bedrock tool calling [${target.runtime}]`, () => {
    const callFor = (server: ModelServer, extra: Partial<TestCall> = {}, model = CLAUDE): TestCall => ({
      messages: [{ role: 'user', content: 'Hi' }],
      ...extra,
      target: {
        format: 'bedrock',
        provider: 'bedrock',
        upstreamModel: model,
        endpoint: server.url,
        requestSuppliedEndpoint: false,
      },
    })
    const format = createBedrockFormat(SIGV4)
    const send = (call: TestCall) => sendUpstream(target.fetch, requestOf(format, call))
    const script = (frames: Uint8Array[], extra: Partial<Step> = {}): Step => ({
      headers: wire.EVENT_STREAM_HEADERS,
      chunks: wire.frameChunks(frames),
      ...extra,
    })
    /** The events of one scripted stream. */
    const streamed = async (step: Step) => {
      const server = await newModelServer()
      await server.script(step)
      const response = await send(callFor(server))
      expect(response.status).toBe(200)
      return drain(format.events(response.body!, ANY_CALL, LIMITS))
    }
    /** The bodies Bedrock received for these calls, in order. */
    const bodiesFor = async (calls: Partial<TestCall>[], model = CLAUDE) => {
      const server = await newModelServer()
      await server.script(script(wire.converseStream(['ok'])))
      for (const extra of calls)
        await readAll(format.events((await send(callFor(server, extra, model))).body!, ANY_CALL, LIMITS))
      return (await server.requests()).map(bodyOf)
    }

    it('sends the tools, the choice, and a conversation with parallel calls and their results in Converse shapes, signed', async () => {
      const server = await newModelServer()
      await server.script(script(wire.converseStream(['ok'])))
      const call = callFor(server, {
        messages: ROUND_TRIP,
        tools: [READ_FILE, GREP],
        toolChoice: 'required',
        maxTokens: 4096,
        temperature: 0,
      })
      await readAll(format.events((await send(call)).body!, ANY_CALL, LIMITS))
      const received = await server.onlyRequest()
      expect(received.path).toBe('/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse-stream')
      expect(bodyOf(received)).toEqual({
        messages: roundTripMessages(true),
        system: [{ text: 'You are GitLab Duo.' }],
        inferenceConfig: { maxTokens: 4096, temperature: 0 },
        toolConfig: { tools: [readFileSpec, grepSpec], toolChoice: { any: {} } },
      })
      expect((await verifySigV4(asSent(received, server.url), SECRET)).ok).toBe(true)
    })

    it('maps each tool choice: auto is the default and left out, required is any, one tool is tool, none withholds the tools', async () => {
      const choices: Partial<TestCall>[] = [
        {},
        { toolChoice: 'auto' },
        { toolChoice: 'required' },
        { toolChoice: { name: 'grep' } },
        { toolChoice: 'none' },
      ]
      const bodies = await bodiesFor(choices.map((choice) => ({ tools: [READ_FILE, GREP], ...choice })))
      expect(bodies.map((body) => body.toolConfig)).toEqual([
        { tools: [readFileSpec, grepSpec] },
        { tools: [readFileSpec, grepSpec] },
        { tools: [readFileSpec, grepSpec], toolChoice: { any: {} } },
        { tools: [readFileSpec, grepSpec], toolChoice: { tool: { name: 'grep' } } },
        undefined,
      ])
      expect(bodies[4]).toEqual({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] })
    })

    it('declares tools whenever the conversation holds tool blocks (Converse refuses it otherwise), and sends no status to other models', async () => {
      const bodies = await bodiesFor(
        [{ messages: ROUND_TRIP, tools: [READ_FILE, GREP], toolChoice: 'none' }, { messages: ROUND_TRIP }],
        LLAMA,
      )
      // "none" with tool blocks in the conversation: the tools, without a choice (Converse has no "none").
      expect(bodies[0]!.messages).toEqual(roundTripMessages(false))
      expect(bodies[0]!.toolConfig).toEqual({ tools: [readFileSpec, grepSpec] })
      // No tools at all: the ones the conversation used, in order of first use, with an open schema.
      const used = (name: string) => ({
        toolSpec: {
          name,
          description: 'A tool called earlier in this conversation',
          inputSchema: { json: { type: 'object', properties: {} } },
        },
      })
      expect(bodies[1]!.messages).toEqual(roundTripMessages(false))
      expect(bodies[1]!.toolConfig).toEqual({ tools: [used('read_file'), used('grep')] })
      // A tool without a description: Converse takes none rather than an empty one.
      const [bare] = await bodiesFor([
        { tools: [{ name: 'now', description: '', parameters: { type: 'object', properties: {} } }] },
      ])
      expect(bare!.toolConfig).toEqual({
        tools: [{ toolSpec: { name: 'now', inputSchema: { json: { type: 'object', properties: {} } } } }],
      })
    })

    it('sends exactly the body it always did for a call without tools', async () => {
      const server = await newModelServer()
      await server.script(script(wire.converseStream(['ok'])))
      const messages: ChatMessage[] = [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'Sort a list' },
      ]
      await readAll(
        format.events(
          (await send(callFor(server, { messages, maxTokens: 64, stop: ['\n'] }))).body!,
          ANY_CALL,
          LIMITS,
        ),
      )
      expect((await server.onlyRequest()).body).toBe(
        '{"messages":[{"role":"user","content":[{"text":"Hi"}]},{"role":"assistant","content":[{"text":""}]},{"role":"user","content":[{"text":"Sort a list"}]}],' +
          '"system":[{"text":"Be brief."}],"inferenceConfig":{"maxTokens":64,"stopSequences":["\\n"]}}',
      )
    })

    it('parses a whole answer with text and parallel calls from /converse', async () => {
      const server = await newModelServer()
      await server.script({ chunks: [{ text: JSON.stringify(TOOL_ANSWER) }] })
      const response = await send(callFor(server, { stream: false, tools: [READ_FILE, GREP] }))
      expect((await server.onlyRequest()).path).toBe(
        '/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse',
      )
      expect(format.parse(await response.json(), ANY_CALL)).toEqual({
        text: 'I will read both.',
        toolCalls: [
          { id: 'tooluse_1', name: 'read_file', arguments: { path: 'a.ts' } },
          { id: 'tooluse_2', name: 'grep', arguments: { pattern: 'x', paths: [] } },
        ],
        finishReason: 'tool_calls',
        usage: { inputTokens: 310, outputTokens: 92 },
      })
    })

    it('sorts whole-answer calls it cannot use into invalid calls, in order, never throwing', () => {
      const content = [
        { toolUse: { toolUseId: 'tooluse_1', name: 'read_file', input: ['a.ts'] } },
        { toolUse: { toolUseId: 'tooluse_2', name: 'read_file', input: '{"path": "b.ts"}' } },
        { toolUse: { toolUseId: 'tooluse_3', name: 'grep', input: '{"pattern": ' } },
        { toolUse: { name: 'read_file', input: { path: 'c.ts' } } },
        { toolUse: { toolUseId: 'tooluse_5', input: { path: 'd.ts' } } },
        { toolUse: { toolUseId: 'tooluse_6', name: 'list_files' } },
        { reasoningContent: { reasoningText: { text: 'hmm' } } },
        'junk',
      ]
      const answer = { output: { message: { role: 'assistant', content } }, stopReason: 'tool_use' }
      expect(format.parse(answer, ANY_CALL)).toEqual({
        text: '',
        toolCalls: [
          { id: 'tooluse_2', name: 'read_file', arguments: { path: 'b.ts' } },
          { id: 'call_3', name: 'read_file', arguments: { path: 'c.ts' } },
          { id: 'tooluse_6', name: 'list_files', arguments: {} },
        ],
        invalidToolCalls: [
          {
            id: 'tooluse_1',
            name: 'read_file',
            arguments: '["a.ts"]',
            reason: 'the arguments are not a JSON object',
          },
          {
            id: 'tooluse_3',
            name: 'grep',
            arguments: '{"pattern": ',
            reason: 'the arguments are not valid JSON',
          },
          { id: 'tooluse_5', name: '', arguments: '{"path":"d.ts"}', reason: 'the tool call names no tool' },
        ],
        finishReason: 'tool_calls',
      })
    })

    it('streams parallel calls: start, argument pieces and end per call, told apart by their position among the calls', async () => {
      const frames = wire.converseToolStream([
        { text: ['I will ', 'read both.'] },
        { toolUse: { id: 'tooluse_1', name: 'read_file', input: ['{"pa', 'th": "a.ts"}'] } },
        { toolUse: { id: 'tooluse_2', name: 'grep', input: ['', '{"pattern": "x",', ' "paths": []}'] } },
      ])
      expect(await streamed(script(frames))).toEqual({
        events: [
          { type: 'text', text: 'I will ' },
          { type: 'text', text: 'read both.' },
          { type: 'tool_call_start', index: 0, id: 'tooluse_1', name: 'read_file' },
          { type: 'tool_call_delta', index: 0, arguments: '{"pa' },
          { type: 'tool_call_delta', index: 0, arguments: 'th": "a.ts"}' },
          {
            type: 'tool_call_end',
            index: 0,
            call: { id: 'tooluse_1', name: 'read_file', arguments: { path: 'a.ts' } },
          },
          { type: 'tool_call_start', index: 1, id: 'tooluse_2', name: 'grep' },
          { type: 'tool_call_delta', index: 1, arguments: '{"pattern": "x",' },
          { type: 'tool_call_delta', index: 1, arguments: ' "paths": []}' },
          {
            type: 'tool_call_end',
            index: 1,
            call: { id: 'tooluse_2', name: 'grep', arguments: { pattern: 'x', paths: [] } },
          },
          { type: 'finish', reason: 'tool_calls' },
          { type: 'usage', usage: { inputTokens: 11, outputTokens: 7 } },
        ],
      })
    })

    it('assembles the same call for every cut of its arguments: inside strings, escapes and characters', async () => {
      const cuts = [...Array(ARGUMENTS_JSON.length + 1).keys()]
      const server = await newModelServer()
      await server.script(
        ...cuts.map((at): Step => {
          const pieces = [ARGUMENTS_JSON.slice(0, at), ARGUMENTS_JSON.slice(at)]
          return {
            ...script(
              wire.converseToolStream([{ toolUse: { id: 'tooluse_x', name: 'search', input: pieces } }]),
            ),
            times: 1,
          }
        }),
      )
      for (const at of cuts) {
        const events = await readAll(format.events((await send(callFor(server))).body!, ANY_CALL, LIMITS))
        const deltas = events.flatMap((event) => (event.type === 'tool_call_delta' ? [event.arguments] : []))
        expect(deltas.join(''), `cut at ${at}`).toBe(ARGUMENTS_JSON)
        expect(deltas.length, `cut at ${at}`).toBe(at === 0 || at === ARGUMENTS_JSON.length ? 1 : 2)
        expect(
          events.filter((event) => event.type !== 'tool_call_delta'),
          `cut at ${at}`,
        ).toEqual([
          { type: 'tool_call_start', index: 0, id: 'tooluse_x', name: 'search' },
          {
            type: 'tool_call_end',
            index: 0,
            call: { id: 'tooluse_x', name: 'search', arguments: ARGUMENTS },
          },
          { type: 'finish', reason: 'tool_calls' },
          { type: 'usage', usage: { inputTokens: 11, outputTokens: 7 } },
        ])
      }
    })

    it('assembles the same calls for every cut of the stream bytes (inside frames, headers, payloads and characters)', async () => {
      const frames = wire.converseToolStream([
        {
          toolUse: {
            id: 'tooluse_x',
            name: 'search',
            input: [ARGUMENTS_JSON.slice(0, 30), ARGUMENTS_JSON.slice(30)],
          },
        },
        { toolUse: { id: 'tooluse_y', name: 'read_file', input: ['{"path": "日本.ts"}'] } },
      ])
      const bytes = wire.concat(frames)
      // From the first tool frame to the end of the second call's arguments: every byte boundary.
      const from = frames[0]!.byteLength
      const to = wire.concat(frames.slice(0, 7)).byteLength
      const cuts = Array.from({ length: to - from + 1 }, (_, i) => from + i)
      const server = await newModelServer()
      const chunk = (part: Uint8Array, delayMs: number): Chunk => ({ base64: wire.toBase64(part), delayMs })
      await server.script(
        ...cuts.map((at): Step => ({
          headers: wire.EVENT_STREAM_HEADERS,
          chunks: [chunk(bytes.subarray(0, at), 0), chunk(bytes.subarray(at), 3)],
          times: 1,
        })),
      )
      const expected: ModelEvent[] = [
        { type: 'tool_call_end', index: 0, call: { id: 'tooluse_x', name: 'search', arguments: ARGUMENTS } },
        {
          type: 'tool_call_end',
          index: 1,
          call: { id: 'tooluse_y', name: 'read_file', arguments: { path: '日本.ts' } },
        },
        { type: 'finish', reason: 'tool_calls' },
      ]
      // Eight streams at a time: one after the other, several hundred take seconds.
      for (let batch = 0; batch < cuts.length; batch += 8) {
        const results = await Promise.all(
          cuts
            .slice(batch, batch + 8)
            .map(async () => readAll(format.events((await send(callFor(server))).body!, ANY_CALL, LIMITS))),
        )
        for (const events of results) {
          expect(events.filter((event) => event.type === 'tool_call_end' || event.type === 'finish')).toEqual(
            expected,
          )
          expect(events.filter((event) => event.type === 'tool_call_delta').length).toBe(3)
        }
      }
      expect((await server.requests()).length).toBe(cuts.length)
    })

    it('reports arguments that are not a JSON object as invalid calls, and goes on with the next call', async () => {
      const frames = [
        wire.messageStart(),
        wire.toolUseStart(0, 'read_file', 'tooluse_1'),
        wire.toolInputDelta(0, '{"path": "a.ts"'),
        wire.blockStop(0),
        wire.toolUseStart(1, 'grep', 'tooluse_2'),
        wire.toolInputDelta(1, '["x"]'),
        wire.blockStop(1),
        wire.toolUseStart(2, 'read_file'),
        wire.toolInputDelta(2, '{"path": "b.ts"}'),
        wire.blockStop(2),
        // A piece of a block that never started: a call without a name.
        wire.toolInputDelta(3, '{"path": "c.ts"}'),
        wire.blockStop(3),
        wire.messageStop('tool_use'),
      ]
      expect(await streamed(script(frames))).toEqual({
        events: [
          { type: 'tool_call_start', index: 0, id: 'tooluse_1', name: 'read_file' },
          { type: 'tool_call_delta', index: 0, arguments: '{"path": "a.ts"' },
          {
            type: 'tool_call_invalid',
            index: 0,
            call: {
              id: 'tooluse_1',
              name: 'read_file',
              arguments: '{"path": "a.ts"',
              reason: 'the arguments are not valid JSON',
            },
          },
          { type: 'tool_call_start', index: 1, id: 'tooluse_2', name: 'grep' },
          { type: 'tool_call_delta', index: 1, arguments: '["x"]' },
          {
            type: 'tool_call_invalid',
            index: 1,
            call: {
              id: 'tooluse_2',
              name: 'grep',
              arguments: '["x"]',
              reason: 'the arguments are not a JSON object',
            },
          },
          { type: 'tool_call_start', index: 2, id: 'call_2', name: 'read_file' },
          { type: 'tool_call_delta', index: 2, arguments: '{"path": "b.ts"}' },
          {
            type: 'tool_call_end',
            index: 2,
            call: { id: 'call_2', name: 'read_file', arguments: { path: 'b.ts' } },
          },
          { type: 'tool_call_start', index: 3, id: 'call_3', name: '' },
          { type: 'tool_call_delta', index: 3, arguments: '{"path": "c.ts"}' },
          {
            type: 'tool_call_invalid',
            index: 3,
            call: {
              id: 'call_3',
              name: '',
              arguments: '{"path": "c.ts"}',
              reason: 'the tool call names no tool',
            },
          },
          { type: 'finish', reason: 'tool_calls' },
        ],
      })
    })

    it('reports a call cut off by a dying connection as invalid, then errors the stream', async () => {
      const frames = [
        wire.messageStart(),
        wire.textDeltaAt(0, 'Reading.'),
        wire.blockStop(0),
        wire.toolUseStart(1, 'read_file', 'tooluse_1'),
        wire.toolInputDelta(1, '{"path": "a.'),
      ]
      const { events, error } = await streamed(script(frames, { destroy: true }))
      expect(events).toEqual([
        { type: 'text', text: 'Reading.' },
        { type: 'tool_call_start', index: 0, id: 'tooluse_1', name: 'read_file' },
        { type: 'tool_call_delta', index: 0, arguments: '{"path": "a.' },
        {
          type: 'tool_call_invalid',
          index: 0,
          call: { id: 'tooluse_1', name: 'read_file', arguments: '{"path": "a.', reason: CUT_OFF },
        },
      ])
      expect(error).toBeDefined()
      expect(error).not.toBeInstanceOf(ModelStreamError)
    })

    it('reports open calls as cut off before an exception frame or a truncated frame errors the stream; ended calls stay ended', async () => {
      const head = [
        wire.messageStart(),
        ...[wire.toolUseStart(0, 'grep', 'tooluse_1'), wire.toolInputDelta(0, '{}'), wire.blockStop(0)],
        wire.toolUseStart(1, 'read_file', 'tooluse_2'),
      ]
      const started: ModelEvent[] = [
        { type: 'tool_call_start', index: 0, id: 'tooluse_1', name: 'grep' },
        { type: 'tool_call_delta', index: 0, arguments: '{}' },
        { type: 'tool_call_end', index: 0, call: { id: 'tooluse_1', name: 'grep', arguments: {} } },
        { type: 'tool_call_start', index: 1, id: 'tooluse_2', name: 'read_file' },
        { type: 'tool_call_delta', index: 1, arguments: '{"pa' },
        {
          type: 'tool_call_invalid',
          index: 1,
          call: { id: 'tooluse_2', name: 'read_file', arguments: '{"pa', reason: CUT_OFF },
        },
      ]
      const crash = wire.exceptionFrame('modelStreamErrorException', 'The model crashed')
      const exception = await streamed(script([...head, wire.toolInputDelta(1, '{"pa'), crash]))
      expect(exception.events).toEqual(started)
      expect(exception.error).toBeInstanceOf(ModelStreamError)
      expect((exception.error as Error).message).toBe('modelStreamErrorException: The model crashed')

      const last = wire.toolInputDelta(1, '"}')
      const truncated = await streamed(
        script([...head, wire.toolInputDelta(1, '{"pa'), last.subarray(0, last.byteLength - 3)]),
      )
      expect(truncated.events).toEqual(started)
      expect(truncated.error).toBeInstanceOf(ModelStreamError)
      expect((truncated.error as Error).message).toContain('ended inside a message')
    })

    it('ends calls still open when the message stops or the stream ends normally', async () => {
      const open = [
        wire.messageStart(),
        wire.toolUseStart(0, 'read_file', 'tooluse_1'),
        wire.toolInputDelta(0, '{"path": "a.ts"}'),
      ]
      const ended: ModelEvent[] = [
        { type: 'tool_call_start', index: 0, id: 'tooluse_1', name: 'read_file' },
        { type: 'tool_call_delta', index: 0, arguments: '{"path": "a.ts"}' },
        {
          type: 'tool_call_end',
          index: 0,
          call: { id: 'tooluse_1', name: 'read_file', arguments: { path: 'a.ts' } },
        },
      ]
      expect(await streamed(script([...open, wire.messageStop('tool_use')]))).toEqual({
        events: [...ended, { type: 'finish', reason: 'tool_calls' }],
      })
      expect(await streamed(script(open))).toEqual({ events: ended })
    })

    it('keeps text and calls in upstream order when they alternate', async () => {
      const frames = wire.converseToolStream(
        [
          { text: ['First '] },
          { toolUse: { id: 'tooluse_1', name: 'read_file', input: ['{"path":"a.ts"}'] } },
          { text: ['then '] },
          { toolUse: { id: 'tooluse_2', name: 'read_file', input: ['{"path":', '"b.ts"}'] } },
        ],
        { stopReason: 'end_turn' },
      )
      const { events } = await streamed(script(frames))
      expect(
        events.map((event) =>
          event.type === 'text' ? event.text : `${event.type}${'index' in event ? ` ${event.index}` : ''}`,
        ),
      ).toEqual([
        'First ',
        'tool_call_start 0',
        'tool_call_delta 0',
        'tool_call_end 0',
        'then ',
        'tool_call_start 1',
        'tool_call_delta 1',
        'tool_call_delta 1',
        'tool_call_end 1',
        'finish',
        'usage',
      ])
      expect(events.at(-2)).toEqual({ type: 'finish', reason: 'stop' })
    })
  })
}

/** A Converse answer calling two tools at once after some text, as /converse sends it. */
const TOOL_ANSWER = {
  output: {
    message: {
      role: 'assistant',
      content: [
        { text: 'I will read both.' },
        { toolUse: { toolUseId: 'tooluse_1', name: 'read_file', input: { path: 'a.ts' } } },
        { toolUse: { toolUseId: 'tooluse_2', name: 'grep', input: { pattern: 'x', paths: [] } } },
      ],
    },
  },
  stopReason: 'tool_use',
  usage: { inputTokens: 310, outputTokens: 92, totalTokens: 402 },
  metrics: { latencyMs: 1500 },
}
