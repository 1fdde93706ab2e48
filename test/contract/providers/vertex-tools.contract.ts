/**
 * Gemini's native function calling on Vertex AI, against the fake model server speaking
 * generateContent for real: tool declarations and the tool choice in the body, a conversation's
 * calls and results as functionCall / functionResponse parts, whole and streamed answers with
 * parallel calls, streams cut at every byte, calls Gemini wrote wrong, and streams that die.
 */
import { describe, expect, inject, it } from 'vitest'
import { anthropicWire } from '../../../src/providers/anthropic.ts'
import type { ModelEvent, ModelResult } from '../../../src/model-call/types.ts'
import { createServiceAccountTokenSource } from '../../../src/providers/vertex-token.ts'
import { createVertexFormat } from '../../../src/providers/vertex.ts'
import type { WireFormat } from '../../../src/providers/wire-format.ts'
import {
  bodyOf,
  newModelServer,
  type Chunk,
  type ModelServer,
  type Received,
  type Step,
} from '../model-server-client.ts'
import {
  cutAt,
  functionCallPart,
  GEMINI_SSE_HEADERS,
  geminiResponse,
  geminiSseChunks,
  streamText,
  thoughtPart,
} from '../wire/vertex.ts'
import {
  CONVERSATION,
  delta,
  end,
  expectedContents,
  invalid,
  start,
  TOOLS,
  wholeCall,
} from './vertex-tools.cases.ts'
import { drain } from './streams.ts'
import { LIMITS, requestOf, sendUpstream, type ProviderTarget, type TestCall } from './target.ts'

const MODEL_PATH = '/v1/projects/my-project/locations/us-central1'
const USAGE = { type: 'usage', usage: { inputTokens: 20, outputTokens: 12 } } as const

const stop = () => geminiResponse({ finishReason: 'STOP', usage: { prompt: 20, candidates: 12 } })
const sseStep = (chunks: Chunk[], extra: Partial<Step> = {}): Step => ({
  match: '/v1/',
  headers: GEMINI_SSE_HEADERS,
  chunks,
  ...extra,
})
const jsonStep = (answer: unknown, extra: Partial<Step> = {}): Step => ({
  match: '/v1/',
  chunks: [{ text: JSON.stringify(answer) }],
  ...extra,
})

function serviceAccountJson(server: ModelServer): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'my-project',
    private_key_id: 'key-id-1',
    private_key: inject('gatewayKeys').signing,
    client_email: 'aigw@my-project.iam.gserviceaccount.com',
    token_uri: `${server.url}/token`,
  })
}

function geminiCall(
  server: ModelServer,
  request: Partial<TestCall> = {},
  model = 'gemini-2.5-flash',
): TestCall {
  return {
    messages: [{ role: 'user', content: 'Fix work item 7' }],
    tools: TOOLS,
    ...request,
    target: {
      format: 'vertex',
      provider: 'vertex_ai',
      upstreamModel: model,
      endpoint: `${server.url}${MODEL_PATH}`,
      requestSuppliedEndpoint: false,
    },
  }
}

export function vertexToolsContract(target: ProviderTarget) {
  const fetch = target.fetch

  /** The format, with the fake as Google's token endpoint (one grant) and as Vertex (the steps after it). */
  async function gemini(server: ModelServer, ...steps: Step[]): Promise<WireFormat> {
    const token = JSON.stringify({ access_token: 'ya29.tools', expires_in: 3600, token_type: 'Bearer' })
    await server.script({ match: '/token', times: 1, chunks: [{ text: token }] }, ...steps)
    const tokens = createServiceAccountTokenSource({ serviceAccountJson: serviceAccountJson(server), fetch })
    return createVertexFormat({ tokens, anthropic: anthropicWire })
  }

  async function modelRequests(server: ModelServer): Promise<Received[]> {
    return (await server.requests()).filter((received) => received.path.startsWith('/v1/'))
  }

  async function streamed(
    format: WireFormat,
    call: TestCall,
  ): Promise<{ events: ModelEvent[]; error?: unknown }> {
    const response = await sendUpstream(fetch, requestOf(format, { ...call, stream: true }))
    expect(response.status).toBe(200)
    return drain(format.events(response.body!, call, LIMITS))
  }

  async function answered(format: WireFormat, call: TestCall): Promise<ModelResult> {
    const response = await sendUpstream(fetch, requestOf(format, { ...call, stream: false }))
    expect(response.status).toBe(200)
    return format.parse(await response.json(), call)
  }

  describe(`Vertex AI Gemini tool calling: the request [${target.runtime}]`, () => {
    it('declares the tools with their JSON Schema as it is, and sends a tool round trip with parallel calls as Gemini parts', async () => {
      const server = await newModelServer()
      const format = await gemini(
        server,
        jsonStep(geminiResponse({ texts: ['Done.'], finishReason: 'STOP' })),
      )
      const call = geminiCall(server, { messages: CONVERSATION, temperature: 0 })
      expect(await answered(format, call)).toEqual({ text: 'Done.', finishReason: 'stop' })

      const [received, ...more] = await modelRequests(server)
      expect(more).toEqual([])
      expect(received?.path).toBe(`${MODEL_PATH}/publishers/google/models/gemini-2.5-flash:generateContent`)
      expect(bodyOf(received!)).toEqual({
        contents: expectedContents(),
        systemInstruction: { parts: [{ text: 'You are GitLab Duo.' }] },
        tools: [
          {
            functionDeclarations: [
              {
                name: 'get_work_item',
                description: 'Get a work item of a project or group',
                parametersJsonSchema: TOOLS[0]!.parameters,
              },
              {
                name: 'create_commit',
                description: 'Commit file changes to a branch',
                parametersJsonSchema: TOOLS[1]!.parameters,
              },
              { name: 'get_current_user', description: 'The user of this session' },
            ],
          },
        ],
        generationConfig: { temperature: 0 },
      })
    })

    it("Gemini 3 models get Google's unsigned-call value on each model turn's first call; earlier ones get none", async () => {
      const server = await newModelServer()
      const format = await gemini(server, jsonStep(geminiResponse({ texts: ['ok'] })))
      const models: [string, string | undefined][] = [
        ['gemini-3-pro-preview', 'skip_thought_signature_validator'],
        ['gemini-3.1-flash', 'skip_thought_signature_validator'],
        ['gemini-2.5-pro', undefined],
        ['gemini-2.0-flash-001', undefined],
      ]
      for (const [model] of models)
        await answered(format, geminiCall(server, { messages: CONVERSATION }, model))
      const received = await modelRequests(server)
      expect(received).toHaveLength(models.length)
      for (const [index, [model, signature]] of models.entries()) {
        expect(received[index]!.path, model).toContain(`/models/${model}:generateContent`)
        expect(bodyOf(received[index]!).contents, model).toEqual(expectedContents(signature))
      }
    })

    it('maps the tool choice to functionCallingConfig; no choice sends no toolConfig (Gemini decides, as with AUTO)', async () => {
      const server = await newModelServer()
      const format = await gemini(server, jsonStep(geminiResponse({ texts: ['ok'] })))
      const choices: [TestCall['toolChoice'], unknown][] = [
        [undefined, undefined],
        ['auto', { functionCallingConfig: { mode: 'AUTO' } }],
        ['none', { functionCallingConfig: { mode: 'NONE' } }],
        ['required', { functionCallingConfig: { mode: 'ANY' } }],
        [
          { name: 'create_commit' },
          { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['create_commit'] } },
        ],
      ]
      for (const [toolChoice] of choices)
        await answered(format, geminiCall(server, toolChoice ? { toolChoice } : {}))
      const received = await modelRequests(server)
      expect(received).toHaveLength(choices.length)
      for (const [index, [choice, toolConfig]] of choices.entries()) {
        const body = bodyOf(received[index]!)
        expect(body.toolConfig, JSON.stringify(choice)).toEqual(toolConfig)
        expect(body.tools).toHaveLength(1)
      }
    })
  })

  describe(`Vertex AI Gemini tool calling: answers [${target.runtime}]`, () => {
    const lookUp = [
      thoughtPart('The user wants work item 7.'),
      { text: 'Let me look.' },
      functionCallPart(
        'get_work_item',
        { project_id: 42, work_item_iid: 7 },
        { thoughtSignature: 'CiQBjz1rX0ilumvP' },
      ),
      functionCallPart('get_current_user', undefined),
    ]

    it('a whole answer with parallel calls: text without thoughts, calls in order with made-up or given ids, finish tool_calls', async () => {
      const server = await newModelServer()
      const withIds = [
        functionCallPart('list_dir', { directory: 'src' }, { id: 'fc-1' }),
        functionCallPart('list_dir', { directory: 'test' }, { id: 'fc-2' }),
      ]
      const format = await gemini(
        server,
        jsonStep(
          geminiResponse({ parts: lookUp, finishReason: 'STOP', usage: { prompt: 30, candidates: 14 } }),
          { times: 1 },
        ),
        jsonStep(geminiResponse({ parts: withIds, finishReason: 'STOP' }), { times: 1 }),
      )
      const call = geminiCall(server)
      expect(await answered(format, call)).toEqual({
        text: 'Let me look.',
        toolCalls: [
          { id: 'call_0', name: 'get_work_item', arguments: { project_id: 42, work_item_iid: 7 } },
          { id: 'call_1', name: 'get_current_user', arguments: {} },
        ],
        finishReason: 'tool_calls',
        usage: { inputTokens: 30, outputTokens: 14 },
      })
      expect(await answered(format, call)).toEqual({
        text: '',
        toolCalls: [
          { id: 'fc-1', name: 'list_dir', arguments: { directory: 'src' } },
          { id: 'fc-2', name: 'list_dir', arguments: { directory: 'test' } },
        ],
        finishReason: 'tool_calls',
      })
    })

    it('a streamed answer with parallel calls across chunks: each call whole (start, one delta, end), indexes in answer order', async () => {
      const server = await newModelServer()
      const payloads = [
        geminiResponse({ parts: lookUp.slice(0, 1), usage: { prompt: 20, candidates: 3 } }),
        geminiResponse({ parts: lookUp.slice(1) }),
        geminiResponse({ parts: [functionCallPart('list_dir', { directory: 'src' }, { id: 'fc-9' })] }),
        stop(),
      ]
      const format = await gemini(server, sseStep(geminiSseChunks(payloads, 5)))
      expect(await streamed(format, geminiCall(server))).toEqual({
        events: [
          { type: 'text', text: 'Let me look.' },
          ...wholeCall(0, 'call_0', 'get_work_item', { project_id: 42, work_item_iid: 7 }),
          // No `args` at all: nothing to stream, the call has no arguments.
          start(1, 'call_1', 'get_current_user'),
          end(1, 'call_1', 'get_current_user', {}),
          ...wholeCall(2, 'fc-9', 'list_dir', { directory: 'src' }),
          { type: 'finish', reason: 'tool_calls' },
          USAGE,
        ],
      })
    })

    it('keeps text and calls in the order of their parts, streamed and whole; only a turn ended by STOP becomes tool_calls', async () => {
      const server = await newModelServer()
      const parts = [
        { text: 'First ' },
        functionCallPart('read_file', { file_path: 'a.rb' }),
        { text: 'then ' },
        functionCallPart('read_file', { file_path: 'b.rb' }),
      ]
      const format = await gemini(
        server,
        sseStep(geminiSseChunks([geminiResponse({ parts }), stop()]), { times: 1 }),
        jsonStep(geminiResponse({ parts, finishReason: 'STOP', usage: { prompt: 20, candidates: 12 } }), {
          times: 1,
        }),
        jsonStep(geminiResponse({ parts: parts.slice(1, 2), finishReason: 'MAX_TOKENS' }), { times: 1 }),
      )
      const call = geminiCall(server)
      expect(await streamed(format, call)).toEqual({
        events: [
          { type: 'text', text: 'First ' },
          ...wholeCall(0, 'call_0', 'read_file', { file_path: 'a.rb' }),
          { type: 'text', text: 'then ' },
          ...wholeCall(1, 'call_1', 'read_file', { file_path: 'b.rb' }),
          { type: 'finish', reason: 'tool_calls' },
          USAGE,
        ],
      })
      expect(await answered(format, call)).toEqual({
        text: 'First then ',
        toolCalls: [
          { id: 'call_0', name: 'read_file', arguments: { file_path: 'a.rb' } },
          { id: 'call_1', name: 'read_file', arguments: { file_path: 'b.rb' } },
        ],
        finishReason: 'tool_calls',
        usage: { inputTokens: 20, outputTokens: 12 },
      })
      expect(await answered(format, call)).toEqual({
        text: '',
        toolCalls: [{ id: 'call_0', name: 'read_file', arguments: { file_path: 'a.rb' } }],
        finishReason: 'length',
      })
    })

    it('calls Gemini wrote wrong become invalid calls with the reason, streamed and whole; the valid ones around them stay', async () => {
      const server = await newModelServer()
      const parts = [
        // `args` as JSON text (a proxy in between): read as the arguments' text.
        functionCallPart('read_file', '{"file_path": "README.md"}'),
        functionCallPart('read_file', '{"file_path": "READ'),
        functionCallPart('grep', ['TODO']),
        functionCallPart(undefined, { directory: 'src' }),
      ]
      const format = await gemini(
        server,
        sseStep(geminiSseChunks([geminiResponse({ parts }), stop()]), { times: 1 }),
        jsonStep(geminiResponse({ parts, finishReason: 'STOP' }), { times: 1 }),
      )
      const call = geminiCall(server)
      const notJson = 'the arguments are not valid JSON'
      const notObject = 'the arguments are not a JSON object'
      const noName = 'the tool call names no tool'
      expect(await streamed(format, call)).toEqual({
        events: [
          start(0, 'call_0', 'read_file'),
          delta(0, '{"file_path": "README.md"}'),
          end(0, 'call_0', 'read_file', { file_path: 'README.md' }),
          start(1, 'call_1', 'read_file'),
          delta(1, '{"file_path": "READ'),
          invalid(1, 'call_1', 'read_file', '{"file_path": "READ', notJson),
          start(2, 'call_2', 'grep'),
          delta(2, '["TODO"]'),
          invalid(2, 'call_2', 'grep', '["TODO"]', notObject),
          start(3, 'call_3', ''),
          delta(3, '{"directory":"src"}'),
          invalid(3, 'call_3', '', '{"directory":"src"}', noName),
          { type: 'finish', reason: 'tool_calls' },
          USAGE,
        ],
      })
      expect(await answered(format, call)).toEqual({
        text: '',
        toolCalls: [{ id: 'call_0', name: 'read_file', arguments: { file_path: 'README.md' } }],
        invalidToolCalls: [
          { id: 'call_1', name: 'read_file', arguments: '{"file_path": "READ', reason: notJson },
          { id: 'call_2', name: 'grep', arguments: '["TODO"]', reason: notObject },
          { id: 'call_3', name: '', arguments: '{"directory":"src"}', reason: noName },
        ],
        finishReason: 'tool_calls',
      })
    })
  })

  describe(`Vertex AI Gemini tool calling: streams cut anywhere, and streams that end early [${target.runtime}]`, () => {
    const file = { file_path: 'docs/café.md', contents: 'Line "one"\n\t🎉 über\\' }
    const grep = { keywords: '日本語, naïve' }
    const payloads = [
      geminiResponse({
        texts: ['Ça marche 🎉 '],
        parts: [
          functionCallPart('create_file_with_contents', file, { thoughtSignature: 'CiQBjz1r+X0i/lumvP==' }),
        ],
      }),
      geminiResponse({
        parts: [functionCallPart('grep', grep)],
        finishReason: 'STOP',
        usage: { prompt: 20, candidates: 12 },
      }),
    ]
    // One character as a JSON escape, so that cuts also fall inside `\u00e9`.
    const text = streamText(geminiSseChunks(payloads)).replace('café', 'caf\\u00e9')
    const expected: ModelEvent[] = [
      { type: 'text', text: 'Ça marche 🎉 ' },
      ...wholeCall(0, 'call_0', 'create_file_with_contents', file),
      ...wholeCall(1, 'call_1', 'grep', grep),
      { type: 'finish', reason: 'tool_calls' },
      USAGE,
    ]

    it('decodes the same events whichever byte the stream is cut at (fields, JSON strings, escapes, multi-byte characters, CRLF)', async () => {
      const bytes = new TextEncoder().encode(text).byteLength
      expect(text).toContain('caf\\u00e9')
      const cuts = Array.from({ length: bytes - 1 }, (_, index) => index + 1)
      const server = await newModelServer()
      const format = await gemini(
        server,
        sseStep([{ text }], { times: 1 }),
        ...cuts.map((at) => sseStep(cutAt(text, at, 1), { times: 1 })),
      )
      const call = geminiCall(server)
      expect(await streamed(format, call)).toEqual({ events: expected })
      for (const at of cuts)
        expect(await streamed(format, call), `cut after byte ${at} of ${bytes}`).toEqual({ events: expected })
      expect(await modelRequests(server)).toHaveLength(cuts.length + 1)
    })

    it('a connection that dies inside the event carrying a call: the text before it, then the error, and no half call', async () => {
      const server = await newModelServer()
      const [first, second] = geminiSseChunks(payloads).map((chunk) => chunk.text!)
      const cut = second!.indexOf('naïve')
      const format = await gemini(
        server,
        sseStep([{ text: first! }, { text: second!.slice(0, cut), delayMs: 5 }], { destroy: true }),
      )
      const { events, error } = await streamed(format, geminiCall(server))
      expect(events).toEqual(expected.slice(0, 4))
      expect(error).toBeInstanceOf(Error)
    })

    it('a connection that dies after a whole call: the call ended, then the error, no finish; a body that just ends has no error', async () => {
      const [first] = geminiSseChunks(payloads)
      for (const destroy of [true, false]) {
        const server = await newModelServer()
        const format = await gemini(server, sseStep([first!], { destroy }))
        const { events, error } = await streamed(format, geminiCall(server))
        expect(events, `destroy: ${destroy}`).toEqual(expected.slice(0, 4))
        if (destroy) expect(error).toBeInstanceOf(Error)
        else expect(error).toBeUndefined()
      }
    })
  })
}
