/**
 * Native tool calling with Claude on Vertex AI, against the fake model server playing Google's
 * token endpoint and Vertex: the Messages body (tools, tool choice, a tool round trip) without
 * `model` and with Vertex's `anthropic_version` at `:rawPredict` / `:streamRawPredict`, parallel
 * calls in whole and streamed answers, and a stream that dies inside a call.
 */
import { describe, expect, inject, it } from 'vitest'
import type { ModelCall, ModelEvent } from '../../../src/model-call/types.ts'
import { anthropicWire } from '../../../src/providers/anthropic.ts'
import { createServiceAccountTokenSource } from '../../../src/providers/vertex-token.ts'
import { createVertexFormat } from '../../../src/providers/vertex.ts'
import {
  bodyOf,
  newModelServer,
  type Chunk,
  type ModelServer,
  type Received,
} from '../model-server-client.ts'
import * as wire from '../wire/anthropic.ts'
import { byteChunks, frameChunks, sseText } from '../wire/openai.ts'
import { SSE_HEADERS } from '../wire/sse.ts'
import {
  ANTHROPIC_CONVERSATION,
  ANTHROPIC_TOOLS,
  callEvents,
  CONVERSATION,
  TOOLS,
  TRICKY_ARGS,
  TRICKY_PARSED,
} from './anthropic-tools.cases.ts'
import { drain } from './streams.ts'
import { LIMITS, requestOf, sendUpstream, type ProviderTarget, type TestCall } from './target.ts'

const MODEL_PATH = '/v1/projects/my-project/locations/us-east5'
const CLAUDE = 'claude-sonnet-4-5@20250929'

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

const LIST_SRC: wire.StreamedToolUse = {
  id: 'toolu_vrtx_01',
  name: 'list_dir',
  pieces: ['{"directory"', ': "src"}'],
}
const READ_TRICKY: wire.StreamedToolUse = {
  id: 'toolu_vrtx_02',
  name: 'read_file',
  pieces: [TRICKY_ARGS.slice(0, 31), TRICKY_ARGS.slice(31)],
}

export function vertexClaudeToolsContract(target: ProviderTarget) {
  /** A Vertex format whose token endpoint and model both live on a fresh fake server; the model answers `chunks`. */
  async function vertex(chunks: Chunk[], step: { stream: boolean; destroy?: boolean }) {
    const server = await newModelServer()
    const token = JSON.stringify({ access_token: 'ya29.claude', expires_in: 3600, token_type: 'Bearer' })
    await server.script(
      { match: '/token', times: 1, chunks: [{ text: token }] },
      {
        match: '/v1/',
        ...(step.stream ? { headers: SSE_HEADERS } : {}),
        chunks,
        ...(step.destroy ? { destroy: true } : {}),
      },
    )
    const tokens = createServiceAccountTokenSource({
      serviceAccountJson: serviceAccountJson(server),
      fetch: target.fetch,
    })
    const format = createVertexFormat({ tokens, anthropic: anthropicWire })
    const call: TestCall = {
      stream: step.stream,
      messages: CONVERSATION,
      tools: TOOLS,
      toolChoice: 'required',
      maxTokens: 1024,
      target: {
        format: 'vertex',
        provider: 'vertex_ai',
        upstreamModel: CLAUDE,
        endpoint: `${server.url}${MODEL_PATH}`,
        requestSuppliedEndpoint: false,
      },
    }
    const response = await sendUpstream(target.fetch, requestOf(format, call))
    expect(response.status).toBe(200)
    return { server, format, call: call as ModelCall, response }
  }

  async function modelRequest(server: ModelServer): Promise<Received> {
    const requests = (await server.requests()).filter((received) => received.path.startsWith('/v1/'))
    expect(requests).toHaveLength(1)
    return requests[0]!
  }

  const STREAM = wire.toolUseStream([LIST_SRC, READ_TRICKY], ['Checking.'])
  const STREAM_EVENTS: ModelEvent[] = [
    { type: 'text', text: 'Checking.' },
    ...callEvents(0, 'toolu_vrtx_01', 'list_dir', LIST_SRC.pieces, { directory: 'src' }),
    ...callEvents(1, 'toolu_vrtx_02', 'read_file', READ_TRICKY.pieces, TRICKY_PARSED),
    { type: 'finish', reason: 'tool_calls' },
    { type: 'usage', usage: { inputTokens: 25, outputTokens: 15 } },
  ]

  describe(`Claude on Vertex AI: tool calling [${target.runtime}]`, () => {
    it('posts tools, tool_choice and the tool round trip to :rawPredict (no model); parses parallel tool_use blocks', async () => {
      const answer = wire.message(
        [
          wire.toolUseBlock('toolu_vrtx_01', 'list_dir', { directory: 'src' }),
          wire.toolUseBlock('toolu_vrtx_02', 'read_file', TRICKY_PARSED),
        ],
        'tool_use',
      )
      const { server, format, call, response } = await vertex([{ text: JSON.stringify(answer) }], {
        stream: false,
      })
      expect(format.parse(await response.json(), call)).toEqual({
        text: '',
        toolCalls: [
          { id: 'toolu_vrtx_01', name: 'list_dir', arguments: { directory: 'src' } },
          { id: 'toolu_vrtx_02', name: 'read_file', arguments: TRICKY_PARSED },
        ],
        finishReason: 'tool_calls',
        usage: { inputTokens: 12, outputTokens: 6 },
      })
      const received = await modelRequest(server)
      expect(received.path).toBe(`${MODEL_PATH}/publishers/anthropic/models/${CLAUDE}:rawPredict`)
      expect(received.headers.authorization).toBe('Bearer ya29.claude')
      expect(bodyOf(received)).toEqual({
        anthropic_version: 'vertex-2023-10-16',
        max_tokens: 1024,
        system: 'You are GitLab Duo Chat.',
        messages: ANTHROPIC_CONVERSATION,
        tools: ANTHROPIC_TOOLS,
        tool_choice: { type: 'any' },
      })
    })

    it('streams parallel calls from :streamRawPredict, whatever the chunking', async () => {
      for (const chunks of [frameChunks(STREAM), byteChunks(sseText(STREAM), 11)]) {
        const { server, format, call, response } = await vertex(chunks, { stream: true })
        expect(await drain(format.events(response.body!, call, LIMITS))).toEqual({ events: STREAM_EVENTS })
        const received = await modelRequest(server)
        expect(received.path).toBe(`${MODEL_PATH}/publishers/anthropic/models/${CLAUDE}:streamRawPredict`)
        const body = bodyOf(received)
        expect(body).toMatchObject({
          stream: true,
          tools: ANTHROPIC_TOOLS,
          tool_choice: { type: 'any' },
          messages: ANTHROPIC_CONVERSATION,
        })
        expect(body).not.toHaveProperty('model')
      }
    })

    it('a stream that dies inside a call reports it cut off, then the error', async () => {
      const cut =
        STREAM.findIndex(
          (frame) => frame.event === 'content_block_start' && (frame.data as { index: number }).index === 2,
        ) + 3
      const { format, call, response } = await vertex(frameChunks(STREAM.slice(0, cut)), {
        stream: true,
        destroy: true,
      })
      const { events, error } = await drain(format.events(response.body!, call, LIMITS))
      expect(events).toEqual([
        ...STREAM_EVENTS.slice(0, 1 + 4),
        { type: 'tool_call_start', index: 1, id: 'toolu_vrtx_02', name: 'read_file' },
        { type: 'tool_call_delta', index: 1, arguments: READ_TRICKY.pieces[0] },
        {
          type: 'tool_call_invalid',
          index: 1,
          call: {
            id: 'toolu_vrtx_02',
            name: 'read_file',
            arguments: READ_TRICKY.pieces[0],
            reason: 'the stream ended inside this tool call',
          },
        },
      ])
      expect(error).toBeDefined()
    })
  })
}
