/**
 * Anthropic Messages API payloads as api.anthropic.com sends them: the streaming events
 * (`message_start`, `content_block_start`, `ping`, `content_block_delta`, `content_block_stop`,
 * `message_delta`, `message_stop`, `error`), tool calls streamed (`tool_use` blocks and their
 * `input_json_delta` pieces) and whole, whole answers, and the error body.
 * Web APIs only: this runs inside workerd.
 */
import type { SseFrame } from './sse.ts'

type Json = Record<string, unknown>

const MODEL = 'claude-sonnet-4-5-20250929'

export interface MessageEnd {
  /** `stop_reason` of `message_delta` (default `end_turn`). */
  stopReason?: string
  inputTokens?: number
  outputTokens?: number
}

export function messageStart(inputTokens: number): SseFrame {
  return {
    event: 'message_start',
    data: {
      type: 'message_start',
      message: {
        id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
        type: 'message',
        role: 'assistant',
        model: MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: inputTokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 1,
        },
      },
    },
  }
}

export const contentBlockStart = (index = 0): SseFrame => ({
  event: 'content_block_start',
  data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
})

export const ping = (): SseFrame => ({ event: 'ping', data: { type: 'ping' } })

export const textDelta = (text: string, index = 0): SseFrame => ({
  event: 'content_block_delta',
  data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text } },
})

export const contentBlockStop = (index = 0): SseFrame => ({
  event: 'content_block_stop',
  data: { type: 'content_block_stop', index },
})

export const messageDelta = (stopReason: string, outputTokens: number): SseFrame => ({
  event: 'message_delta',
  data: {
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: outputTokens },
  },
})

export const messageStop = (): SseFrame => ({ event: 'message_stop', data: { type: 'message_stop' } })

/** The `event: error` Anthropic sends inside a started stream (`overloaded_error`, `api_error`...). */
export function streamError(type = 'overloaded_error', message = 'Overloaded'): SseFrame {
  return { event: 'error', data: anthropicError(type, message) }
}

/** A whole stream: start, one text block with one delta per text, a ping after the block starts, the end. */
export function messageStream(texts: string[], end: MessageEnd = {}): SseFrame[] {
  return [
    messageStart(end.inputTokens ?? 25),
    contentBlockStart(),
    ping(),
    ...texts.map((text) => textDelta(text)),
    contentBlockStop(),
    messageDelta(end.stopReason ?? 'end_turn', end.outputTokens ?? 15),
    messageStop(),
  ]
}

/** A whole non-streaming answer. `content: null` stands for an upstream that sends no blocks at all. */
export function message(
  content: Json[] | null,
  stopReason: string | null = 'end_turn',
  usage = { input: 12, output: 6 },
): Json {
  return {
    id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: usage.input,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: usage.output,
    },
  }
}

export const textBlock = (text: string): Json => ({ type: 'text', text })

export const toolUseBlock = (
  id = 'toolu_01A09q90qw90lq917835lq9',
  name = 'get_weather',
  input: unknown = { location: 'Paris' },
): Json => ({
  type: 'tool_use',
  id,
  name,
  input,
})

// Tool calls, streamed.

/** A `tool_use` block opens: id and name, `input: {}` (the input follows in pieces). */
export const toolUseStart = (index: number, id: string, name: string, input: Json = {}): SseFrame => ({
  event: 'content_block_start',
  data: { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name, input } },
})

/** One piece of a tool call's input JSON. */
export const inputJsonDelta = (partialJson: string, index: number): SseFrame => ({
  event: 'content_block_delta',
  data: {
    type: 'content_block_delta',
    index,
    delta: { type: 'input_json_delta', partial_json: partialJson },
  },
})

export interface StreamedToolUse {
  id: string
  name: string
  /** The input JSON as the model wrote it, in pieces. */
  pieces: string[]
}

/**
 * The content blocks of a tool call from block `index` on: the start, an empty first piece (as
 * Anthropic sends it), the pieces, the stop.
 */
export function toolUseFrames(index: number, call: StreamedToolUse): SseFrame[] {
  return [
    toolUseStart(index, call.id, call.name),
    inputJsonDelta('', index),
    ...call.pieces.map((piece) => inputJsonDelta(piece, index)),
    contentBlockStop(index),
  ]
}

/**
 * A whole message that calls tools: start, a text block first when `texts` are given, one
 * `tool_use` block per call (in parallel), `stop_reason: tool_use`, the end.
 */
export function toolUseStream(
  calls: StreamedToolUse[],
  texts: string[] = [],
  end: MessageEnd = {},
): SseFrame[] {
  const first = texts.length ? 1 : 0
  return [
    messageStart(end.inputTokens ?? 25),
    ...(texts.length
      ? [contentBlockStart(0), ping(), ...texts.map((text) => textDelta(text)), contentBlockStop(0)]
      : []),
    ...calls.flatMap((call, i) => toolUseFrames(first + i, call)),
    messageDelta(end.stopReason ?? 'tool_use', end.outputTokens ?? 15),
    messageStop(),
  ]
}

/** Anthropic's error body, also the data of a streamed `event: error`. */
export function anthropicError(type: string, message: string): Json {
  return { type: 'error', error: { type, message } }
}
