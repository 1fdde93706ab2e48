/**
 * The neutral model call every feature route speaks, and the contract of a wire format module.
 *
 * A route builds a `ModelRequest` (messages or a prompt, parameters, stream flag) for a
 * `ModelTarget` (which format, where, which model, which key); the `ModelClient` turns it into an
 * upstream `Request` through the target's `WireFormat`, sends it through the `fetch` port, and
 * hands back neutral `ModelEvent`s (streaming) or a `ModelResult`.
 */

export type Role = 'system' | 'user' | 'assistant'

export interface ChatMessage {
  role: Role
  content: string
}

export interface ModelRequest {
  /** Chat messages, for every format but text completions. */
  messages?: ChatMessage[]
  /** One prompt string, for text completions (`text-completion-openai/`); messages are flattened otherwise. */
  prompt?: string
  stream: boolean
  maxTokens?: number
  temperature?: number
  topP?: number
  stop?: string[]
  /** Extra top-level body fields the format passes on as they are (vLLM's `continue_final_message`...). */
  extraBody?: Record<string, unknown>
  /** Extra request headers (operator-configured, never client-supplied credentials). */
  headers?: Record<string, string>
}

export type WireFormatName = 'openai-chat' | 'openai-text' | 'azure' | 'anthropic' | 'bedrock' | 'vertex'

/** Where and how one model is called: the result of resolving a model identifier (providers/resolve.ts). */
export interface ModelTarget {
  format: WireFormatName
  /** The LiteLLM-style provider prefix the identifier named (`custom_openai`, `bedrock`...), for logs and metrics. */
  provider: string
  /** Upstream model name; the Azure deployment; the Bedrock model id or ARN; the Vertex model. */
  model: string
  /** API base URL without a trailing slash (OpenAI-compatible bases include `/v1`). Unused by Bedrock and Vertex. */
  endpoint: string
  /** The credential to send, if the format uses a key (`dummy_key` for keyless OpenAI-compatible servers). */
  apiKey?: string
  /** True when the endpoint came from the request (model metadata), not from the operator: the SSRF guard applies. */
  requestSuppliedEndpoint: boolean
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other'

export interface Usage {
  inputTokens?: number
  outputTokens?: number
}

/** What a stream yields, in upstream order; a `text` event is forwarded as soon as it arrives. */
export type ModelEvent =
  | { type: 'text'; text: string }
  | { type: 'finish'; reason: FinishReason }
  | { type: 'usage'; usage: Usage }

export interface ModelResult {
  text: string
  finishReason?: FinishReason
  usage?: Usage
}

export interface ModelCall extends ModelRequest {
  target: ModelTarget
}

/** Texts to embed with one model (OpenAI-compatible `POST {endpoint}/embeddings`). */
export interface EmbeddingCall {
  target: ModelTarget
  input: string[]
  /** Length of the vectors asked for (models that can shorten theirs); absent: the model's own. */
  dimensions?: number
  /** Extra request headers (operator-configured, never client-supplied credentials). */
  headers?: Record<string, string>
}

export interface Embedding {
  embedding: number[]
  /** Position of the text in `input`. */
  index: number
}

export interface EmbeddingResult {
  embeddings: Embedding[]
  usage?: Usage
}

/** The embeddings half of a wire format, for formats whose servers compute them. */
export interface EmbeddingWire {
  request(call: EmbeddingCall): Promise<UpstreamCall>
  /** @throws UpstreamError when the answer holds no vectors. */
  parse(body: unknown, call: EmbeddingCall): EmbeddingResult
}

/**
 * An upstream request as plain data, for the `fetch` port (`fetch(url, init)`): building a
 * `Request` costs more than the call itself on Node. Its body is always a string, so it can be
 * retried, and its headers hold the credential (the client blanks them out of logged messages).
 */
export interface UpstreamCall {
  url: string
  init: RequestInit & { method: string; headers: Headers; body: string }
}

/**
 * One module per wire format. `request` may be async: Bedrock signs the request, Vertex needs an
 * access token. Parsing never sees transport problems: the client deals with those.
 */
export interface WireFormat {
  /** The upstream request. */
  request(call: ModelCall): Promise<UpstreamCall>
  /** A complete non-streaming answer (the parsed JSON body) of `call`. */
  parse(body: unknown, call: ModelCall): ModelResult
  /**
   * The upstream stream body as neutral events, one `text` event per upstream delta. Errors the
   * stream (with `ModelStreamError`) when the upstream reports a failure mid-stream.
   */
  events(body: ReadableStream<Uint8Array>, call: ModelCall, limits: StreamLimits): ReadableStream<ModelEvent>
  /** The human-readable message in an upstream error body, for logs (never sent to clients as is). */
  errorMessage(body: unknown): string | undefined
  /** Absent for formats without an embeddings API here (Anthropic, Bedrock, Vertex). */
  embeddings?: EmbeddingWire
}

/** What a stream parser may hold in memory (AIGW_UPSTREAM__MAX_RESPONSE_BYTES). */
export interface StreamLimits {
  /** The longest single event (an SSE event, an AWS event-stream message), in bytes (characters for text framings). */
  maxEventBytes: number
}

/** A single streamed event grew past `StreamLimits.maxEventBytes`: the stream is cut there (the client reports which host). */
export class EventTooLarge extends Error {
  constructor() {
    super('a streamed event exceeded the size limit')
    this.name = 'EventTooLarge'
  }
}

/** The upstream reported an error inside a stream it had started (Anthropic `event: error`, a Bedrock exception frame...). */
export class ModelStreamError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ModelStreamError'
  }
}

/**
 * The gateway cannot make the call as configured (no credentials for Bedrock or Vertex, an
 * unreadable service-account key...). The message names the setting to fix and never holds a
 * secret; the client answers it as a 400 `{"detail": message}` without calling upstream (the request
 * named a provider this gateway is not set up for; 5xx stays for the gateway's own faults).
 */
export class ProviderSetupError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProviderSetupError'
  }
}
