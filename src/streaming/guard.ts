/**
 * The upstream body as the gateway forwards it, piped (not pumped) through a TransformStream: an
 * idle timeout that only counts time spent waiting on the upstream, transport errors turned into
 * `UpstreamError`s, and a cancel (the client hung up) that goes straight back to the upstream
 * connection.
 *
 * `endWith` lets a caller finish the stream with its format's own error event instead of cutting
 * it: the client then sees why the answer stopped.
 */
import { timeoutFailure, type UpstreamError } from '../providers/upstream-error.ts'

export interface GuardOptions {
  host: string
  /** Longest wait for the next upstream chunk, in ms; none: the caller's overall deadline applies. */
  idleMs?: number
  /** What a failed read means (a timeout, the client gone, a broken connection...). */
  classify: (error: unknown) => UpstreamError
  /** Stops the upstream request (its AbortController), so the socket is freed at once. */
  abort: (reason: unknown) => void
  /** Told about every failure, before the stream errors or ends (logging). */
  onFailure?: (error: UpstreamError) => void
  /** Bytes that end the stream on failure (a format's error event); without it the stream errors. */
  endWith?: (error: UpstreamError) => Uint8Array | undefined
  /** Called once when the stream is over, however it ended. */
  onSettled?: () => void
}

export function guardBody(body: ReadableStream<Uint8Array>, options: GuardOptions): ReadableStream<Uint8Array> {
  const { idleMs } = options
  let lastChunkAt = performance.now()
  let idled: UpstreamError | undefined
  let timer: ReturnType<typeof setTimeout> | undefined

  let relayed: TransformStreamDefaultController<Uint8Array> | undefined

  // One timer per stream, re-armed for the remainder when it fires early, rather than one per chunk.
  const arm = (delay: number) => {
    timer = setTimeout(() => {
      // A chunk still waiting for the client means the client is the slow one, not the upstream.
      const room = relayed?.desiredSize
      if (typeof room === 'number' && room <= 0) lastChunkAt = performance.now()
      const waited = performance.now() - lastChunkAt
      if (waited < idleMs!) return arm(idleMs! - waited)
      timer = undefined
      idled = timeoutFailure(options.host, 'idle', idleMs!)
      options.abort(idled)
    }, delay)
  }
  if (idleMs !== undefined) arm(idleMs)

  const relay = new TransformStream<Uint8Array, Uint8Array>(
    {
      start(controller) {
        relayed = controller
      },
      transform(chunk, controller) {
        lastChunkAt = performance.now()
        controller.enqueue(chunk)
      },
    },
    // One chunk may wait on each side: enough to tell a slow client from a quiet upstream.
    { highWaterMark: 1 },
    { highWaterMark: 1 },
  )
  const settle = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    options.onSettled?.()
  }
  body.pipeTo(relay.writable, { preventAbort: true, preventClose: true }).then(
    async () => {
      settle()
      await relay.writable.close().catch(() => {})
    },
    async (error: unknown) => {
      settle()
      const writer = relay.writable.getWriter()
      // The client cancelled the readable side (hung up): pipeTo has cancelled the upstream body.
      if (writer.desiredSize === null) {
        options.abort(error)
        writer.releaseLock()
        return
      }
      const failure = idled ?? options.classify(error)
      options.onFailure?.(failure)
      const last = options.endWith?.(failure)
      if (last) {
        await writer.write(last).catch(() => {})
        await writer.close().catch(() => {})
      } else {
        await writer.abort(failure).catch(() => {})
      }
    },
  )
  return relay.readable
}
