/**
 * The model client feature routes call: one neutral call in, neutral events or a result out,
 * whatever the wire format. It owns the policies that must be the same everywhere:
 * - the SSRF guard on request-supplied endpoints;
 * - timeouts (transport.ts) and the retry policy: non-streaming calls only, on connection
 *   trouble, 5xx and overload, with short backoff inside the overall deadline; streams never;
 * - one mapping of upstream failures (model-call/upstream-error.ts), logged once, never with a key.
 */
import {
  EventTooLarge,
  ModelStreamError,
  ProviderSetupError,
  type EmbeddingCall,
  type EmbeddingResult,
  type ModelCall,
  type ModelEvent,
  type ModelResult,
  type ModelTarget,
  type StreamLimits,
  type WireFormatName,
} from '../model-call/types.ts'
import {
  hostOf,
  httpFailure,
  oversizeFailure,
  timeoutFailure,
  UpstreamError,
} from '../model-call/upstream-error.ts'
import type { FetchFailureReader, GatewayMetrics } from '../platform.ts'
import type { Logger } from '../logging.ts'
import { HttpError } from '../errors.ts'
import { ModelCallWatch, type CallLabels } from '../metrics/model-call-watch.ts'
import { checkModelEndpoint } from './endpoint-guard.ts'
import { readBody, readErrorBody, send, type Outbound } from './transport.ts'
import type { UpstreamCall, WireFormat } from './wire-format.ts'

export interface CallOptions {
  /** The client's signal: its hang-up cancels the upstream call. */
  signal?: AbortSignal | undefined
  /** Overall limit of a non-streaming call (all attempts), in ms; default AIGW_UPSTREAM__TIMEOUT_S. */
  timeoutMs?: number
  /** Longest silence of a stream, in ms; default AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S. */
  idleTimeoutMs?: number
  /** Extra attempts for a non-streaming call that failed retryably (default 0). */
  retries?: number
  /**
   * Upstream HTTP statuses answered with that same status and the upstream's message (credentials
   * blanked) instead of the usual 503 / 429 mapping: GitLab's embeddings route passes 400, 401 and 429 on.
   */
  passOnStatuses?: readonly number[]
  /** The feature and unit primitive making the call, for metrics. */
  labels?: CallLabels | undefined
}

export interface ModelClient {
  complete(call: ModelCall, options?: CallOptions): Promise<ModelResult>
  /** Resolves once the upstream answered 2xx; the stream then errors with UpstreamError or ModelStreamError. */
  stream(call: ModelCall, options?: CallOptions): Promise<ReadableStream<ModelEvent>>
  /** One vector per input text, with the same timeout, retry and error policy as `complete`. */
  embed(call: EmbeddingCall, options?: CallOptions): Promise<EmbeddingResult>
}

export interface ModelClientDeps {
  outbound: Outbound
  formats: Readonly<Record<WireFormatName, WireFormat>>
  timeoutMs: number
  idleTimeoutMs: number
  /** AIGW_UPSTREAM__MAX_RESPONSE_BYTES: the most of one answer (or one streamed event) held in memory. */
  maxResponseBytes: number
  allowedHosts: readonly string[] | null
  logger: Logger
  /** Absent: calls are not measured (and the stream path has nothing extra to do). */
  metrics?: GatewayMetrics | undefined
}

/** First backoff; each retry waits four times longer (100 ms, 400 ms): an editor cannot wait seconds. */
const BACKOFF_MS = 100

export function createModelClient(deps: ModelClientDeps): ModelClient {
  /**
   * The upstream request, once the endpoint passed the SSRF guard. Missing provider settings (no
   * Bedrock credentials...) are the request asking for a provider this gateway is not set up for:
   * a 400 naming the setting, logged for the operator.
   */
  const prepare = async (target: ModelTarget, build: () => Promise<UpstreamCall>): Promise<UpstreamCall> => {
    if (target.requestSuppliedEndpoint) checkModelEndpoint(target.endpoint, deps.allowedHosts)
    try {
      return await build()
    } catch (error) {
      if (error instanceof ProviderSetupError) {
        deps.logger.warning('Model call not possible with the current settings', {
          provider: target.provider,
          error: error.message,
        })
        throw new HttpError(400, error.message)
      }
      throw error
    }
  }

  const failed = async (
    target: ModelTarget,
    format: WireFormat,
    request: UpstreamCall,
    response: Response,
    passOn?: readonly number[],
  ): Promise<UpstreamError> => {
    const body = await readErrorBody(response)
    const host = hostOf(response.url || target.endpoint)
    const message = redact(format.errorMessage(body), request)
    const error = passOn?.includes(response.status)
      ? passedOn(host, response.status, body, message, response.headers.get('retry-after'))
      : httpFailure(host, response.status, body, response.headers.get('retry-after'), message)
    report(target, error, message)
    return error
  }

  const report = (target: ModelTarget, error: unknown, upstreamMessage?: string) => {
    if (!(error instanceof UpstreamError) || error.failure === 'aborted') return
    deps.logger.warning('Model call failed', {
      provider: target.provider,
      model: target.upstreamModel,
      ...error.logFields(),
      ...(upstreamMessage ? { upstream_message: upstreamMessage } : {}),
    })
  }

  /** One non-streaming exchange (a completion, embeddings) under the deadline, retried as CallOptions say. */
  const exchange = async <T>(
    target: ModelTarget,
    format: WireFormat,
    build: () => Promise<UpstreamCall>,
    parse: (json: unknown) => T,
    options: CallOptions,
    watch?: ModelCallWatch,
  ): Promise<T> => {
    const timeoutMs = options.timeoutMs ?? deps.timeoutMs
    const deadline = performance.now() + timeoutMs
    const retries = options.retries ?? 0
    for (let attempt = 0; ; attempt++) {
      const request = await prepare(target, build)
      try {
        const remaining = Math.max(1, deadline - performance.now())
        const response = await send(deps.outbound, request, {
          signal: options.signal,
          stream: false,
          timeoutMs: remaining,
          idleMs: remaining,
        })
        if (!response.ok) throw await failed(target, format, request, response, options.passOnStatuses)
        watch?.responded()
        return parse(await readJson(response, target, deps.maxResponseBytes, deps.outbound.fetchFailure))
      } catch (caught) {
        // Each attempt gets what is left of the deadline; the message names the whole of it.
        const error =
          caught instanceof UpstreamError && caught.failure === 'timeout'
            ? timeoutFailure(caught.host, 'timeout', timeoutMs)
            : caught
        const backoff = BACKOFF_MS * 4 ** attempt
        const retry =
          error instanceof UpstreamError &&
          error.retryable &&
          attempt < retries &&
          deadline - performance.now() > backoff * 2
        if (!(error instanceof UpstreamError && error.failure === 'http')) report(target, error)
        if (!retry) throw error
        await new Promise((resolve) => setTimeout(resolve, backoff))
        if (options.signal?.aborted) throw error
      }
    }
  }

  /** A stream, from the request to the upstream's 2xx; `watch` then follows its events. */
  const openStream = async (
    call: ModelCall,
    options: CallOptions,
    watch: ModelCallWatch | undefined,
  ): Promise<ReadableStream<ModelEvent>> => {
    const format = deps.formats[call.target.format]
    const request = await prepare(call.target, () => format.request(call, true))
    const idleMs = options.idleTimeoutMs ?? deps.idleTimeoutMs
    let response: Response
    try {
      response = await send(deps.outbound, request, {
        signal: options.signal,
        stream: true,
        timeoutMs: idleMs,
        idleMs,
        onFailure: (error) => report(call.target, error),
        openStreams: deps.metrics?.openStreams,
      })
    } catch (error) {
      report(call.target, error)
      throw error
    }
    if (!response.ok) throw await failed(call.target, format, request, response)
    if (!response.body)
      throw new UpstreamError({
        failure: 'reset',
        host: hostOf(request.url),
        status: 502,
        message: `The model server at ${hostOf(request.url)} sent an empty stream`,
      })
    watch?.responded()
    const limits = { maxEventBytes: deps.maxResponseBytes }
    return withRedactedFailures(format.events(response.body, call, limits), request, watch, limits, (error) =>
      report(call.target, error),
    )
  }

  /** Starts measuring a call when metrics are on. */
  const watch = (target: ModelTarget, options: CallOptions, streaming: boolean) =>
    deps.metrics ? new ModelCallWatch(deps.metrics, target, options.labels, streaming) : undefined

  return {
    complete(call, options = {}) {
      const format = deps.formats[call.target.format]
      const watcher = watch(call.target, options, false)
      const result = exchange(
        call.target,
        format,
        () => format.request(call, false),
        (json) => format.parse(json, call),
        options,
        watcher,
      )
      return watcher ? watched(watcher, result, (r) => watcher.result(r.finishReason, r.usage)) : result
    },

    async stream(call, options = {}) {
      const watcher = watch(call.target, options, true)
      if (!watcher) return openStream(call, options, undefined)
      try {
        return await openStream(call, options, watcher)
      } catch (error) {
        watcher.finish(error)
        throw error
      }
    },

    async embed(call, options = {}) {
      const format = deps.formats[call.target.format]
      const wire = format.embeddings
      // Routes check this first, with the list of usable identifiers; this is the backstop.
      if (!wire)
        throw new HttpError(
          400,
          `'${call.target.provider}/' models cannot compute embeddings; use an OpenAI-compatible model identifier`,
        )
      const watcher = watch(call.target, options, false)
      const result = exchange(
        call.target,
        format,
        () => wire.request(call),
        (json) => wire.parse(json, call),
        options,
        watcher,
      )
      return watcher ? watched(watcher, result, (r) => watcher.result(undefined, r.usage)) : result
    },
  }
}

/** A non-streaming call's outcome, recorded when it settles. */
function watched<T>(watch: ModelCallWatch, result: Promise<T>, take: (value: T) => void): Promise<T> {
  return result.then(
    (value) => {
      take(value)
      watch.finish()
      return value
    },
    (error: unknown) => {
      watch.finish(error)
      throw error
    },
  )
}

/** Longest upstream message passed on to a client. */
const PASSED_ON_MESSAGE_CHARS = 1000

/** An upstream HTTP error answered with its own status and message (`passOnStatuses`); 429 keeps its Retry-After. */
function passedOn(
  host: string,
  status: number,
  body: unknown,
  message: string | undefined,
  retryAfter: string | null,
): UpstreamError {
  const said = message
    ? `: ${message.length > PASSED_ON_MESSAGE_CHARS ? `${message.slice(0, PASSED_ON_MESSAGE_CHARS)}…` : message}`
    : ''
  return new UpstreamError({
    failure: 'http',
    host,
    status,
    message: `The model server at ${host} answered HTTP ${status}${said}`,
    upstreamStatus: status,
    upstreamBody: typeof body === 'string' ? { message: body } : body,
    ...(retryAfter && status === 429 ? { retryAfter } : {}),
  })
}

async function readJson(
  response: Response,
  target: ModelTarget,
  limitBytes: number,
  read: FetchFailureReader | undefined,
): Promise<unknown> {
  const text = await readBody(response, limitBytes, hostOf(target.endpoint), read)
  try {
    return JSON.parse(text) as unknown
  } catch {
    const host = hostOf(target.endpoint)
    throw new UpstreamError({
      failure: 'http',
      host,
      status: 502,
      message: `The model server at ${host} answered with invalid JSON`,
      upstreamStatus: response.status,
    })
  }
}

/** Headers that carry a credential in some format (OpenAI and Bedrock bearers, Anthropic, Azure, Google). */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key']

/**
 * An upstream's message with every credential the request carried blanked out (some servers echo
 * what they were sent): the request's key, an operator key, a minted Google access token.
 */
/**
 * The events as they are, except that a failure the model server reported in its stream loses
 * every credential of the request (vLLM and others echo what they were sent): routes log those
 * messages, and chat passes them on to GitLab. The same pull loop feeds the call's metrics, if any.
 */
function withRedactedFailures(
  events: ReadableStream<ModelEvent>,
  request: UpstreamCall,
  watch: ModelCallWatch | undefined,
  limits: StreamLimits,
  /** Logs a failure found here (transport failures are logged where they happen). */
  report: (error: UpstreamError) => void,
): ReadableStream<ModelEvent> {
  const reader = events.getReader()
  return new ReadableStream<ModelEvent>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<ModelEvent>
        try {
          result = await reader.read()
        } catch (error) {
          const failure =
            error instanceof ModelStreamError
              ? new ModelStreamError(redact(error.message, request) ?? '')
              : error instanceof EventTooLarge
                ? oversizeFailure(hostOf(request.url), limits.maxEventBytes, 'a streamed event')
                : error
          if (failure instanceof UpstreamError && failure.failure === 'oversize') report(failure)
          watch?.finish(failure)
          return controller.error(failure)
        }
        if (result.done) {
          watch?.finish()
          controller.close()
        } else {
          watch?.event(result.value)
          controller.enqueue(result.value)
        }
      },
      cancel(reason) {
        // The consumer stopped reading (the client hung up): recorded, not as a model error.
        watch?.finish()
        return reader.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )
}

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
