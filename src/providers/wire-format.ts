/**
 * The contract of a wire format module (openai.ts, anthropic.ts, bedrock.ts, vertex.ts): a neutral
 * call (model-call/types.ts) in, an upstream request as plain data out; the answer, whole or
 * streamed, back into neutral results and events.
 */
import type {
  EmbeddingCall,
  EmbeddingResult,
  ModelCall,
  ModelEvent,
  ModelResult,
  StreamLimits,
} from '../model-call/types.ts'

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
  /** The upstream request; `stream` asks for the streamed form (the client decides, once). */
  request(call: ModelCall, stream: boolean): Promise<UpstreamCall>
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
