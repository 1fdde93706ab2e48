/**
 * AWS binary event-stream framing (`application/vnd.amazon.eventstream`, Bedrock's ConverseStream
 * body) in, mapped: the upstream body read, framed, decoded (both CRCs checked by @smithy's codec)
 * and each message mapped in one pull loop, the moment it is complete: nothing waits for the end
 * of the stream. Network chunks do not line up with messages, so a framer holds bytes only until
 * the message whose length the prelude announces has arrived.
 *
 * The shape follows `mapSse` (src/streaming/sse.ts): what a read produced goes out before an end
 * or a failure it also produced, and the `end` / `fail` hooks let the format close or report what
 * it still holds (tool calls) before the stream closes or errors. A framing or checksum failure is
 * a ModelStreamError; a message announced larger than `maxMessageBytes`, EventTooLarge.
 */
import { EventStreamCodec, type Message } from '@smithy/eventstream-codec'
import { EventTooLarge, ModelStreamError } from '../model-call/types.ts'

export type { Message } from '@smithy/eventstream-codec'

/** Prelude (8) + prelude CRC (4) + message CRC (4): the smallest message there is. */
export const MIN_MESSAGE_BYTES = 16

const utf8Decoder = new TextDecoder()
const utf8Encoder = new TextEncoder()
const codec = new EventStreamCodec(
  (bytes: Uint8Array | string) => (typeof bytes === 'string' ? bytes : utf8Decoder.decode(bytes)),
  (text: string) => utf8Encoder.encode(text),
)

export interface EventStreamHooks<T> {
  /** The body ended after whole messages only. */
  end?(emit: (value: T) => void): void
  /** The stream failed (the transport, the framing, or `map` threw); values emitted here go out before the error. */
  fail?(emit: (value: T) => void): void
}

export function mapEventStream<T>(
  body: ReadableStream<Uint8Array>,
  maxMessageBytes: number,
  map: (message: Message, emit: (value: T) => void) => void,
  hooks: EventStreamHooks<T> = {},
): ReadableStream<T> {
  const reader = body.getReader()
  const framer = new Framer(maxMessageBytes)
  const ready: T[] = []
  const emit = (value: T) => ready.push(value)
  let failure: { error: unknown } | undefined
  let ended = false
  let failHook = hooks.fail

  /** Maps every complete message; the first failure stops it (the messages after it are not read). */
  const drainFrames = () => {
    try {
      for (let frame = framer.next(); frame; frame = framer.next()) map(decodeFrame(frame), emit)
    } catch (error) {
      const known = error instanceof ModelStreamError || error instanceof EventTooLarge
      failure = { error: known ? error : new ModelStreamError('Bedrock event stream: undecodable') }
    }
  }

  return new ReadableStream<T>(
    {
      async pull(controller) {
        for (;;) {
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
            if (framer.buffered > 0) {
              failure = {
                error: new ModelStreamError(
                  `Bedrock event stream ended inside a message (${framer.buffered} bytes left over)`,
                ),
              }
            } else {
              hooks.end?.(emit)
              ended = true
            }
            continue
          }
          framer.push(result.value)
          drainFrames()
        }
      },
      cancel(reason) {
        return reader.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )
}

export function headerString(message: Message, name: string): string | undefined {
  const header = message.headers[name]
  return header?.type === 'string' ? header.value : undefined
}

/** A message's payload as text (event payloads are UTF-8 JSON). */
export function payloadText(message: Message): string {
  return utf8Decoder.decode(message.body)
}

function decodeFrame(frame: Uint8Array): Message {
  try {
    return codec.decode(frame)
  } catch (error) {
    throw new ModelStreamError(
      `Bedrock event stream: ${error instanceof Error ? error.message : 'undecodable message'}`,
    )
  }
}

/**
 * Holds chunks until the next message is complete. Chunks are kept as they came and joined only
 * for a message that spans them, so a large message in many small chunks costs one copy.
 */
class Framer {
  buffered = 0
  private chunks: Uint8Array[] = []
  private readonly maxMessageBytes: number

  constructor(maxMessageBytes: number) {
    this.maxMessageBytes = maxMessageBytes
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.byteLength
  }

  /** The next complete message's bytes, or undefined until they have all arrived. */
  next(): Uint8Array | undefined {
    if (this.buffered < 4) return undefined
    const length = this.announcedLength()
    if (length < MIN_MESSAGE_BYTES)
      throw new ModelStreamError(`Bedrock event stream: a message claims ${length} bytes`)
    // AWS caps messages far below any sane limit: a larger prelude is corruption or abuse, not data.
    if (length > this.maxMessageBytes) throw new EventTooLarge()
    return this.buffered < length ? undefined : this.take(length)
  }

  /** The big-endian total length at the start of the prelude, possibly split across chunks. */
  private announcedLength(): number {
    const first = this.chunks[0]!
    if (first.byteLength >= 4) return new DataView(first.buffer, first.byteOffset, 4).getUint32(0, false)
    return new DataView(this.peek(4).buffer).getUint32(0, false)
  }

  private peek(count: number): Uint8Array {
    const out = new Uint8Array(count)
    let filled = 0
    for (const chunk of this.chunks) {
      const part = chunk.subarray(0, count - filled)
      out.set(part, filled)
      filled += part.byteLength
      if (filled === count) break
    }
    return out
  }

  private take(count: number): Uint8Array {
    this.buffered -= count
    const first = this.chunks[0]!
    if (first.byteLength >= count) {
      if (first.byteLength === count) this.chunks.shift()
      else this.chunks[0] = first.subarray(count)
      return first.subarray(0, count)
    }
    const out = new Uint8Array(count)
    let filled = 0
    while (filled < count) {
      const chunk = this.chunks[0]!
      const wanted = count - filled
      if (chunk.byteLength <= wanted) {
        out.set(chunk, filled)
        filled += chunk.byteLength
        this.chunks.shift()
      } else {
        out.set(chunk.subarray(0, wanted), filled)
        this.chunks[0] = chunk.subarray(wanted)
        filled = count
      }
    }
    return out
  }
}
