/**
 * From "this self-hosted model, these messages, these parameters" to a model call, the same way
 * for every feature (code suggestions, chat, the prompt registry): the target resolved from the
 * model metadata, GitLab's parameter precedence (family defaults < prompt), the operator's extra
 * headers, the prefill flags a trailing assistant message needs, the timeouts and the retry
 * policy, and AIGW_CUSTOM_MODELS__DISABLE_STREAMING (spec features §4.3, §4.4).
 */
import type { Config } from '../config.ts'
import { HttpError } from '../errors.ts'
import type { Logger } from '../logging.ts'
import type { CallLabels } from '../metrics/model-call-watch.ts'
import type { ModelClient } from '../providers/client.ts'
import { resolveTarget } from '../providers/resolve.ts'
import { hostOf } from '../providers/upstream-error.ts'
import { StreamDeadlines } from '../streaming/deadlines.ts'
import { ProviderSetupError, type ChatMessage, type ModelCall, type ModelEvent, type ModelResult, type ModelTarget } from '../providers/types.ts'
import type { ModelParams } from './families.ts'
import type { SelfHostedModel } from './model-metadata.ts'

/** Non-streaming calls that failed retryably are tried again at most this often (100 ms, then 400 ms later). */
const RETRIES = 2
/** A prompt without its own timeout gets this many seconds (GitLab's model request timeout). */
const DEFAULT_TIMEOUT_S = 60

/** Claude models from 4.6 on refuse a trailing assistant message (prefill); older ones continue it. */
const REFUSES_PREFILL = /claude-(?:opus|sonnet|haiku|fable|mythos)-(?:4-[6-9]|[5-9])/i

/** Families whose vLLM chat templates continue a trailing assistant message only when told to (GitLab: model names with "mistral"). */
const CONTINUES_FINAL_MESSAGE = /mistral|mixtral|codestral/i

export interface CallSpec {
  model: SelfHostedModel
  messages: ChatMessage[]
  /** The prompt's parameters; the family's defaults fill what they leave out. */
  params: ModelParams
  stop?: readonly string[] | undefined
  stream: boolean
  /** The prompt's timeout in seconds (overall, and the longest silence of a stream). */
  timeoutS?: number | undefined
  /** GitLab's unit primitive of the call (`complete_code`, `duo_chat`...), for metrics. */
  unitPrimitive?: string | undefined
}

export interface PreparedCall {
  call: ModelCall
  timeoutMs: number
  idleTimeoutMs: number
  labels: CallLabels
}

/** A streamed answer as it starts: the model's events and the answer's clocks. */
export interface OpenStream {
  events: ReadableStream<ModelEvent>
  deadlines: StreamDeadlines
}

export interface ModelCallerDeps {
  config: Config
  models: ModelClient
  logger: Logger
  /** GitLab's feature category of this caller's routes (`code_suggestions`, `duo_chat`...), for metrics. */
  featureCategory?: string
}

export class ModelCaller {
  private readonly deps: ModelCallerDeps
  constructor(deps: ModelCallerDeps) {
    this.deps = deps
  }

  /** @throws HttpError (4xx) for a model the request cannot have, 500 naming the setting a provider lacks. */
  prepare(spec: CallSpec): PreparedCall {
    const { config } = this.deps
    const target = this.targetOf(spec.model)
    this.checkCustomModel(spec.model, target.requestSuppliedEndpoint)
    const params: ModelParams = { ...spec.model.family.params, ...spec.params }
    const messages = REFUSES_PREFILL.test(target.model) ? withoutPrefill(spec.messages) : spec.messages
    const extraBody = prefillFlags(spec, target)
    const timeoutMs = Math.min(config.models.timeoutMs, (spec.timeoutS ?? DEFAULT_TIMEOUT_S) * 1000)
    return {
      call: {
        messages,
        stream: spec.stream,
        ...(params.max_tokens !== undefined ? { maxTokens: params.max_tokens } : {}),
        ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
        ...(params.top_p !== undefined ? { topP: params.top_p } : {}),
        ...(spec.stop?.length ? { stop: [...spec.stop] } : {}),
        ...(extraBody ? { extraBody } : {}),
        ...(Object.keys(config.customModels.extraHeaders).length ? { headers: { ...config.customModels.extraHeaders } } : {}),
        target,
      },
      timeoutMs,
      idleTimeoutMs: Math.min(config.models.streamIdleTimeoutMs, timeoutMs),
      labels: { featureCategory: this.deps.featureCategory ?? 'unknown', unitPrimitive: spec.unitPrimitive ?? 'unknown' },
    }
  }

  /** One whole answer; retried on connection trouble, 5xx and overload within the deadline. */
  complete(prepared: PreparedCall, signal: AbortSignal | undefined): Promise<ModelResult> {
    return this.deps.models.complete({ ...prepared.call, stream: false }, { signal, timeoutMs: prepared.timeoutMs, retries: RETRIES, labels: prepared.labels })
  }

  /**
   * The model's events; resolves once the model server answered. Never retried. With streaming
   * disabled by the operator, one whole answer comes out as a single text event. The answer's
   * clocks start with the call: whoever turns the events into output races its reads with them.
   */
  async stream(prepared: PreparedCall, signal: AbortSignal | undefined): Promise<OpenStream> {
    const { models } = this.deps.config
    const deadlines = new StreamDeadlines(
      { firstOutputMs: models.firstOutputTimeoutMs, totalMs: models.streamTimeoutMs },
      hostOf(prepared.call.target.endpoint),
    )
    try {
      return { events: await this.events(prepared, signal), deadlines }
    } catch (error) {
      deadlines.stop()
      throw error
    }
  }

  private async events(prepared: PreparedCall, signal: AbortSignal | undefined): Promise<ReadableStream<ModelEvent>> {
    if (this.deps.config.customModels.disableStreaming) {
      const result = await this.complete(prepared, signal)
      const events: ModelEvent[] = []
      if (result.text) events.push({ type: 'text', text: result.text })
      if (result.finishReason) events.push({ type: 'finish', reason: result.finishReason })
      if (result.usage) events.push({ type: 'usage', usage: result.usage })
      return eventsOf(events)
    }
    return this.deps.models.stream({ ...prepared.call, stream: true }, { signal, idleTimeoutMs: prepared.idleTimeoutMs, labels: prepared.labels })
  }

  /** The most of one answer a feature may hold in memory (AIGW_UPSTREAM__MAX_RESPONSE_BYTES). */
  get maxResponseBytes(): number {
    return this.deps.config.models.maxResponseBytes
  }

  /**
   * The model to call. A provider this gateway is not set up for (no Vertex project...) is the
   * request asking for something unavailable, not a fault of ours: a 400 naming the missing setting.
   */
  private targetOf(model: SelfHostedModel): ModelTarget {
    try {
      return resolveTarget(model.metadata, this.deps.config.providers)
    } catch (error) {
      if (error instanceof ProviderSetupError) {
        this.deps.logger.warning('Model call not possible with the current settings', { model_identifier: model.metadata.identifier, error: error.message })
        throw new HttpError(400, error.message)
      }
      throw error
    }
  }

  /** With custom models off, a request may not bring its own endpoint (one that is used) or key. */
  private checkCustomModel(model: SelfHostedModel, endpointUsed: boolean): void {
    if (!this.deps.config.customModels.enabled && (endpointUsed || model.metadata.apiKey)) {
      throw new HttpError(403, 'This gateway does not accept model endpoints or keys from requests (AIGW_CUSTOM_MODELS__ENABLED is false)')
    }
  }
}

/**
 * A trailing assistant message is a prefill the model must continue (the ReAct `Thought:`). vLLM
 * starts a new assistant turn instead unless told otherwise; GitLab tells Mistral models so.
 */
function prefillFlags(spec: CallSpec, target: ModelTarget): Record<string, unknown> | undefined {
  if (spec.messages.at(-1)?.role !== 'assistant') return undefined
  // Mistral's own API takes a `prefix` flag on the message instead; its OpenAI-compatible variant is not a vLLM.
  if (target.format !== 'openai-chat' || target.provider === 'mistral') return undefined
  if (!CONTINUES_FINAL_MESSAGE.test(spec.model.family.name) && !CONTINUES_FINAL_MESSAGE.test(target.model)) return undefined
  return { continue_final_message: true, add_generation_prompt: false }
}

/** GitLab's rewrite for models that refuse a prefill: the assistant's unfinished text becomes context in a user message. */
function withoutPrefill(messages: ChatMessage[]): ChatMessage[] {
  const last = messages.at(-1)
  if (last?.role !== 'assistant') return messages
  return [...messages.slice(0, -1), { role: 'user', content: `[Previous assistant context]: ${last.content}` }]
}

export function eventsOf(events: readonly ModelEvent[]): ReadableStream<ModelEvent> {
  return new ReadableStream<ModelEvent>({
    start(controller) {
      for (const event of events) controller.enqueue(event)
      controller.close()
    },
  })
}
