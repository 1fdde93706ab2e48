/**
 * The Anthropic Messages API (`anthropic/<model>` identifiers, and Claude on Vertex, which speaks
 * the same body and stream). Its SSE events: `message_start` (input tokens), `content_block_start`
 * and `content_block_stop` (a tool call's start and end), `content_block_delta` (text, or a piece
 * of a tool call's input), `message_delta` (stop reason, output tokens), `message_stop`, `ping`,
 * and `error`. Tool calling's own shapes live in anthropic-tools.ts.
 */
import {
  ModelStreamError,
  type FinishReason,
  type ModelCall,
  type ModelEvent,
  type ModelResult,
  type StreamLimits,
  type Usage,
} from '../model-call/types.ts'
import { jsonData, mapSse, type SseEvent } from '../streaming/sse.ts'
import { anthropicMessages, answerToolCalls, StreamedToolCalls, toolFields } from './anthropic-tools.ts'
import { isObject, mergeHeaders } from './json.ts'
import type { WireFormat } from './wire-format.ts'

export const ANTHROPIC_VERSION = '2023-06-01'
/** The Messages API requires `max_tokens`; LiteLLM's default when a prompt sets none. */
const DEFAULT_MAX_TOKENS = 4096

export interface AnthropicWire {
  /** The Messages API body for a call (model included). */
  body(call: ModelCall, stream: boolean): Record<string, unknown>
  parse(json: unknown): ModelResult
  events(body: ReadableStream<Uint8Array>, limits: StreamLimits): ReadableStream<ModelEvent>
  errorMessage(json: unknown): string | undefined
}

function body(call: ModelCall, stream: boolean): Record<string, unknown> {
  const { messages } = call
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content)
  const out: Record<string, unknown> = {
    model: call.target.upstreamModel,
    max_tokens: call.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: anthropicMessages(messages),
  }
  if (system.length) out.system = system.join('\n\n')
  if (call.temperature !== undefined) out.temperature = call.temperature
  if (call.topP !== undefined) out.top_p = call.topP
  if (call.stop?.length) out.stop_sequences = call.stop
  if (stream) out.stream = true
  return { ...out, ...toolFields(call), ...call.extraBody }
}

function finishReason(value: unknown): FinishReason | undefined {
  switch (value) {
    case undefined:
    case null:
      return undefined
    case 'end_turn':
    case 'stop_sequence':
      return 'stop'
    case 'max_tokens':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'refusal':
      return 'content_filter'
    default:
      return 'other'
  }
}

function parse(json: unknown): ModelResult {
  const message = isObject(json) ? json : {}
  const blocks = Array.isArray(message.content) ? message.content : []
  const text = blocks
    .map((b) => (isObject(b) && b.type === 'text' && typeof b.text === 'string' ? b.text : ''))
    .join('')
  const result: ModelResult = { text, ...answerToolCalls(blocks) }
  const reason = finishReason(message.stop_reason)
  if (reason) result.finishReason = reason
  if (isObject(message.usage)) result.usage = usageOf(message.usage.input_tokens, message.usage.output_tokens)
  return result
}

function events(stream: ReadableStream<Uint8Array>, limits: StreamLimits): ReadableStream<ModelEvent> {
  let inputTokens: number | undefined
  // Made on the first tool block, with the emit every event and hook of this stream shares.
  let calls: StreamedToolCalls | undefined
  const map = (event: SseEvent, emit: (value: ModelEvent) => void) => {
    const data = jsonData(event)
    if (!isObject(data)) return
    const type = typeof data.type === 'string' ? data.type : event.event
    const block = typeof data.index === 'number' ? data.index : 0
    if (type === 'message_start' && isObject(data.message) && isObject(data.message.usage)) {
      const input = data.message.usage.input_tokens
      if (typeof input === 'number') inputTokens = input
    } else if (type === 'content_block_start' && isObject(data.content_block)) {
      if (data.content_block.type === 'tool_use')
        (calls ??= new StreamedToolCalls(emit)).blockStart(block, data.content_block)
    } else if (type === 'content_block_delta' && isObject(data.delta)) {
      const { text, partial_json: piece } = data.delta
      if (typeof text === 'string' && text !== '') emit({ type: 'text', text })
      else if (data.delta.type === 'input_json_delta' && typeof piece === 'string')
        calls?.inputDelta(block, piece)
    } else if (type === 'content_block_stop') {
      calls?.blockStop(block)
    } else if (type === 'message_delta') {
      const reason = isObject(data.delta) ? finishReason(data.delta.stop_reason) : undefined
      if (reason) emit({ type: 'finish', reason })
      if (isObject(data.usage)) emit({ type: 'usage', usage: usageOf(inputTokens, data.usage.output_tokens) })
    } else if (type === 'error') {
      const error = isObject(data.error) ? data.error : {}
      const kind = typeof error.type === 'string' ? error.type : 'error'
      throw new ModelStreamError(
        `${kind}: ${typeof error.message === 'string' ? error.message : 'the model server reported an error'}`,
      )
    }
  }
  // Calls still open when the body ends are complete; when it fails (or `event: error`), cut off.
  return mapSse<ModelEvent>(stream, limits.maxEventBytes, map, {
    end: () => calls?.endAll(),
    fail: () => calls?.abandon(),
  })
}

function usageOf(input: unknown, output: unknown): Usage {
  const usage: Usage = {}
  if (typeof input === 'number') usage.inputTokens = input
  if (typeof output === 'number') usage.outputTokens = output
  return usage
}

function errorMessage(json: unknown): string | undefined {
  if (isObject(json) && isObject(json.error) && typeof json.error.message === 'string')
    return json.error.message
  return undefined
}

export const anthropicWire: AnthropicWire = { body, parse, events, errorMessage }

/** `POST {endpoint}/v1/messages` with `x-api-key` (the endpoint is the API root, as ANTHROPIC_BASE_URL). */
export const anthropicFormat: WireFormat = {
  async request(call, stream) {
    const headers = mergeHeaders(
      {
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
        'anthropic-version': ANTHROPIC_VERSION,
      },
      call.headers,
      call.target.apiKey ? { 'x-api-key': call.target.apiKey } : {},
    )
    return {
      url: `${call.target.endpoint}/v1/messages`,
      init: { method: 'POST', headers, body: JSON.stringify(body(call, stream)) },
    }
  },
  parse,
  events: (body, _call, limits) => events(body, limits),
  errorMessage,
}
