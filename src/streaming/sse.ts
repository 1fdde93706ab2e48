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
import { EventTooLarge } from '../providers/types.ts'

export interface SseEvent {
  event?: string | undefined
  data: string
}

export function mapSse<T>(
  body: ReadableStream<Uint8Array>,
  maxEventChars: number,
  map: (event: SseEvent, emit: (value: T) => void) => void,
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

  return new ReadableStream<T>(
    {
      async pull(controller) {
        while (ready.length === 0) {
          if (failure) {
            await reader.cancel(failure.error).catch(() => {})
            return controller.error(failure.error)
          }
          const { done, value } = await reader.read()
          if (done) {
            parser.feed(decoder.decode())
            for (const item of ready.splice(0)) controller.enqueue(item)
            const late = failure as { error: unknown } | undefined
            return late ? controller.error(late.error) : controller.close()
          }
          parser.feed(decoder.decode(value, { stream: true }))
        }
        // Whatever one read produced goes out now; a failure it also produced follows on the next pull.
        for (const item of ready.splice(0)) controller.enqueue(item)
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
