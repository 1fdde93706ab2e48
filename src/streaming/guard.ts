/**
 * The upstream body as the gateway forwards it: one chunk read per chunk the client asks for (so
 * backpressure reaches the model server), an idle timeout that only counts time spent waiting on
 * the upstream, transport errors turned into `UpstreamError`s, and a cancel (the client hung up)
 * that goes straight back to the upstream connection.
 *
 * `endWith` lets a caller finish the stream with its format's own error event instead of cutting
 * it: the client then sees why the answer stopped. `deadlines` add the stream's time-to-first-byte
 * and whole-duration clocks (a passed-through stream's output is its bytes).
 */
import { timeoutFailure, type UpstreamError } from '../model-call/upstream-error.ts'
import type { StreamDeadlines } from './deadlines.ts'
import type { Redactor } from './redact.ts'

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
  deadlines?: StreamDeadlines | undefined
  /** Blanks out the request's credentials wherever the upstream echoes them (the proxy's relayed bodies). */
  redactor?: Redactor | undefined
}

export function guardBody(
  body: ReadableStream<Uint8Array>,
  options: GuardOptions,
): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  let waitingSince: number | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let finished = false
  let fail: ((error: UpstreamError) => void) | undefined
  const { idleMs, deadlines } = options
  const redactor = options.redactor?.active ? options.redactor : undefined
  // A clock running out ends the stream with its own reason and frees the upstream at once.
  deadlines?.onExpire((error) => {
    options.abort(error)
    reader.cancel(error).catch(() => {})
    fail?.(error)
  })

  const stopTimer = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }
  let settled = false
  const settle = () => {
    finished = true
    stopTimer()
    if (settled) return
    settled = true
    deadlines?.stop()
    options.onSettled?.()
  }
  // One timer per stream, re-armed for the remainder when it fires early, rather than one per chunk.
  const armTimer = (delay: number) => {
    timer = setTimeout(() => {
      timer = undefined
      if (finished || waitingSince === undefined || idleMs === undefined) return
      const waited = performance.now() - waitingSince
      if (waited < idleMs) return armTimer(idleMs - waited)
      const error = timeoutFailure(options.host, 'idle', idleMs)
      options.abort(error)
      reader.cancel(error).catch(() => {})
      fail?.(error)
    }, delay)
  }

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        fail = (error) => {
          if (finished) return
          settle()
          options.onFailure?.(error)
          const last = options.endWith?.(error)
          if (last) {
            const held = redactor?.end()
            if (held) controller.enqueue(held)
            controller.enqueue(last)
            controller.close()
          } else {
            controller.error(error)
          }
        }
      },
      async pull(controller) {
        // Loops only while the redactor holds a whole chunk back (the start of a secret, maybe).
        for (;;) {
          if (finished) return
          waitingSince = performance.now()
          if (timer === undefined && idleMs !== undefined) armTimer(idleMs)
          let result: ReadableStreamReadResult<Uint8Array>
          try {
            result = await reader.read()
          } catch (error) {
            fail?.(options.classify(error))
            return
          } finally {
            waitingSince = undefined
          }
          if (finished) return
          if (result.done) {
            settle()
            const held = redactor?.end()
            if (held) controller.enqueue(held)
            return controller.close()
          }
          const chunk = redactor ? redactor.push(result.value) : result.value
          if (chunk.byteLength === 0) continue
          deadlines?.outputStarted()
          return controller.enqueue(chunk)
        }
      },
      cancel(reason) {
        settle()
        options.abort(reason)
        return reader.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )
}
