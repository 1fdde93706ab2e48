/**
 * One upstream HTTP exchange through the `fetch` port, with the gateway's timeout policy:
 * - non-streaming: one overall deadline, headers and body included;
 * - streaming: the idle timeout, for the headers and then between chunks (guardBody).
 * The client's abort signal reaches the upstream request, so a hang-up frees the model server at
 * once. Failures come out as `UpstreamError`s (transport ones as the adapter read them); the
 * response body comes out guarded.
 */
import { readBounded } from '../http/bounded-body.ts'
import {
  clientGone,
  hostOf,
  oversizeFailure,
  timeoutFailure,
  transportFailure,
  type UpstreamError,
} from '../model-call/upstream-error.ts'
import type { FetchFailureReader, Platform } from '../platform.ts'
import { guardBody, type GuardOptions } from '../streaming/guard.ts'
import type { Redactor } from '../streaming/redact.ts'
import type { UpstreamCall } from './wire-format.ts'

export interface SendOptions {
  /** The client's signal (`c.req.raw.signal`). */
  signal?: AbortSignal | undefined
  stream: boolean
  /** Overall limit of a non-streaming exchange, in ms. */
  timeoutMs: number
  /** Longest silence of a streaming exchange (before the headers too), in ms. */
  idleMs: number
  onFailure?: GuardOptions['onFailure']
  endWith?: GuardOptions['endWith']
  /** Told when a streaming body is handed out (+1) and when it is over, however it ended (-1): the open-streams gauge. */
  openStreams?: ((delta: 1 | -1) => void) | undefined
  /** A stream's clocks (first byte, whole answer), started by the caller with the call. */
  deadlines?: GuardOptions['deadlines']
  /** Blanks the request's credentials out of the answer's bytes (the proxy relays them). */
  redactor?: GuardOptions['redactor']
}

/** The `fetch` port and the adapter's reading of its failures. */
export type Outbound = Pick<Platform, 'fetch' | 'fetchFailure'>

export async function send(
  outbound: Outbound,
  request: UpstreamCall,
  options: SendOptions,
): Promise<Response> {
  const host = hostOf(request.url)
  const { signal } = options
  if (signal?.aborted) throw clientGone(host)

  const upstream = new AbortController()
  const limitMs = options.stream ? options.idleMs : options.timeoutMs
  const limitKind = options.stream ? 'idle' : 'timeout'
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    upstream.abort(timeoutFailure(host, limitKind, limitMs))
  }, limitMs)
  const onClientAbort = () => upstream.abort(clientGone(host))
  signal?.addEventListener('abort', onClientAbort, { once: true })
  const release = () => {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onClientAbort)
  }
  const classify = (error: unknown, phase: 'request' | 'body' = 'body'): UpstreamError => {
    if (timedOut) return timeoutFailure(host, limitKind, limitMs)
    if (signal?.aborted) return clientGone(host)
    return transportFailure(error, host, phase, outbound.fetchFailure)
  }

  let response: Response
  try {
    // A redirect is an answer like any other: following it would send the key and prompt elsewhere.
    const init: RequestInit = { signal: upstream.signal, redirect: 'manual' }
    const fetchPort = outbound.fetch // called unbound: a native fetch refuses a foreign `this`
    response = await fetchPort(request.url, { ...request.init, ...init })
  } catch (error) {
    release()
    throw classify(error, 'request')
  }
  // A stream's idle clock now runs per chunk; a plain answer keeps its overall deadline.
  if (options.stream) clearTimeout(timer)
  if (!response.body) {
    release()
    options.deadlines?.stop()
    return response
  }
  const openStreams = options.stream ? options.openStreams : undefined
  openStreams?.(1)
  const body = guardBody(response.body, {
    host,
    ...(options.stream ? { idleMs: options.idleMs } : {}),
    classify: (error) => classify(error),
    abort: (reason) => upstream.abort(reason),
    onSettled: openStreams
      ? () => {
          release()
          openStreams(-1)
        }
      : release,
    ...(options.onFailure ? { onFailure: options.onFailure } : {}),
    ...(options.endWith ? { endWith: options.endWith } : {}),
    ...(options.stream && options.deadlines ? { deadlines: options.deadlines } : {}),
    ...(options.redactor ? { redactor: options.redactor } : {}),
  })
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
}

/** A whole answer as text, at most `limitBytes` of it (bounded-body.ts); a larger one is an `oversize` failure. */
export async function readBody(
  response: Response,
  limitBytes: number,
  host: string,
  read: FetchFailureReader | undefined,
): Promise<string> {
  let text: string | undefined
  try {
    text = await readBounded(response, limitBytes)
  } catch (error) {
    throw transportFailure(error, host, 'body', read)
  }
  if (text === undefined) throw oversizeFailure(host, limitBytes)
  return text
}

/** Reads an error answer's body (at most 64 KiB): parsed JSON, else text. */
export async function readErrorBody(response: Response): Promise<unknown> {
  let text = ''
  try {
    text = await readLimited(response, 64 * 1024)
  } catch {
    return ''
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
    if (text.length >= limit) {
      await reader.cancel()
      break
    }
  }
  return text + decoder.decode()
}
