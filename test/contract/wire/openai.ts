/**
 * OpenAI-compatible payloads as vLLM, OpenAI and Azure send them: `chat.completion.chunk` and
 * `text_completion` SSE streams (usage in a last chunk with empty `choices`, then `data: [DONE]`),
 * whole answers, and the error bodies of the servers behind `custom_openai/`. Also the SSE byte
 * helpers both OpenAI and Anthropic suites use (CRLF framing, cutting a stream into pieces).
 * Web APIs only: this runs inside workerd.
 */
import type { Chunk } from '../model-server-client.ts'
import { sseFrame, type SseFrame } from './sse.ts'

type Json = Record<string, unknown>

const CREATED = 1_735_787_045

export interface StreamEnd {
  /** `finish_reason` of the last content chunk (default `stop`). */
  finishReason?: string
  /** Token counts of the usage chunk; `null` leaves the usage chunk out. */
  usage?: { prompt: number; completion: number } | null
}

/** One streamed chat delta (`usage: null`, as OpenAI repeats it on every chunk when usage was asked for). */
export function chatChunk(
  delta: Json,
  finishReason: string | null = null,
  model = 'mistralai/Mistral-7B-Instruct-v0.3',
): Json {
  return {
    id: 'chatcmpl-9f3a',
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    usage: null,
  }
}

/** One streamed text-completion piece (`choices[0].text`). */
export function textChunk(
  text: string,
  finishReason: string | null = null,
  model = 'codellama/CodeLlama-7b-hf',
): Json {
  return {
    id: 'cmpl-51c2',
    object: 'text_completion',
    created: CREATED,
    model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null }],
    usage: null,
  }
}

/** The last chunk when `stream_options.include_usage` is set: empty `choices`, the totals. */
export function usageChunk(prompt: number, completion: number, object = 'chat.completion.chunk'): Json {
  return {
    id: 'chatcmpl-9f3a',
    object,
    created: CREATED,
    model: 'mistralai/Mistral-7B-Instruct-v0.3',
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  }
}

/** Azure's first chunk: no choices, only the prompt's content-filter verdict. */
export function azurePromptFilterChunk(): Json {
  const safe = { filtered: false, severity: 'safe' }
  return {
    choices: [],
    created: 0,
    id: '',
    model: '',
    object: '',
    prompt_filter_results: [
      {
        prompt_index: 0,
        content_filter_results: { hate: safe, self_harm: safe, sexual: safe, violence: safe },
      },
    ],
  }
}

const DONE: SseFrame = { data: '[DONE]' }

/** A whole chat stream: a role chunk with empty content, one chunk per text, the finish chunk, usage, `[DONE]`. */
export function chatStream(texts: string[], end: StreamEnd = {}): SseFrame[] {
  const usage = end.usage === undefined ? { prompt: 21, completion: texts.length } : end.usage
  return [
    { data: chatChunk({ role: 'assistant', content: '' }) },
    ...texts.map((content) => ({ data: chatChunk({ content }) })),
    { data: chatChunk({}, end.finishReason ?? 'stop') },
    ...(usage ? [{ data: usageChunk(usage.prompt, usage.completion) }] : []),
    DONE,
  ]
}

/** A whole text-completion stream: one chunk per text, the last one with the finish reason, usage, `[DONE]`. */
export function textStream(texts: string[], end: StreamEnd = {}): SseFrame[] {
  const usage = end.usage === undefined ? { prompt: 21, completion: texts.length } : end.usage
  return [
    ...texts.map((text, i) => ({
      data: textChunk(text, i === texts.length - 1 ? (end.finishReason ?? 'stop') : null),
    })),
    ...(usage ? [{ data: usageChunk(usage.prompt, usage.completion, 'text_completion') }] : []),
    DONE,
  ]
}

/** A whole non-streaming chat answer. `content: null` is what a tool call or a filtered answer carries. */
export function chatCompletion(
  content: string | null,
  finishReason: string | null = 'stop',
  usage = { prompt: 30, completion: 12 },
): Json {
  return {
    id: 'chatcmpl-9f3b',
    object: 'chat.completion',
    created: CREATED,
    model: 'mistralai/Mistral-7B-Instruct-v0.3',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, tool_calls: [] },
        logprobs: null,
        finish_reason: finishReason,
        stop_reason: null,
      },
    ],
    usage: {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
    },
  }
}

/** A whole non-streaming text completion. */
export function textCompletion(
  text: string,
  finishReason: string | null = 'length',
  usage = { prompt: 9, completion: 16 },
): Json {
  return {
    id: 'cmpl-51c3',
    object: 'text_completion',
    created: CREATED,
    model: 'codellama/CodeLlama-7b-hf',
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: null }],
    usage: {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
    },
  }
}

/** One piece of a streamed tool call (`delta.tool_calls[]`) as a server writes it; what is left out is not sent. */
export interface ToolPiece {
  index?: number | null
  id?: string
  type?: string
  name?: string
  /** JSON text (a piece of it); an object for the servers that send one. */
  arguments?: string | Json
  /** Old llama.cpp put the id inside `function`. */
  functionId?: string
}

export function toolPiece(piece: ToolPiece): Json {
  const fn: Json = {}
  if (piece.functionId !== undefined) fn.id = piece.functionId
  if (piece.name !== undefined) fn.name = piece.name
  if (piece.arguments !== undefined) fn.arguments = piece.arguments
  return {
    ...(piece.index !== undefined ? { index: piece.index } : {}),
    ...(piece.id !== undefined ? { id: piece.id } : {}),
    ...(piece.type !== undefined ? { type: piece.type } : {}),
    function: fn,
  }
}

/** A chunk carrying tool-call pieces, and optionally text and a finish reason. */
export function toolChunk(pieces: ToolPiece[], finishReason: string | null = null, content?: string): Json {
  return chatChunk(
    { ...(content !== undefined ? { content } : {}), tool_calls: pieces.map(toolPiece) },
    finishReason,
  )
}

/** A call as OpenAI streams it: its id and name, then its arguments in these pieces. */
export interface StreamedCall {
  id: string
  name: string
  pieces: string[]
}

/**
 * OpenAI's stream of an answer with tool calls: the role chunk (`content: null`), the text if any,
 * then per call a first piece with index, id, type, name and empty arguments and one chunk per piece
 * of its arguments; an empty delta with `finish_reason: "tool_calls"`, usage, `[DONE]`.
 */
export function toolCallStream(
  calls: StreamedCall[],
  options: { texts?: string[]; finishReason?: string } = {},
): SseFrame[] {
  return [
    { data: chatChunk({ role: 'assistant', content: null }) },
    ...(options.texts ?? []).map((content) => ({ data: chatChunk({ content }) })),
    ...calls.flatMap((call, index) => [
      { data: toolChunk([{ index, id: call.id, type: 'function', name: call.name, arguments: '' }]) },
      ...call.pieces.map((piece) => ({ data: toolChunk([{ index, arguments: piece }]) })),
    ]),
    { data: chatChunk({}, options.finishReason ?? 'tool_calls') },
    { data: usageChunk(45, 28) },
    DONE,
  ]
}

/** A whole answer with tool calls (`message.tool_calls`); `content: null` when the model said nothing besides. */
export function toolCallCompletion(
  content: string | null,
  calls: ToolPiece[],
  finishReason: string | null = 'tool_calls',
): Json {
  const answer = chatCompletion(content, finishReason, { prompt: 45, completion: 28 })
  const [choice] = answer.choices as Json[]
  const message = choice!.message as Json
  message.tool_calls = calls.map(({ index: _index, ...call }) => toolPiece(call))
  return answer
}

/** vLLM's mid-stream failure (and OpenAI's error body): `{"error": {...}}`. */
export function vllmStreamError(message: string): Json {
  return { error: { object: 'error', message, type: 'BadRequestError', param: null, code: 400 } }
}

/** Older vLLM's mid-stream failure: the error object itself, `object: "error"`. */
export function vllmLegacyStreamError(message: string): Json {
  return { object: 'error', message, type: 'InternalServerError', param: null, code: 500 }
}

/** OpenAI's error body. */
export function openAiError(
  message: string,
  type = 'invalid_request_error',
  code: string | null = null,
): Json {
  return { error: { message, type, param: null, code } }
}

// SSE bytes, for every SSE format.

/** The frames as one string, as they appear on the wire (LF line endings). */
export function sseText(frames: SseFrame[]): string {
  return frames.map(sseFrame).join('')
}

/** The same stream with CRLF line endings (sse-starlette and some proxies write them). */
export function withCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n')
}

/** One chunk per frame. */
export function frameChunks(frames: SseFrame[], delayMs = 0): Chunk[] {
  return frames.map((frame) => ({ text: sseFrame(frame), delayMs }))
}

/**
 * The UTF-8 bytes of `text` cut every `size` bytes, so cuts fall inside field names, JSON and
 * multi-byte characters. A small delay keeps the pieces from coalescing into one TCP read.
 */
export function byteChunks(text: string, size: number, delayMs = 1): Chunk[] {
  const bytes = new TextEncoder().encode(text)
  const chunks: Chunk[] = []
  for (let at = 0; at < bytes.byteLength; at += size)
    chunks.push({ base64: toBase64(bytes.subarray(at, at + size)), delayMs })
  return chunks
}

/** The UTF-8 bytes of `text` in two chunks, cut at byte `at` (inside a character, a field name, an escape...). */
export function cutAt(text: string, at: number): Chunk[] {
  const bytes = new TextEncoder().encode(text)
  return [{ base64: toBase64(bytes.subarray(0, at)) }, { base64: toBase64(bytes.subarray(at)), delayMs: 1 }]
}

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}
