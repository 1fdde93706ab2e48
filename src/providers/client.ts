/**
 * The model client feature routes call: one neutral call in, neutral events or a result out,
 * whatever the wire format. It owns the policies that must be the same everywhere:
 * - the SSRF guard on request-supplied endpoints;
 * - timeouts (transport.ts) and the retry policy: non-streaming calls only, on connection
 *   trouble, 5xx and overload, with short backoff inside the overall deadline; streams never;
 * - one mapping of upstream failures (upstream-error.ts), logged once, never with a key.
 */
import type { Logger } from '../logging.ts'
import { HttpError } from '../errors.ts'
import { checkModelEndpoint } from './endpoint-guard.ts'
import { readErrorBody, send } from './transport.ts'
import { ProviderSetupError, type ModelCall, type ModelEvent, type ModelResult, type UpstreamCall, type WireFormat, type WireFormatName } from './types.ts'
import { hostOf, httpFailure, timeoutFailure, UpstreamError } from './upstream-error.ts'

export interface CallOptions {
  /** The client's signal: its hang-up cancels the upstream call. */
  signal?: AbortSignal | undefined
  /** Overall limit of a non-streaming call (all attempts), in ms; default AIGW_UPSTREAM__TIMEOUT_S. */
  timeoutMs?: number
  /** Longest silence of a stream, in ms; default AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S. */
  idleTimeoutMs?: number
  /** Extra attempts for a non-streaming call that failed retryably (default 0). */
  retries?: number
}

export interface ModelClient {
  complete(call: ModelCall, options?: CallOptions): Promise<ModelResult>
  /** Resolves once the upstream answered 2xx; the stream then errors with UpstreamError or ModelStreamError. */
  stream(call: ModelCall, options?: CallOptions): Promise<ReadableStream<ModelEvent>>
}

export interface ModelClientDeps {
  fetch: typeof fetch
  formats: Readonly<Record<WireFormatName, WireFormat>>
  timeoutMs: number
  idleTimeoutMs: number
  allowedHosts: readonly string[] | null
  logger: Logger
}

/** First backoff; each retry waits four times longer (100 ms, 400 ms): an editor cannot wait seconds. */
const BACKOFF_MS = 100

export function createModelClient(deps: ModelClientDeps): ModelClient {
  const prepare = async (call: ModelCall): Promise<{ format: WireFormat; request: UpstreamCall }> => {
    if (call.target.requestSuppliedEndpoint) checkModelEndpoint(call.target.endpoint, deps.allowedHosts)
    const format = deps.formats[call.target.format]
    try {
      return { format, request: await format.request(call) }
    } catch (error) {
      if (error instanceof ProviderSetupError) {
        deps.logger.error('Model call not possible with the current settings', { provider: call.target.provider, error: error.message })
        throw new HttpError(500, error.message)
      }
      throw error
    }
  }

  const failed = async (call: ModelCall, format: WireFormat, request: UpstreamCall, response: Response): Promise<UpstreamError> => {
    const body = await readErrorBody(response)
    const error = httpFailure(hostOf(response.url || call.target.endpoint), response.status, body, response.headers.get('retry-after'))
    report(call, error, redact(format.errorMessage(body), request))
    return error
  }

  const report = (call: ModelCall, error: unknown, upstreamMessage?: string) => {
    if (!(error instanceof UpstreamError) || error.failure === 'aborted') return
    deps.logger.warning('Model call failed', {
      provider: call.target.provider,
      model: call.target.model,
      ...error.logFields(),
      ...(upstreamMessage ? { upstream_message: upstreamMessage } : {}),
    })
  }

  return {
    async complete(call, options = {}) {
      const timeoutMs = options.timeoutMs ?? deps.timeoutMs
      const deadline = performance.now() + timeoutMs
      const retries = options.retries ?? 0
      for (let attempt = 0; ; attempt++) {
        const { format, request } = await prepare({ ...call, stream: false })
        try {
          const remaining = Math.max(1, deadline - performance.now())
          const response = await send(deps.fetch, request, { signal: options.signal, stream: false, timeoutMs: remaining, idleMs: remaining })
          if (!response.ok) throw await failed(call, format, request, response)
          return format.parse(await readJson(response, call), call)
        } catch (caught) {
          // Each attempt gets what is left of the deadline; the message names the whole of it.
          const error = caught instanceof UpstreamError && caught.failure === 'timeout' ? timeoutFailure(caught.host, 'timeout', timeoutMs) : caught
          const backoff = BACKOFF_MS * 4 ** attempt
          const retry = error instanceof UpstreamError && error.retryable && attempt < retries && deadline - performance.now() > backoff * 2
          if (!(error instanceof UpstreamError && error.failure === 'http')) report(call, error)
          if (!retry) throw error
          await new Promise((resolve) => setTimeout(resolve, backoff))
          if (options.signal?.aborted) throw error
        }
      }
    },

    async stream(call, options = {}) {
      const { format, request } = await prepare({ ...call, stream: true })
      const idleMs = options.idleTimeoutMs ?? deps.idleTimeoutMs
      let response: Response
      try {
        response = await send(deps.fetch, request, {
          signal: options.signal,
          stream: true,
          timeoutMs: idleMs,
          idleMs,
          onFailure: (error) => report(call, error),
        })
      } catch (error) {
        report(call, error)
        throw error
      }
      if (!response.ok) throw await failed(call, format, request, response)
      if (!response.body) throw new UpstreamError({ failure: 'reset', host: hostOf(request.url), status: 502, message: `The model server at ${hostOf(request.url)} sent an empty stream` })
      return format.events(response.body, call)
    },
  }
}

async function readJson(response: Response, call: ModelCall): Promise<unknown> {
  const text = await response.text()
  try {
    return JSON.parse(text) as unknown
  } catch {
    const host = hostOf(call.target.endpoint)
    throw new UpstreamError({ failure: 'http', host, status: 502, message: `The model server at ${host} answered with invalid JSON`, upstreamStatus: response.status })
  }
}

/** Headers that carry a credential in some format (OpenAI and Bedrock bearers, Anthropic, Azure, Google). */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key']

/**
 * An upstream's message with every credential the request carried blanked out (some servers echo
 * what they were sent): the request's key, an operator key, a minted Google access token.
 */
function redact(message: string | undefined, request: UpstreamCall): string | undefined {
  if (!message) return message
  let redacted = message
  for (const name of CREDENTIAL_HEADERS) {
    const value = request.init.headers.get(name)
    if (!value) continue
    for (const secret of [value, value.replace(/^(Bearer|Basic)\s+/i, '')]) {
      if (secret.length >= 4) redacted = redacted.split(secret).join('[redacted]')
    }
  }
  return redacted
}
