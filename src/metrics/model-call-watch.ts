/**
 * Measures one model call for `GatewayMetrics`: in flight while it runs, then one record with
 * GitLab's labels (error type, finish reason, tokens) plus time to the upstream's headers and to
 * the first text. The model client feeds it from the events it already forwards, so measuring adds
 * no stream stage; without metrics the client creates none.
 */
import { ModelStreamError, type ModelEvent, type ModelTarget, type Usage } from '../model-call/types.ts'
import { UpstreamError } from '../model-call/upstream-error.ts'
import type { GatewayMetrics } from '../platform.ts'

/** Who made the call: GitLab's `feature_category` and `unit_primitive` labels. */
export interface CallLabels {
  featureCategory: string
  unitPrimitive: string
}

export class ModelCallWatch {
  private readonly started = performance.now()
  private readonly metrics: GatewayMetrics
  private readonly target: ModelTarget
  private readonly labels: CallLabels | undefined
  private readonly streaming: boolean
  private responseSeconds: number | undefined
  private firstTextSeconds: number | undefined
  private finishReason = 'unknown'
  private usage: Usage | undefined
  private finished = false

  constructor(
    metrics: GatewayMetrics,
    target: ModelTarget,
    labels: CallLabels | undefined,
    streaming: boolean,
  ) {
    this.metrics = metrics
    this.target = target
    this.labels = labels
    this.streaming = streaming
    metrics.modelInFlight(target.provider, target.upstreamModel, 1)
  }

  /** The upstream answered 2xx (the last attempt's time counts). */
  responded(): void {
    this.responseSeconds = this.elapsed()
  }

  event(event: ModelEvent): void {
    if (event.type === 'text') {
      if (this.firstTextSeconds === undefined && event.text) this.firstTextSeconds = this.elapsed()
    } else if (event.type === 'finish') {
      this.finishReason = event.reason
    } else if (event.type === 'usage') {
      this.usage = { ...this.usage, ...event.usage }
    }
  }

  /** What a non-streaming answer reported. */
  result(finishReason: string | undefined, usage: Usage | undefined): void {
    if (finishReason) this.finishReason = finishReason
    if (usage) this.usage = usage
  }

  /** Records the call once, however it ended; a client hang-up is not the model's error (as in GitLab). */
  finish(error?: unknown): void {
    if (this.finished) return
    this.finished = true
    const { target, labels } = this
    this.metrics.modelInFlight(target.provider, target.upstreamModel, -1)
    this.metrics.modelCall({
      engine: target.provider,
      model: target.upstreamModel,
      featureCategory: labels?.featureCategory ?? 'unknown',
      unitPrimitive: labels?.unitPrimitive ?? 'unknown',
      streaming: this.streaming,
      errorType: error === undefined ? 'none' : errorType(error),
      finishReason: this.finishReason,
      seconds: this.elapsed(),
      ...(this.responseSeconds !== undefined ? { responseSeconds: this.responseSeconds } : {}),
      ...(this.firstTextSeconds !== undefined ? { timeToFirstTokenSeconds: this.firstTextSeconds } : {}),
      ...(this.usage?.inputTokens !== undefined ? { inputTokens: this.usage.inputTokens } : {}),
      ...(this.usage?.outputTokens !== undefined ? { outputTokens: this.usage.outputTokens } : {}),
    })
  }

  private elapsed(): number {
    return (performance.now() - this.started) / 1000
  }
}

/** GitLab's `error_type` values; `none` also for a client that went away (not a model failure). */
export function errorType(error: unknown): string {
  if (error instanceof UpstreamError) {
    switch (error.failure) {
      case 'aborted':
        return 'none'
      case 'refused':
      case 'dns':
      case 'tls':
      case 'connect':
      case 'reset':
      case 'blocked':
        return 'connection_error'
      case 'http':
        return byMessage(safeText(error.upstreamBody)) ?? byStatus(error.upstreamStatus)
      default:
        return 'other'
    }
  }
  if (error instanceof ModelStreamError) return byMessage(error.message) ?? 'other'
  return 'other'
}

function byMessage(text: string): string | undefined {
  const lower = text.toLowerCase()
  if (lower.includes('prompt is too long')) return 'prompt_too_long'
  if (lower.includes('overloaded')) return 'overloaded'
  return undefined
}

function byStatus(status: number | undefined): string {
  if (status === 400) return 'http_400'
  if (status === 403) return 'permission_error'
  if (status === 503) return 'service_unavailable'
  if (status === 529) return 'overloaded'
  return 'other'
}

function safeText(body: unknown): string {
  if (typeof body === 'string') return body
  try {
    return JSON.stringify(body) ?? ''
  } catch {
    return ''
  }
}
