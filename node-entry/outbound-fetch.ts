/**
 * The Node side of the `Platform.fetch` port: a fetch-shaped function over one undici `Agent`
 * and `dispatcher.request()`, which proxies model streams several times faster than Node's
 * global fetch (see bench/outbound-fetch.ts). Callers get real Web `Response`s; the response
 * body is a pull-based `ReadableStream` (not `Readable.toWeb`, which can crash the process when
 * a client hangs up mid-stream), so backpressure holds and a cancel hangs up on the upstream.
 *
 * Deliberately not fetch: bodies are never decoded (no `accept-encoding` is sent, so servers
 * answer uncompressed), `response.url`/`redirected` are not set, and there are no transport
 * timeouts after connecting: the core times calls out through `signal`.
 *
 * Its failures are read for the core by `nodeFetchFailure` (fetch-failure.ts), handed out with it.
 */
import { Buffer } from 'node:buffer'
import type { Readable } from 'node:stream'
import type { ConnectionOptions } from 'node:tls'
import { Agent, interceptors, type Dispatcher } from 'undici'
import type { FetchFailureReader } from '../src/platform.ts'
import { nodeFetchFailure } from './fetch-failure.ts'
import { createGuardedLookup, type Resolver } from './guarded-lookup.ts'
import { poolWithoutReconnects } from './no-reconnect-after-abort.ts'

export interface OutboundOptions {
  /** Max sockets per origin (keep-alive pool); default: no limit, one per concurrent call (a stream holds its socket for minutes). */
  connections?: number
  /**
   * Client-certificate TLS (AIGW_MTLS__*) for every origin but `exceptOrigins`: the OIDC issuers,
   * whose discovery and JWKS calls keep Node's own trust (and never `rejectUnauthorized: false`).
   */
  clientTls?: { connect: ConnectionOptions; exceptOrigins: readonly string[] }
  /** The DNS resolver behind the SSRF guard (default: the system's `dns.lookup`; tests bring their own). */
  resolver?: Resolver
}

/** As fetch: at most this many redirects, then a network error (undici 7 counts the first request too, hence the +1 below). */
const MAX_REDIRECTS = 5
/** Statuses fetch treats as redirects (`redirect: 'error'` rejects them). */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
/** Statuses a `Response` must not have a body for. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])
/** Methods upper-cased whatever case they are given in: fetch's list, plus PATCH (which fetch sends as given). */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH'])
/**
 * Only GET and HEAD follow redirects (OIDC discovery and JWKS): a POST carries a provider key and a
 * prompt, and a model server must not be able to send either to another address. A POST's 3xx is
 * returned as it is, as with `redirect: 'manual'` (the core asks for that anyway).
 */
const FOLLOWING_METHODS = new Set(['GET', 'HEAD'])

type Body = Buffer | null

/** What the Node adapter hands the core as `Platform.fetch` and `Platform.fetchFailure`, and `close` for shutdown. */
export interface NodeOutbound {
  fetch: typeof fetch
  fetchFailure: FetchFailureReader
  close(): Promise<void>
}

export function createOutboundFetch(options: OutboundOptions = {}): NodeOutbound {
  let pool: { agent: Agent; dispatcher: Dispatcher } | undefined
  let clientTlsPool: { agent: Agent; dispatcher: Dispatcher } | undefined
  const plainOrigins = new Set(options.clientTls?.exceptOrigins)
  const connect = (origin: string) =>
    options.clientTls && !plainOrigins.has(origin)
      ? (clientTlsPool ??= createPool(options, options.clientTls.connect))
      : (pool ??= createPool(options))

  const outboundFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined
    const signal = init?.signal ?? request?.signal ?? undefined
    if (signal?.aborted) throw signal.reason
    const url = new URL(request ? request.url : input instanceof URL ? input.href : String(input))
    if (url.username || url.password) throw new TypeError('fetch: URLs with credentials are not allowed')
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError('fetch failed', { cause: new Error(`unsupported URL scheme ${url.protocol}`) })
    }
    const method = normalizeMethod(init?.method ?? request?.method ?? 'GET')
    const headers = headerRecord(init?.headers ?? request?.headers)
    const body = await requestBody(init, request, headers)
    if (body !== null && (method === 'GET' || method === 'HEAD')) {
      throw new TypeError(`fetch: a ${method} request cannot have a body`)
    }
    if (body !== null) headers['content-length'] = String(body.length)
    else if (method === 'POST' || method === 'PUT' || method === 'PATCH') headers['content-length'] = '0'
    headers.accept ??= '*/*'
    const asked = init?.redirect ?? request?.redirect ?? 'follow'
    const redirect = asked === 'follow' && !FOLLOWING_METHODS.has(method) ? 'manual' : asked

    let answer: Dispatcher.ResponseData
    try {
      answer = await connect(url.origin).dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal,
        ...(redirect === 'follow' ? { maxRedirections: MAX_REDIRECTS + 1, throwOnMaxRedirect: true } : {}),
      } as Dispatcher.RequestOptions)
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error
      throw new TypeError('fetch failed', { cause: error })
    }
    if (redirect === 'error' && REDIRECT_STATUSES.has(answer.statusCode)) {
      discard(answer.body)
      throw new TypeError('fetch failed', { cause: new Error('unexpected redirect') })
    }
    return toResponse(answer, method, signal)
  }

  return {
    fetch: outboundFetch as typeof fetch,
    fetchFailure: nodeFetchFailure,
    /** Lets in-flight calls finish for a moment, then drops what is still open. */
    async close() {
      await Promise.all([pool, clientTlsPool].map((open) => open && closeAgent(open.agent)))
    },
  }
}

async function closeAgent(agent: Agent): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1_000)
  })
  await Promise.race([agent.close(), late])
  clearTimeout(timer)
  if (!agent.destroyed) await agent.destroy()
}

function createPool(
  options: OutboundOptions,
  tls: ConnectionOptions = {},
): { agent: Agent; dispatcher: Dispatcher } {
  const agent = new Agent({
    connections: options.connections ?? null,
    pipelining: 1,
    // Node's http server closes idle sockets after 5 s: reusing one it is closing would fail a
    // POST that cannot be retried. Servers that announce a longer Keep-Alive get it.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 600_000,
    // The core's own timeouts (signal, idle guard) decide; a long-thinking model must not be cut.
    headersTimeout: 0,
    bodyTimeout: 0,
    // HTTP/1.1 only, as Node's fetch: predictable per-origin connection limits and cancels.
    allowH2: false,
    // Refuses host names that resolve to link-local and cloud metadata addresses.
    connect: { ...tls, lookup: createGuardedLookup(options.resolver) },
    // No new connection after a request is aborted mid-response (undici 7's #5845).
    factory: poolWithoutReconnects,
  })
  // undici's redirect handling drops authorization and cookies on a cross-origin hop, as fetch does.
  const dispatcher = agent.compose(interceptors.redirect())
  return { agent, dispatcher }
}

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase()
  return NORMALIZED_METHODS.has(upper) ? upper : method
}

/** Header names lower-cased, repeated names joined as `Headers` does. */
function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = {}
  if (init === undefined) return record
  const entries: Iterable<readonly [string, string]> =
    init instanceof Headers || Array.isArray(init)
      ? (init as Iterable<[string, string]>)
      : Object.entries(init)
  for (const [name, value] of entries) {
    const key = name.toLowerCase()
    const existing = record[key]
    record[key] = existing === undefined ? String(value) : `${existing}, ${String(value)}`
  }
  return record
}

/** The request body as bytes (every body the gateway sends is fully formed), and fetch's default content type. */
async function requestBody(
  init: RequestInit | undefined,
  request: Request | undefined,
  headers: Record<string, string>,
): Promise<Body> {
  const body = init?.body ?? undefined
  if (body === undefined || body === null) {
    if (init?.body === undefined && request?.body) return Buffer.from(await request.arrayBuffer())
    return null
  }
  if (typeof body === 'string') {
    headers['content-type'] ??= 'text/plain;charset=UTF-8'
    return Buffer.from(body)
  }
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof ArrayBuffer) return Buffer.from(body)
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8'
    return Buffer.from(body.toString())
  }
  // Blob, FormData, ReadableStream: let a Response serialise it (and name its content type).
  const serialized = new Response(body)
  const type = serialized.headers.get('content-type')
  if (type !== null) headers['content-type'] ??= type
  return Buffer.from(await serialized.arrayBuffer())
}

/** Reads a body we do not hand out to its end (keeping the socket for reuse), or drops it if it is large. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.dump().catch(() => {})
}

function toResponse(
  answer: Dispatcher.ResponseData,
  method: string,
  signal: AbortSignal | undefined,
): Response {
  const headers = new Headers()
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item)
    else if (value !== undefined) headers.append(name, value)
  }
  const empty = method === 'HEAD' || NULL_BODY_STATUSES.has(answer.statusCode)
  const init = { status: answer.statusCode, statusText: answer.statusText ?? '', headers }
  let response: Response
  try {
    response = new Response(empty ? null : pullStream(answer.body, signal), init)
  } catch (error) {
    // A status a Response cannot have (HTTP allows up to 999): a network error, as in fetch.
    answer.body.on('error', () => {}).destroy()
    throw new TypeError('fetch failed', { cause: error })
  }
  if (empty) discard(answer.body)
  return response
}

/**
 * One undici chunk per pull, so a slow reader pauses the upstream socket; cancel destroys the
 * body, which closes the socket at once. A failure mid-body errors the stream as fetch does:
 * the signal's reason after an abort, else `TypeError('terminated')` with undici's error as cause.
 */
function pullStream(body: Readable, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  let done = false
  let failure: unknown
  let wake: (() => void) | undefined
  const settle = () => {
    const resume = wake
    wake = undefined
    resume?.()
  }
  body.on('readable', settle)
  body.on('end', () => {
    done = true
    settle()
  })
  body.on('error', (error: unknown) => {
    done = true
    failure =
      signal?.aborted && error === signal.reason ? error : new TypeError('terminated', { cause: error })
    settle()
  })
  body.on('close', () => {
    // Closed without 'end' or 'error' would look like a complete body: it is not one.
    if (!body.readableEnded && failure === undefined) failure = new TypeError('terminated')
    done = true
    settle()
  })

  const pull = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> => {
    for (;;) {
      const chunk = body.read() as Buffer | null
      if (chunk !== null) {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        return
      }
      if (failure !== undefined) return controller.error(failure)
      if (done) return controller.close()
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  }
  return new ReadableStream<Uint8Array>({
    pull,
    cancel() {
      failure ??= null
      body.destroy()
      settle()
    },
  })
}
