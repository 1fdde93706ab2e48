/**
 * What a feature asks of the model layer (one request type), and what the front door decided for
 * it before anything is sent (the invocation: where the call goes, what it carries, its limits).
 * A feature never builds a `ModelCall` itself.
 */
import type { CallLabels } from '../metrics/model-call-watch.ts'
import type { ChatMessage, ModelCall, ModelEvent, ToolChoice, ToolDefinition } from '../model-call/types.ts'
import type { StreamDeadlines } from '../streaming/deadlines.ts'
import type { ModelParams } from './families.ts'
import type { SelfHostedModel } from './metadata.ts'
import type { ModelMetadata } from './target.ts'

export interface ModelRequest {
  /** The self-hosted model the request named. */
  model: SelfHostedModel
  messages: readonly ChatMessage[]
  /** Tools the model may call (native tool calling); none: a plain completion. */
  tools?: readonly ToolDefinition[] | undefined
  toolChoice?: ToolChoice | undefined
  /** The prompt's sampling parameters; the family's defaults fill what they leave out. */
  params: ModelParams
  stop?: readonly string[] | undefined
  /** The prompt's timeout in seconds: the whole call, and a stream's longest silence (capped by the settings). */
  timeoutS?: number | undefined
  /** Who is calling: GitLab's feature category and unit primitive (metrics). */
  labels: CallLabels
}

/** Texts to embed, with GitLab's embedding call policy (its own timeout, one retry, statuses passed on). */
export interface EmbeddingRequest {
  metadata: ModelMetadata
  input: string[]
  /** Length of the vectors asked for; absent: the model's own. */
  dimensions?: number | undefined
  timeoutS: number
  retries: number
  /** Upstream statuses answered with that status and the upstream's message (GitLab: 400, 401, 429). */
  passOnStatuses: readonly number[]
  labels: CallLabels
}

/** A model request resolved to its call. Routes log where it goes; the front door then makes it. */
export interface ModelInvocation {
  /** The request's model (what GitLab named: provider, family, metadata). */
  model: SelfHostedModel
  /** What goes upstream, where (`call.target`), quirks applied. */
  call: ModelCall
  /** The whole call (a non-streamed one's deadline), in ms. */
  timeoutMs: number
  /** A stream's longest silence, in ms. */
  idleTimeoutMs: number
  /** Extra attempts of a non-streamed call that failed retryably. */
  retries: number
  labels: CallLabels
  /** The model's answer may open with a `<think>` block that is its reasoning, not its answer. */
  stripReasoning: boolean
}

/** A streamed answer as it starts: the model's events and the answer's clocks (started with the call). */
export interface OpenStream {
  events: ReadableStream<ModelEvent>
  deadlines: StreamDeadlines
}
