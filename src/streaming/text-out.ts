/**
 * A model's text deltas out to the client as bytes, in one pull loop (no extra stream layers on
 * the hot path): each upstream delta goes through a `Shaper` (post-processing: line buffering,
 * output fixes) and a `Framing` (raw text, or SSE events), and is enqueued when it arrives.
 * Backpressure reaches the model server (one upstream read per client pull); a client hang-up
 * cancels the upstream stream.
 *
 * When the upstream fails mid-stream, what the shaper still holds is delivered first, then the
 * connection is broken (`breakConnection`, else the body errors): the client sees an incomplete
 * answer (GitLab's streams have no error event), never a truncated one that looks complete. The
 * stream's clocks (`deadlines`) end it the same way, and cancel the upstream call.
 */
import type { ModelEvent, Usage } from '../model-call/types.ts'
import type { StreamDeadlines } from './deadlines.ts'

export interface Shaper {
  /** Output for one upstream delta: zero or more chunks. */
  push(text: string): readonly string[]
  /** What is left at the end (or before a failure); '' for nothing. */
  end(): string
}

export interface Framing {
  /** Sent before anything else (the SSE `stream_start` event). */
  start?: string
  chunk(text: string): string
  /**
   * Sent after the last chunk of a stream that ended normally (the SSE `stream_end` event; the
   * prompt registry's usage line, from the usage the model reported).
   */
  end?: string | ((usage: Usage | undefined) => string)
}

/** Text as it came: every delta is a chunk. */
export const PASS_THROUGH: Shaper = { push: (text) => [text], end: () => '' }

export const RAW_TEXT: Framing = { chunk: (text) => text }

export interface StreamOptions {
  /** Told once about a failure of the upstream stream. */
  onError(error: unknown): void
  /** The runtime's way to cut the connection (AppBindings.breakConnection). */
  breakConnection?: (() => void) | undefined
  /** The answer's time-to-first-output and overall clocks; model text counts as output, framing does not. */
  deadlines?: StreamDeadlines | undefined
}

export function streamText(
  events: ReadableStream<ModelEvent>,
  shaper: Shaper,
  framing: Framing,
  options: StreamOptions,
): ReadableStream<Uint8Array> {
  const reader = events.getReader()
  const encoder = new TextEncoder()
  let failure: { error: unknown } | undefined
  let started = false
  let usage: Usage | undefined
  const { deadlines } = options
  // A clock running out cancels the upstream (a pending read then ends); the loop sees `expired`.
  deadlines?.onExpire((error) => void reader.cancel(error).catch(() => {}))
  const output = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => {
    deadlines?.outputStarted()
    controller.enqueue(encoder.encode(text))
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (failure) return fail(controller, failure.error)
        if (!started) {
          started = true
          if (framing.start) return controller.enqueue(encoder.encode(framing.start))
        }
        for (;;) {
          let result: ReadableStreamReadResult<ModelEvent>
          try {
            result = await reader.read()
            if (deadlines?.expired) throw deadlines.expired
          } catch (error) {
            deadlines?.stop()
            // A clock ran out (or the upstream failed): either way nothing more is read from it.
            reader.cancel(error).catch(() => {})
            options.onError(error)
            const rest = shaper.end()
            // Deliver what is held first; the failure follows on the next pull (erroring now would drop it).
            if (rest) {
              failure = { error }
              return output(controller, framing.chunk(rest))
            }
            return fail(controller, error)
          }
          if (result.done) {
            deadlines?.stop()
            const rest = shaper.end()
            const end = typeof framing.end === 'function' ? framing.end(usage) : (framing.end ?? '')
            const tail = (rest ? framing.chunk(rest) : '') + end
            if (tail) controller.enqueue(encoder.encode(tail))
            return controller.close()
          }
          if (result.value.type === 'usage') usage = { ...usage, ...result.value.usage }
          if (result.value.type !== 'text') continue
          const chunks = shaper.push(result.value.text)
          if (chunks.length === 0) continue
          let out = ''
          for (const chunk of chunks) if (chunk) out += framing.chunk(chunk)
          if (out) return output(controller, out)
        }
      },
      cancel(reason) {
        deadlines?.stop()
        return reader.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )

  function fail(
    controller: ReadableStreamDefaultController<Uint8Array>,
    error: unknown,
  ): Promise<void> | void {
    if (!options.breakConnection) return controller.error(error)
    options.breakConnection()
    // The runtime cancels this stream once the connection is gone; until then there is nothing to read.
    return new Promise<void>(() => {})
  }
}
