/**
 * Vertex AI: Gemini's `generateContent` wire format, and Claude on Vertex (Anthropic's Messages
 * format at Vertex's `rawPredict` URLs, minus `model`, plus Vertex's `anthropic_version`). Both
 * carry a Google access token minted from the service-account key (vertex-token.ts).
 * The model name says which publisher answers. Gemini's function calling: vertex-tools.ts.
 */
import {
  ModelStreamError,
  type FinishReason,
  type InvalidToolCall,
  type ModelCall,
  type ModelEvent,
  type ModelResult,
  type StreamLimits,
  type ToolCall,
  type Usage,
} from '../model-call/types.ts'
import { jsonData, mapSse } from '../streaming/sse.ts'
import type { AnthropicWire } from './anthropic.ts'
import { isObject as isRecord } from './json.ts'
import { parseArguments, sortCalls, ToolCallAssembler } from './tool-calls.ts'
import type { AccessTokenSource } from './vertex-token.ts'
import { functionCallOf, geminiContents, geminiTools, requiresSignedCalls } from './vertex-tools.ts'
import type { WireFormat } from './wire-format.ts'

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
        ? stream
          ? 'streamRawPredict'
          : 'rawPredict'
        : stream
          ? 'streamGenerateContent?alt=sse'
          : 'generateContent'
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
      return isClaudeOnVertex(call.target.upstreamModel)
        ? anthropic.events(body, limits)
        : geminiEvents(body, limits)
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

function geminiBody(call: ModelCall): Record<string, unknown> {
  const { system, contents } = geminiContents(call.messages, requiresSignedCalls(call.target.upstreamModel))
  const generationConfig: Record<string, unknown> = {}
  if (call.maxTokens !== undefined) generationConfig.maxOutputTokens = call.maxTokens
  if (call.temperature !== undefined) generationConfig.temperature = call.temperature
  if (call.topP !== undefined) generationConfig.topP = call.topP
  if (call.stop?.length) generationConfig.stopSequences = call.stop
  return {
    contents,
    ...(system.length ? { systemInstruction: { parts: system } } : {}),
    ...geminiTools(call),
    ...(Object.keys(generationConfig).length ? { generationConfig } : {}),
    ...call.extraBody,
  }
}

/** A whole answer: its text parts joined, its function calls in order (ids made up where Gemini gave none). */
function parseGemini(json: unknown): ModelResult {
  let text = ''
  const calls: (ToolCall | InvalidToolCall)[] = []
  for (const part of partsOf(json)) {
    const call = functionCallOf(part)
    if (call) calls.push(parseArguments(call.id ?? `call_${calls.length}`, call.name, call.arguments))
    else text += answerText(part)
  }
  const result: ModelResult = { text, ...sortCalls(calls) }
  const finishReason = finishOf(json, calls.length > 0)
  if (finishReason) result.finishReason = finishReason
  const usage = usageOf(json)
  if (usage) result.usage = usage
  return result
}

/**
 * Gemini's SSE stream: one `text` event per non-empty part, the events of a call for each
 * `functionCall` part (it arrives whole: start, its arguments in one delta, end; `index` counts
 * the calls of the answer), one `finish` (the first finishReason), and one `usage` at the end of
 * the stream: every chunk repeats the running totals, the last wins. No call stays open past its
 * part, so neither the body's end nor its failure has calls left to close.
 */
function geminiEvents(body: ReadableStream<Uint8Array>, limits: StreamLimits): ReadableStream<ModelEvent> {
  let finished = false
  let usage: Usage | undefined
  let calls = 0
  let emitNow: (event: ModelEvent) => void = () => {}
  const assembler = new ToolCallAssembler((event) => emitNow(event))
  const events = mapSse<ModelEvent>(body, limits.maxEventBytes, (event, emit) => {
    emitNow = emit
    const json = jsonData(event)
    if (!isRecord(json)) return
    if (isRecord(json.error)) throw new ModelStreamError(streamErrorMessage(json.error))
    for (const part of partsOf(json)) {
      const call = functionCallOf(part)
      if (!call) {
        const text = answerText(part)
        if (text) emit({ type: 'text', text })
        continue
      }
      const index = calls++
      assembler.start(index, call.id, call.name)
      assembler.append(index, call.arguments)
      assembler.end(index)
    }
    const reason = finishOf(json, calls > 0)
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
  const status =
    typeof error.status === 'string' ? error.status : typeof error.code === 'number' ? String(error.code) : ''
  const message = typeof error.message === 'string' ? error.message : 'no message'
  return `Vertex AI stream error${status ? ` (${status})` : ''}: ${message}`
}

function firstCandidate(json: unknown): Record<string, unknown> | undefined {
  const candidates = isRecord(json) ? json.candidates : undefined
  const first = Array.isArray(candidates) ? (candidates[0] as unknown) : undefined
  return isRecord(first) ? first : undefined
}

function partsOf(json: unknown): unknown[] {
  const content = firstCandidate(json)?.content
  return isRecord(content) && Array.isArray(content.parts) ? (content.parts as unknown[]) : []
}

/** A part's answer text: thought summaries are left out, they are not the answer. */
function answerText(part: unknown): string {
  return isRecord(part) && typeof part.text === 'string' && part.thought !== true ? part.text : ''
}

/** Gemini says STOP when it stops to call functions too: a turn that called some ends with `tool_calls`. */
function finishOf(json: unknown, calledFunctions: boolean): FinishReason | undefined {
  const reason = firstCandidate(json)?.finishReason
  if (typeof reason === 'string' && reason !== 'FINISH_REASON_UNSPECIFIED') {
    const mapped = FINISH_REASONS[reason] ?? 'other'
    return mapped === 'stop' && calledFunctions ? 'tool_calls' : mapped
  }
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
