/**
 * The model layer's one front door: every feature (code suggestions, Duo Chat, the prompt registry,
 * embeddings, the Agent Platform) asks here, and the policies are applied once, the same way:
 * - the model identifier resolved to a target (target.ts); a provider this gateway is not set up
 *   for is a 400 naming the setting;
 * - AIGW_CUSTOM_MODELS__ENABLED (a request's own endpoint or key refused when off);
 * - GitLab's parameter precedence (family defaults < prompt), the per-model quirks (quirks.ts),
 *   the operator's extra headers;
 * - timeouts (the prompt's, capped by the settings), retries of non-streamed calls, the stream's
 *   clocks, AIGW_CUSTOM_MODELS__DISABLE_STREAMING;
 * and, below it, in the model client (providers/client.ts): the SSRF guard, the upstream-error
 * mapping, credential redaction, metrics.
 */
import type { Config } from '../config.ts'
import { HttpError, ValidationError } from '../errors.ts'
import type { Logger } from '../logging.ts'
import type { ModelClient } from '../providers/client.ts'
import { hostOf } from '../model-call/upstream-error.ts'
import {
  ProviderSetupError,
  ToolCallMissing,
  type ChatMessage,
  type EmbeddingCall,
  type EmbeddingResult,
  type ModelCall,
  type ModelEvent,
  type ModelResult,
  type ModelTarget,
  type ToolCall,
  type WireFormatName,
} from '../model-call/types.ts'
import type { WireFormat } from '../providers/wire-format.ts'
import { StreamDeadlines } from '../streaming/deadlines.ts'
import type { ModelParams } from './families.ts'
import { quirksOf, type QuirkEffect } from './quirks.ts'
import type { EmbeddingRequest, ModelInvocation, ModelRequest, OpenStream } from './request.ts'
import { resolveTarget, type ModelMetadata } from './target.ts'
import { VARIANTS } from './variants.ts'

/** Non-streaming calls that failed retryably are tried again at most this often (100 ms, then 400 ms later). */
const RETRIES = 2
/** A prompt without its own timeout gets this many seconds (GitLab's model request timeout). */
const DEFAULT_TIMEOUT_S = 60

/** What a request that brings its own endpoint or key is told when AIGW_CUSTOM_MODELS__ENABLED is off (GitLab's words per route). */
const CUSTOM_MODELS_OFF = {
  generation: () =>
    new HttpError(
      403,
      'This gateway does not accept model endpoints or keys from requests (AIGW_CUSTOM_MODELS__ENABLED is false)',
    ),
  embedding: () =>
    new ValidationError('specifying custom models endpoint is disabled: api_base is not allowed'),
}

export interface ModelsDeps {
  config: Config
  client: ModelClient
  formats: Readonly<Record<WireFormatName, WireFormat>>
  logger: Logger
}

export class Models {
  private readonly deps: ModelsDeps

  constructor(deps: ModelsDeps) {
    this.deps = deps
  }

  /**
   * The call `request` makes, decided before anything is sent (the caller may log where it goes).
   * @throws HttpError 4xx for a model the request cannot have (a bad identifier or endpoint, a
   *   provider not set up, custom models off).
   */
  invocation(request: ModelRequest): ModelInvocation {
    const { config } = this.deps
    const target = this.target(request.model.metadata, 'generation')
    const quirks = quirksOf({
      upstreamModel: target.upstreamModel,
      family: request.model.family.name,
      format: target.format,
      provider: target.provider,
    })
    const params: ModelParams = { ...request.model.family.params, ...request.params }
    const timeoutMs = Math.min(config.models.timeoutMs, (request.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000)
    return {
      model: request.model,
      call: shapeCall(target, request, params, quirks, config.customModels.extraHeaders),
      timeoutMs,
      idleTimeoutMs: Math.min(config.models.streamIdleTimeoutMs, timeoutMs),
      retries: RETRIES,
      labels: request.labels,
      stripReasoning: quirks.has('strip-reasoning'),
    }
  }

  /**
   * One whole answer; retried on connection trouble, 5xx and overload within the deadline.
   * @throws ToolCallMissing when the call required a tool call and the answer has none.
   */
  async complete(invocation: ModelInvocation, signal: AbortSignal | undefined): Promise<ModelResult> {
    const result = await this.deps.client.complete(invocation.call, {
      signal,
      timeoutMs: invocation.timeoutMs,
      retries: invocation.retries,
      labels: invocation.labels,
    })
    if (requiresToolCall(invocation.call) && !result.toolCalls?.length) throw new ToolCallMissing()
    return result
  }

  /**
   * The model's events; resolves once the model server answered. Never retried. With streaming
   * disabled by the operator, one whole answer comes out as events. The answer's clocks start
   * with the call: whoever turns the events into output ends the stream when they run out.
   */
  async stream(invocation: ModelInvocation, signal: AbortSignal | undefined): Promise<OpenStream> {
    const { models } = this.deps.config
    const deadlines = new StreamDeadlines(
      { firstOutputMs: models.firstOutputTimeoutMs, totalMs: models.streamTimeoutMs },
      hostOf(invocation.call.target.endpoint),
    )
    try {
      return { events: await this.events(invocation, signal), deadlines }
    } catch (error) {
      deadlines.stop()
      throw error
    }
  }

  /** The embedding call `request` makes (its target, for the caller's log), checked like any other. */
  embedding(request: EmbeddingRequest): EmbeddingCall {
    const target = this.target(request.metadata, 'embedding')
    const { extraHeaders } = this.deps.config.customModels
    return {
      target,
      input: request.input,
      ...(request.dimensions ? { dimensions: request.dimensions } : {}),
      ...(Object.keys(extraHeaders).length ? { headers: { ...extraHeaders } } : {}),
    }
  }

  /** One vector per input text, with the request's timeout, retries and passed-on statuses. */
  embed(
    call: EmbeddingCall,
    request: EmbeddingRequest,
    signal: AbortSignal | undefined,
  ): Promise<EmbeddingResult> {
    const timeoutMs = Math.min(this.deps.config.models.timeoutMs, request.timeoutS * 1000)
    return this.deps.client.embed(call, {
      signal,
      timeoutMs,
      retries: request.retries,
      passOnStatuses: request.passOnStatuses,
      labels: request.labels,
    })
  }

  /** Identifier prefixes whose wire format computes embeddings here (the OpenAI-compatible ones and Azure). */
  embeddingPrefixes(): string[] {
    return Object.keys(VARIANTS).filter(
      (prefix) => this.deps.formats[VARIANTS[prefix]!.format].embeddings !== undefined,
    )
  }

  /** The most of one answer a feature may hold in memory (AIGW_UPSTREAM__MAX_RESPONSE_BYTES). */
  get maxResponseBytes(): number {
    return this.deps.config.models.maxResponseBytes
  }

  private async events(
    invocation: ModelInvocation,
    signal: AbortSignal | undefined,
  ): Promise<ReadableStream<ModelEvent>> {
    if (this.deps.config.customModels.disableStreaming)
      return eventsOf(resultEvents(await this.complete(invocation, signal)))
    const events = await this.deps.client.stream(invocation.call, {
      signal,
      idleTimeoutMs: invocation.idleTimeoutMs,
      labels: invocation.labels,
    })
    return requiresToolCall(invocation.call) ? events.pipeThrough(toolCallRequired()) : events
  }

  /**
   * Where a model is called. A provider this gateway is not set up for is the request asking for
   * something unavailable, not a fault of ours: a 400 naming the missing setting. With custom
   * models off, a request may not bring its own endpoint (one that is used) or key.
   */
  private target(metadata: ModelMetadata, kind: keyof typeof CUSTOM_MODELS_OFF): ModelTarget {
    let target: ModelTarget
    try {
      target = resolveTarget(metadata, this.deps.config.providers)
    } catch (error) {
      if (!(error instanceof ProviderSetupError)) throw error
      this.deps.logger.warning('Model call not possible with the current settings', {
        model_identifier: metadata.identifier,
        error: error.message,
      })
      throw new HttpError(400, error.message)
    }
    if (!this.deps.config.customModels.enabled && (target.requestSuppliedEndpoint || metadata.apiKey))
      throw CUSTOM_MODELS_OFF[kind]()
    return target
  }
}

/** The call, as the request and the matching quirks shape it. */
function shapeCall(
  target: ModelTarget,
  request: ModelRequest,
  params: ModelParams,
  quirks: ReadonlySet<QuirkEffect>,
  extraHeaders: Readonly<Record<string, string>>,
): ModelCall {
  const prefilled = request.messages.at(-1)?.role === 'assistant'
  const messages =
    prefilled && quirks.has('prefill-as-user') ? withoutPrefill(request.messages) : request.messages
  const extraBody: Record<string, unknown> = {}
  if (prefilled && quirks.has('continue-final-message'))
    Object.assign(extraBody, { continue_final_message: true, add_generation_prompt: false })
  const maxTokens = params.max_tokens
  if (maxTokens !== undefined && quirks.has('max-completion-tokens'))
    extraBody.max_completion_tokens = maxTokens
  return {
    target,
    messages: quirks.has('short-tool-call-ids') ? withShortToolCallIds(messages) : messages,
    ...(request.tools?.length ? { tools: request.tools } : {}),
    ...(request.tools?.length && request.toolChoice ? { toolChoice: request.toolChoice } : {}),
    ...(maxTokens !== undefined && !quirks.has('max-completion-tokens') ? { maxTokens } : {}),
    ...(params.temperature !== undefined && !quirks.has('no-temperature')
      ? { temperature: params.temperature }
      : {}),
    ...(params.top_p !== undefined ? { topP: params.top_p } : {}),
    ...(request.stop?.length ? { stop: [...request.stop] } : {}),
    ...(Object.keys(extraBody).length ? { extraBody } : {}),
    ...(Object.keys(extraHeaders).length ? { headers: { ...extraHeaders } } : {}),
  }
}

/** GitLab's rewrite for models that refuse a prefill: the assistant's unfinished text becomes context in a user message. */
function withoutPrefill(messages: readonly ChatMessage[]): ChatMessage[] {
  const last = messages.at(-1)!
  return [
    ...messages.slice(0, -1),
    { role: 'user', content: `[Previous assistant context]: ${last.content}` },
  ]
}

/**
 * Tool call ids as Mistral's tool calling takes them (9 letters and digits): each id of the
 * conversation mapped to one derived from it, the same in the call and in its result.
 */
function withShortToolCallIds(messages: readonly ChatMessage[]): readonly ChatMessage[] {
  if (!messages.some((m) => (m.role === 'assistant' && m.toolCalls?.length) || m.role === 'tool'))
    return messages
  const short = (id: string) => (/^[A-Za-z0-9]{9}$/.test(id) ? id : shortId(id))
  return messages.map((message): ChatMessage => {
    if (message.role === 'tool') return { ...message, toolCallId: short(message.toolCallId) }
    if (message.role === 'assistant' && message.toolCalls) {
      return {
        ...message,
        toolCalls: message.toolCalls.map((call: ToolCall) => ({ ...call, id: short(call.id) })),
      }
    }
    return message
  })
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A stable 9-character id for `id` (FNV-1a, base 62): the same id always maps to the same short one. */
function shortId(id: string): string {
  let hash = 0x811c9dc5
  let out = ''
  for (let round = 0; out.length < 9; round++) {
    for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0
    hash = Math.imul(hash ^ round, 0x01000193) >>> 0
    for (let left = hash; left > 0 && out.length < 9; left = Math.floor(left / 62))
      out += ALPHANUMERIC[left % 62]
  }
  return out
}

/** The call may only be answered with a tool call (`toolChoice` `required` or a named tool). */
function requiresToolCall(call: ModelCall): boolean {
  return (
    Boolean(call.tools?.length) && (call.toolChoice === 'required' || typeof call.toolChoice === 'object')
  )
}

/** Passes a stream's events on; one that ends without a tool call ends with ToolCallMissing instead. */
function toolCallRequired(): TransformStream<ModelEvent, ModelEvent> {
  let called = false
  return new TransformStream({
    transform(event, controller) {
      if (event.type === 'tool_call_end') called = true
      controller.enqueue(event)
    },
    flush(controller) {
      if (!called) controller.error(new ToolCallMissing())
    },
  })
}

/** A whole answer as the events its stream would have carried. */
function resultEvents(result: ModelResult): ModelEvent[] {
  const events: ModelEvent[] = []
  if (result.text) events.push({ type: 'text', text: result.text })
  for (const [index, call] of (result.toolCalls ?? []).entries()) {
    events.push(
      { type: 'tool_call_start', index, id: call.id, name: call.name },
      { type: 'tool_call_end', index, call },
    )
  }
  const offset = result.toolCalls?.length ?? 0
  for (const [index, call] of (result.invalidToolCalls ?? []).entries())
    events.push({ type: 'tool_call_invalid', index: offset + index, call })
  if (result.finishReason) events.push({ type: 'finish', reason: result.finishReason })
  if (result.usage) events.push({ type: 'usage', usage: result.usage })
  return events
}

export function eventsOf(events: readonly ModelEvent[]): ReadableStream<ModelEvent> {
  return new ReadableStream<ModelEvent>({
    start(controller) {
      for (const event of events) controller.enqueue(event)
      controller.close()
    },
  })
}
