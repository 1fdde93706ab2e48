/**
 * Server-sent events in, parsed: the upstream body piped through a UTF-8 decoder and
 * eventsource-parser. Each event is emitted as soon as its blank line arrives; a line longer than
 * `maxBufferSize` errors the stream instead of growing without bound.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream'

export interface SseEvent {
  event?: string | undefined
  data: string
}

/** Generous for one JSON event; a model server that sends more in one event is broken. */
export const MAX_SSE_EVENT_CHARS = 1024 * 1024

export function sseEvents(body: ReadableStream<Uint8Array>): ReadableStream<SseEvent> {
  // The DOM typings give TextDecoderStream a BufferSource writable; Uint8Array chunks are what it takes.
  return body
    .pipeThrough(new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>)
    .pipeThrough(new EventSourceParserStream({ maxBufferSize: MAX_SSE_EVENT_CHARS }))
}

/**
 * Maps parsed SSE events to model events: `map` returns the events for one SSE event (possibly
 * none) and may throw to end the stream with an error.
 */
export function mapSse<T>(
  body: ReadableStream<Uint8Array>,
  map: (event: SseEvent, emit: (value: T) => void) => void,
): ReadableStream<T> {
  return sseEvents(body).pipeThrough(
    new TransformStream<SseEvent, T>({
      transform(event, controller) {
        map(event, (value) => controller.enqueue(value))
      },
    }),
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
