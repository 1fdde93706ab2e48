/**
 * The ports between the core and a runtime. Adapters (worker-entry/, node-entry/) build a
 * `Platform`; the core never asks which runtime it is on.
 */
import type { JWK } from 'jose'
import type { LogSink } from './logging.ts'

/** A JWKS as kept in the shared key store (tier 2): public keys only, never secrets. */
export interface StoredKeySet {
  jwksUri: string
  keys: JWK[]
  fetchedAt: number
  expiresAt: number
}

/** Tier 2 of the JWKS cache: shared between isolates (`caches.default`) or in memory (Node). */
export interface KeyStore {
  get(key: string): Promise<StoredKeySet | undefined>
  put(key: string, value: StoredKeySet, ttlSeconds: number): Promise<void>
}

/** Static files of the API reference page (Swagger UI), served without internet access. */
export interface DocsAssets {
  get(name: string): Promise<Response | undefined>
}

/** Background work that must outlive the response (Workers `ctx.waitUntil`, a drain set on Node). */
export interface BackgroundTasks {
  waitUntil(promise: Promise<unknown>): void
}

/**
 * A SQLite database holding GitLab's documentation index (table `doc_index`): `node:sqlite` on
 * Node, a D1 binding on Workers. Runs one read-only statement with positional `?` parameters and
 * returns its rows as objects; it throws when the database cannot answer.
 */
export interface DocsIndex {
  all(sql: string, params: readonly (string | number)[]): Promise<Record<string, unknown>[]>
}

/**
 * One finished model call, for metrics (labels are GitLab's where it has them). Times are seconds
 * from the start of the call (retries included); `errorType` is GitLab's classification.
 */
export interface ModelCallRecord {
  /** The provider prefix of the model identifier (`custom_openai`, `bedrock`...): GitLab's `model_engine`. */
  engine: string
  model: string
  featureCategory: string
  unitPrimitive: string
  streaming: boolean
  /** `none`, `http_400`, `permission_error`, `service_unavailable`, `overloaded`, `prompt_too_long`, `connection_error`, `other`. */
  errorType: string
  /** The model's stop reason (`stop`, `length`...), `unknown` when it gave none. */
  finishReason: string
  seconds: number
  /** Until the upstream's response headers (the successful attempt); absent when it never answered. */
  responseSeconds?: number
  /** Until the first text of a stream. */
  timeToFirstTokenSeconds?: number
  inputTokens?: number
  outputTokens?: number
}

/**
 * Operational events the core reports, as plain values (no metrics-library types): the Node
 * adapter turns them into Prometheus metrics. Absent: nothing is measured, and nothing costs.
 * Methods may be called detached from the object (`openStreams` is handed around on its own).
 */
export interface GatewayMetrics {
  /** A response started (streamed bodies are not timed). `handler` is the route template. */
  httpRequest(handler: string, method: string, status: number, seconds: number): void
  /** A model call started (+1) or ended (-1). */
  modelInFlight(engine: string, model: string, delta: 1 | -1): void
  modelCall(record: ModelCallRecord): void
  /** An upstream stream (model or proxy) was handed out (+1) or ended, however it ended (-1). */
  openStreams(delta: 1 | -1): void
  /** A signing-key fetch from an issuer (`gitlab`, `customers_dot`) succeeded or failed. */
  jwksRefresh(source: string, outcome: 'success' | 'failure'): void
  /** A verified-token cache lookup. */
  tokenCache(hit: boolean): void
}

/**
 * Why a call through the `fetch` port got no answer, or lost it half-way, as the adapter reads its
 * runtime's errors: the core turns each kind into its status and message (model-call/upstream-error.ts)
 * and never parses a runtime's error text.
 */
export type TransportFailureKind =
  | 'refused' // the server refused the connection
  | 'dns' // the host name could not be resolved
  | 'tls' // the TLS handshake failed (certificate, protocol)
  | 'timeout' // connecting took too long
  | 'reset' // the connection broke before or during the answer
  | 'connect' // could not connect, cause unknown
  | 'blocked' // the adapter would not connect: the host resolves to a link-local or cloud metadata address

export interface TransportFailure {
  kind: TransportFailureKind
  /** The runtime's error code (ECONNREFUSED, CERT_HAS_EXPIRED...): for logs, and named in a `tls` message. */
  code?: string | undefined
}

/** Reads an error thrown by `fetch` (`'request'`: before any answer) or by reading its response's body (`'body'`). */
export type FetchFailureReader = (error: unknown, phase: 'request' | 'body') => TransportFailure

export interface Platform {
  /** Outbound HTTP: OIDC discovery, JWKS and model providers. */
  fetch: typeof fetch
  /**
   * The adapter's reading of `fetch`'s failures (each runtime words them its own way). Without
   * it, every failure is `connect`: cause unknown.
   */
  fetchFailure?: FetchFailureReader | undefined
  keyStore: KeyStore
  logSink: LogSink
  docsAssets?: DocsAssets
  now?: () => number
  /**
   * SHA-256 of a string, hex (the verified-token cache's key). Defaults to WebCrypto; Node's
   * adapter passes node:crypto's, which is synchronous: WebCrypto's digest costs a thread-pool
   * job per call there, about a tenth of an authenticated request's CPU.
   */
  sha256Hex?: (text: string) => string | Promise<string>
  /** The documentation search index; without one, `/v1/search/gitlab-docs` finds nothing. */
  docsIndex?: DocsIndex
  /** Where operational metrics go (Node: Prometheus); without it nothing is measured. */
  metrics?: GatewayMetrics | undefined
}

/** Per-request values the adapters hand to `app.fetch` as Hono bindings. */
export interface AppBindings {
  /** The peer's address as the runtime saw it (socket address on Node, CF-Connecting-IP on Workers). */
  clientAddress?: string
  /**
   * Ends the response's connection at once (the Node adapter destroys the socket): how a streamed
   * answer that failed half-way is cut, so the client sees it incomplete. Without it the body
   * stream errors, which workerd turns into a reset too (Node's adapter would also print the error).
   */
  breakConnection?: () => void
}
