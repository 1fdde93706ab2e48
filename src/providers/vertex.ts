/**
 * Vertex AI: Gemini's `generateContent` wire format, and Claude on Vertex (Anthropic's Messages
 * format at Vertex's `rawPredict` URLs, minus `model`, plus Vertex's `anthropic_version`). Both
 * carry a Google access token minted from the service-account key (vertex-token.ts).
 * The model name says which publisher answers.
 */
import { jsonData, mapSse } from '../streaming/sse.ts'
import type { AnthropicWire } from './anthropic.ts'
import { isObject as isRecord } from './json.ts'
import type { AccessTokenSource } from './vertex-token.ts'
import {
  ModelStreamError,
  type FinishReason,
  type ModelCall,
  type ModelEvent,
  type ModelResult,
  type StreamLimits,
  type Usage,
  type WireFormat,
} from './types.ts'

export interface VertexFormatOptions {
  tokens: AccessTokenSource
  /** Taken as an option (the gateway passes `anthropicWire`) so this module needs none of its internals. */
  anthropic: AnthropicWire
}

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16'

const FINISH_REASONS: Record<string, FinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
}

export function isClaudeOnVertex(model: string): boolean {
  return model.toLowerCase().startsWith('claude')
}

export function createVertexFormat(options: VertexFormatOptions): WireFormat {
  const { tokens, anthropic } = options
  return {
    async request(call, stream) {
      const claude = isClaudeOnVertex(call.target.upstreamModel)
      const body = claude ? claudeBody(anthropic.body(call, stream)) : geminiBody(call)
      const action = claude
        ? stream ? 'streamRawPredict' : 'rawPredict'
        : stream ? 'streamGenerateContent?alt=sse' : 'generateContent'
      // `@` stays literal (Vertex model versions), anything that could leave the path segment is escaped.
      const model = encodeURIComponent(call.target.upstreamModel).replace(/%40/g, '@')
      const url = `${call.target.endpoint}/publishers/${claude ? 'anthropic' : 'google'}/models/${model}:${action}`
      const headers = new Headers(call.headers)
      headers.set('content-type', 'application/json')
      headers.set('authorization', `Bearer ${await tokens.token()}`)
      return { url, init: { method: 'POST', headers, body: JSON.stringify(body) } }
    },
    parse(json, call) {
      return isClaudeOnVertex(call.target.upstreamModel) ? anthropic.parse(json) : parseGemini(json)
    },
    events(body, call, limits) {
      return isClaudeOnVertex(call.target.upstreamModel) ? anthropic.events(body, limits) : geminiEvents(body, limits)
    },
    errorMessage(json) {
      // streamGenerateContent without alt=sse answers errors as a one-element array.
      const value = Array.isArray(json) ? (json[0] as unknown) : json
      if (isRecord(value) && value.type === 'error') return anthropic.errorMessage(value)
      const error = isRecord(value) ? value.error : undefined
      return isRecord(error) && typeof error.message === 'string' ? error.message : undefined
    },
  }
}

function claudeBody(messagesBody: Record<string, unknown>): Record<string, unknown> {
  const { model: _model, ...rest } = messagesBody // Vertex takes the model from the URL only
  return { ...rest, anthropic_version: VERTEX_ANTHROPIC_VERSION }
}

interface GeminiContent {
  role: 'user' | 'model'
  parts: { text: string }[]
}

function geminiBody(call: ModelCall): Record<string, unknown> {
  const { messages } = call
  const system: { text: string }[] = []
  const contents: GeminiContent[] = []
  for (const message of messages) {
    if (message.role === 'system') system.push({ text: message.content })
    else contents.push({ role: message.role === 'assistant' ? 'model' : 'user', parts: [{ text: message.content }] })
  }
  const generationConfig: Record<string, unknown> = {}
  if (call.maxTokens !== undefined) generationConfig.maxOutputTokens = call.maxTokens
  if (call.temperature !== undefined) generationConfig.temperature = call.temperature
  if (call.topP !== undefined) generationConfig.topP = call.topP
  if (call.stop?.length) generationConfig.stopSequences = call.stop
  return {
    contents,
    ...(system.length ? { systemInstruction: { parts: system } } : {}),
    ...(Object.keys(generationConfig).length ? { generationConfig } : {}),
    ...call.extraBody,
  }
}

function parseGemini(json: unknown): ModelResult {
  const result: ModelResult = { text: partTexts(json).join('') }
  const finishReason = finishOf(json)
  if (finishReason) result.finishReason = finishReason
  const usage = usageOf(json)
  if (usage) result.usage = usage
  return result
}

/**
 * Gemini's SSE stream: one `text` event per non-empty part, one `finish` (the first finishReason),
 * and one `usage` at the end of the stream: every chunk repeats the running totals, the last wins.
 */
function geminiEvents(body: ReadableStream<Uint8Array>, limits: StreamLimits): ReadableStream<ModelEvent> {
  let finished = false
  let usage: Usage | undefined
  const events = mapSse<ModelEvent>(body, limits.maxEventBytes, (event, emit) => {
    const json = jsonData(event)
    if (!isRecord(json)) return
    if (isRecord(json.error)) throw new ModelStreamError(streamErrorMessage(json.error))
    for (const text of partTexts(json)) emit({ type: 'text', text })
    const reason = finishOf(json)
    if (reason && !finished) {
      finished = true
      emit({ type: 'finish', reason })
    }
    usage = usageOf(json) ?? usage
  })
  return events.pipeThrough(
    new TransformStream<ModelEvent, ModelEvent>({
      flush(controller) {
        if (usage) controller.enqueue({ type: 'usage', usage })
      },
    }),
  )
}

function streamErrorMessage(error: Record<string, unknown>): string {
  const status = typeof error.status === 'string' ? error.status : typeof error.code === 'number' ? String(error.code) : ''
  const message = typeof error.message === 'string' ? error.message : 'no message'
  return `Vertex AI stream error${status ? ` (${status})` : ''}: ${message}`
}

function firstCandidate(json: unknown): Record<string, unknown> | undefined {
  const candidates = isRecord(json) ? json.candidates : undefined
  const first = Array.isArray(candidates) ? (candidates[0] as unknown) : undefined
  return isRecord(first) ? first : undefined
}

/** The answer's text parts (thought summaries left out: they are not the answer). */
function partTexts(json: unknown): string[] {
  const content = firstCandidate(json)?.content
  const parts = isRecord(content) && Array.isArray(content.parts) ? (content.parts as unknown[]) : []
  return parts.flatMap((part) =>
    isRecord(part) && typeof part.text === 'string' && part.text !== '' && part.thought !== true ? [part.text] : [],
  )
}

function finishOf(json: unknown): FinishReason | undefined {
  const reason = firstCandidate(json)?.finishReason
  if (typeof reason === 'string' && reason !== 'FINISH_REASON_UNSPECIFIED') return FINISH_REASONS[reason] ?? 'other'
  // A blocked prompt gets no candidates at all, only promptFeedback.blockReason.
  const feedback = isRecord(json) ? json.promptFeedback : undefined
  return isRecord(feedback) && typeof feedback.blockReason === 'string' ? 'content_filter' : undefined
}

function usageOf(json: unknown): Usage | undefined {
  const metadata = isRecord(json) ? json.usageMetadata : undefined
  if (!isRecord(metadata)) return undefined
  const usage: Usage = {}
  if (typeof metadata.promptTokenCount === 'number') usage.inputTokens = metadata.promptTokenCount
  if (typeof metadata.candidatesTokenCount === 'number') usage.outputTokens = metadata.candidatesTokenCount
  return Object.keys(usage).length ? usage : undefined
}
