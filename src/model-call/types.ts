/**
 * The neutral model call, the language every layer speaks whatever the provider's format: what
 * the front door (src/models/models.ts) hands the model client, and what a wire format module
 * (providers/wire-format.ts) turns into a provider's request. Messages (tool calls and their
 * results included), tool definitions and sampling in; neutral events (text deltas, tool calls
 * assembled from their pieces, finish reason, usage) or a whole result out.
 */

/** A tool the model may call: its name, what it is for, and its arguments' JSON Schema (an object schema). */
export interface ToolDefinition {
  name: string
  description: string
  parameters: Record<string, unknown>
}

/** Whether the model may (`auto`), must (`required`, or this one tool) or must not (`none`) call a tool. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string }

/** A tool call the model made, with its arguments parsed (always a JSON object). */
export interface ToolCall {
  id: string
  name: string
  arguments: Record<string, unknown>
}

/** A tool call whose arguments could not be used: not JSON, not an object, or cut off by a stream that ended. */
export interface InvalidToolCall {
  id: string
  name: string
  /** The argument text as the model wrote it (or as far as it came). */
  arguments: string
  reason: string
}

export type Role = 'system' | 'user' | 'assistant' | 'tool'

/**
 * One message of a conversation. An assistant message may carry the tool calls it made; each
 * call's result comes back as a `tool` message naming the call.
 */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: readonly ToolCall[] | undefined }
  | { role: 'tool'; content: string; toolCallId: string; toolName: string; isError?: boolean | undefined }

/** The sampling and shaping of one call, as the front door settled it (quirks applied). */
export interface ModelCall {
  target: ModelTarget
  messages: readonly ChatMessage[]
  tools?: readonly ToolDefinition[] | undefined
  toolChoice?: ToolChoice | undefined
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

/** Where and how one model is called: the result of resolving a model identifier (src/models/target.ts). */
export interface ModelTarget {
  format: WireFormatName
  /** The LiteLLM-style provider prefix the identifier named (`custom_openai`, `bedrock`...), for logs and metrics. */
  provider: string
  /** The model's name upstream: the server's model, the Azure deployment, the Bedrock model id or ARN, the Vertex model. */
  upstreamModel: string
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

/**
 * What a stream yields, in upstream order; a `text` event is forwarded as soon as it arrives. Tool
 * calls come as `tool_call_start` (id and name), `tool_call_delta` (pieces of the arguments' JSON,
 * as the model writes them) and then `tool_call_end` (the arguments parsed) or `tool_call_invalid`
 * (they were not a JSON object, or the stream ended inside the call). `index` tells parallel calls
 * apart: each is the call's position in the model's message.
 */
export type ModelEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call_start'; index: number; id: string; name: string }
  | { type: 'tool_call_delta'; index: number; arguments: string }
  | { type: 'tool_call_end'; index: number; call: ToolCall }
  | { type: 'tool_call_invalid'; index: number; call: InvalidToolCall }
  | { type: 'finish'; reason: FinishReason }
  | { type: 'usage'; usage: Usage }

export interface ModelResult {
  text: string
  /** The tool calls the model made, in order (absent: none). */
  toolCalls?: ToolCall[]
  /** Tool calls whose arguments could not be used (absent: none). */
  invalidToolCalls?: InvalidToolCall[]
  finishReason?: FinishReason
  usage?: Usage
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

/** A tool call was required (`toolChoice` `required` or a named tool) and the model answered without one. */
export class ToolCallMissing extends Error {
  constructor() {
    super('The model answered without the tool call it was required to make')
    this.name = 'ToolCallMissing'
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
