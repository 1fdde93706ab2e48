/**
 * Server-sent events in, mapped: the upstream body read, decoded and parsed (eventsource-parser)
 * in one pull loop, each event mapped to zero or more values as soon as its blank line arrives.
 * One stream stage instead of three (decoder, parser, mapper): on Node every web-stream stage
 * costs promise hops per chunk, and a code completion streams dozens of events.
 *
 * A mapper that throws ends the stream with that error, after the values it already produced; an
 * event longer than `maxEventChars` errors the stream with `EventTooLarge` instead of growing
 * without bound.
 */
import { createParser, type ParseError } from 'eventsource-parser'
import { EventTooLarge } from '../model-call/types.ts'

export interface SseEvent {
  event?: string | undefined
  data: string
}

/**
 * What a format does when the stream ends without an event to say so: `end` when the upstream body
 * ended normally (OpenAI-compatible servers never close a tool call explicitly), `fail` when it
 * failed (values emitted then, e.g. a tool call reported as cut off, go out before the error).
 */
export interface SseHooks<T> {
  end?(emit: (value: T) => void): void
  fail?(emit: (value: T) => void): void
}

export function mapSse<T>(
  body: ReadableStream<Uint8Array>,
  maxEventChars: number,
  map: (event: SseEvent, emit: (value: T) => void) => void,
  hooks: SseHooks<T> = {},
): ReadableStream<T> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const ready: T[] = []
  const emit = (value: T) => ready.push(value)
  let failure: { error: unknown } | undefined
  const parser = createParser({
    onEvent: (event) => {
      if (failure) return
      try {
        map(event, emit)
      } catch (error) {
        failure = { error }
      }
    },
    onError: (error: ParseError) => {
      if (error.type === 'max-buffer-size-exceeded') failure ??= { error: new EventTooLarge() }
    },
    maxBufferSize: maxEventChars,
  })

  let failHook = hooks.fail
  let ended = false
  return new ReadableStream<T>(
    {
      async pull(controller) {
        for (;;) {
          // Whatever a read produced goes out first; an end or a failure it also produced follows on a later pull.
          if (ready.length > 0) {
            for (const item of ready.splice(0)) controller.enqueue(item)
            return
          }
          if (failure) {
            if (failHook) {
              failHook(emit)
              failHook = undefined
              continue
            }
            await reader.cancel(failure.error).catch(() => {})
            return controller.error(failure.error)
          }
          if (ended) return controller.close()
          let result: ReadableStreamReadResult<Uint8Array>
          try {
            result = await reader.read()
          } catch (error) {
            failure = { error }
            continue
          }
          if (result.done) {
            parser.feed(decoder.decode())
            if (!failure) {
              hooks.end?.(emit)
              ended = true
            }
            continue
          }
          parser.feed(decoder.decode(result.value, { stream: true }))
        }
      },
      cancel(reason) {
        return reader.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )
}

/** The JSON in an event's data, or undefined when it is not JSON (a model server's own marker). */
export function jsonData(event: SseEvent): unknown {
  try {
    return JSON.parse(event.data)
  } catch {
    return undefined
  }
}
