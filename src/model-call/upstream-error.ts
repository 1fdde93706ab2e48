/**
 * The one mapper from "the model server did not give us an answer" to what the client is told.
 * Every message names the upstream host (an operator can act on it) and nothing else of the
 * request: never a path, a query string, a header or a key.
 *
 * Transport failures come classified by the adapter that made the call (`Platform.fetchFailure`:
 * node-entry/fetch-failure.ts, worker-entry/fetch-failure.ts); this module only words them. A
 * runtime that does not say why a connection failed (workerd) reports `connect`.
 */
import { GatewayError } from '../errors.ts'
import type { FetchFailureReader, TransportFailure, TransportFailureKind } from '../platform.ts'

export type UpstreamFailure =
  | TransportFailureKind // refused, dns, tls, timeout (connecting), reset, connect, blocked
  | 'http' // the server answered with an error status
  | 'timeout' // no complete answer within the overall timeout
  | 'idle' // a stream went quiet for longer than the idle timeout
  | 'deadline' // a stream's time to first output, or its whole duration, ran out (streaming/deadlines.ts)
  | 'aborted' // the client went away; nobody is left to answer
  | 'oversize' // the answer (or one event of a stream) is larger than the gateway holds in memory

export interface UpstreamErrorDetails {
  failure: UpstreamFailure
  host: string
  status: number
  message: string
  /** The upstream's HTTP status, for `http` failures. */
  upstreamStatus?: number
  /** The upstream's error body (parsed JSON, else `{message: text}`), for `http` failures. */
  upstreamBody?: unknown
  retryAfter?: string
  /** Safe diagnostic for logs (an error code such as ECONNREFUSED). */
  errorCode?: string
}

export class UpstreamError extends GatewayError {
  readonly failure: UpstreamFailure
  readonly host: string
  readonly upstreamStatus: number | undefined
  readonly upstreamBody: unknown
  readonly errorCode: string | undefined

  constructor(details: UpstreamErrorDetails) {
    super(details.status, details.message, details.retryAfter ? { 'retry-after': details.retryAfter } : {})
    this.failure = details.failure
    this.host = details.host
    this.upstreamStatus = details.upstreamStatus
    this.upstreamBody = details.upstreamBody
    this.errorCode = details.errorCode
  }

  /** Worth another attempt (non-streaming calls only): connection trouble, 5xx, overload. */
  get retryable(): boolean {
    if (this.failure === 'http')
      return this.upstreamStatus !== undefined && RETRYABLE_STATUSES.has(this.upstreamStatus)
    return this.failure === 'refused' || this.failure === 'connect' || this.failure === 'reset'
  }

  /** Fields for a log line: what failed and where, never a body. */
  logFields(): Record<string, unknown> {
    return {
      upstream_failure: this.failure,
      upstream_host: this.host,
      upstream_status: this.upstreamStatus,
      upstream_error_code: this.errorCode,
    }
  }
}

/**
 * Whether a stream failure was logged where it was raised: the model layer logs its own (transport,
 * HTTP, oversize); a failure the stream carried from the model (ModelStreamError) or a stream clock
 * running out is for the route to log.
 */
export function loggedWhereRaised(error: unknown): boolean {
  return error instanceof UpstreamError && error.failure !== 'deadline'
}

const RETRYABLE_STATUSES = new Set([500, 502, 503, 504, 529])

const hosts = new Map<string, string>()

/** `host[:port]` of a URL: what an error may show of an upstream. Remembered per origin: every call asks. */
export function hostOf(url: string): string {
  const origin = url.slice(0, url.indexOf('/', url.indexOf('//') + 2) >>> 0)
  let host = hosts.get(origin)
  if (host === undefined) {
    try {
      host = new URL(url).host
    } catch {
      host = 'the model server'
    }
    if (hosts.size >= 1024) hosts.clear()
    hosts.set(origin, host)
  }
  return host
}

/** Longest part of an upstream's own reason shown to the client (whitespace collapsed). */
const REASON_CHARS = 300

/**
 * A non-2xx answer. `body` is what the upstream sent (parsed JSON, else its text); `reason` its own
 * message, credentials already blanked out: shown (shortened) so that the client learns why, e.g.
 * a prompt longer than the model's context window.
 */
export function httpFailure(
  host: string,
  status: number,
  body: unknown,
  retryAfter: string | null,
  reason?: string,
): UpstreamError {
  const upstreamBody = typeof body === 'string' ? { message: body } : body
  if (status === 429) {
    return new UpstreamError({
      failure: 'http',
      host,
      status: 429,
      message: 'Too many requests. Please try again later.',
      upstreamStatus: status,
      upstreamBody,
      ...(retryAfter ? { retryAfter } : {}),
    })
  }
  const said = reason?.replace(/\s+/g, ' ').trim()
  const shown = said ? `: ${said.length > REASON_CHARS ? `${said.slice(0, REASON_CHARS)}…` : said}` : ''
  return new UpstreamError({
    failure: 'http',
    host,
    status: 503,
    message: `Inference failed: the model server at ${host} answered HTTP ${status}${shown}`,
    upstreamStatus: status,
    upstreamBody,
  })
}

export function timeoutFailure(host: string, kind: 'timeout' | 'idle', ms: number): UpstreamError {
  const seconds = Number((ms / 1000).toFixed(3))
  return new UpstreamError({
    failure: kind,
    host,
    status: 504,
    message:
      kind === 'timeout'
        ? `The model server at ${host} did not answer within ${seconds} s`
        : `The model server at ${host} sent nothing for ${seconds} s`,
  })
}

/** More than AIGW_UPSTREAM__MAX_RESPONSE_BYTES in one answer or event: the gateway stops reading. */
export function oversizeFailure(host: string, limitBytes: number, what = 'an answer'): UpstreamError {
  return new UpstreamError({
    failure: 'oversize',
    host,
    status: 502,
    message: `The model server at ${host} sent ${what} larger than ${limitBytes} bytes (AIGW_UPSTREAM__MAX_RESPONSE_BYTES); the gateway stopped reading it`,
  })
}

export function clientGone(host: string): UpstreamError {
  return new UpstreamError({ failure: 'aborted', host, status: 499, message: 'Client closed the request' })
}

/**
 * A transport error from the `fetch` port (`phase: 'request'`, before any answer) or from reading
 * the answer (`'body'`), as one of the failures above; `read` is the adapter's reading of it.
 */
export function transportFailure(
  error: unknown,
  host: string,
  phase: 'request' | 'body',
  read: FetchFailureReader | undefined,
): UpstreamError {
  if (error instanceof UpstreamError) return error
  const { kind, code }: TransportFailure = read ? read(error, phase) : { kind: 'connect' }
  const make = (failure: UpstreamFailure, text: string, status = 502) =>
    new UpstreamError({ failure, host, status, message: text, ...(code ? { errorCode: code } : {}) })
  switch (kind) {
    case 'blocked':
      return make(
        'blocked',
        `The model endpoint ${host} resolves to a link-local or cloud metadata address; the gateway does not connect there`,
        400,
      )
    case 'refused':
      return make('refused', `The model server at ${host} refused the connection`)
    case 'dns':
      return make('dns', `The model server host ${hostnameOf(host)} could not be resolved`)
    case 'tls':
      return make('tls', `TLS connection to the model server at ${host} failed${code ? `: ${code}` : ''}`)
    case 'timeout':
      return make('timeout', `Connecting to the model server at ${host} timed out`, 504)
    case 'reset':
      return make('reset', `The connection to the model server at ${host} was closed unexpectedly`)
    case 'connect':
      return make('connect', `Could not connect to the model server at ${host}`)
  }
}

function hostnameOf(host: string): string {
  return host.replace(/:\d+$/, '')
}
