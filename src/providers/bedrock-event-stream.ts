/**
 * Bedrock's ConverseStream body: AWS binary event-stream framing
 * (`application/vnd.amazon.eventstream`) in, neutral model events out.
 *
 * Network chunks do not line up with messages, so a framer holds bytes only until the message
 * whose length the prelude announces is complete, and each message is decoded (both CRCs checked
 * by @smithy's codec) and mapped the moment it is: nothing waits for the end of the stream.
 */
import { EventStreamCodec, type Message } from '@smithy/eventstream-codec'
import { isObject as isRecord } from './json.ts'
import { EventTooLarge, ModelStreamError, type FinishReason, type ModelCall, type ModelEvent, type StreamLimits, type Usage } from './types.ts'

/** Prelude (8) + prelude CRC (4) + message CRC (4): the smallest message there is. */
export const MIN_MESSAGE_BYTES = 16

const utf8Decoder = new TextDecoder()
const utf8Encoder = new TextEncoder()
const codec = new EventStreamCodec(
  (bytes: Uint8Array | string) => (typeof bytes === 'string' ? bytes : utf8Decoder.decode(bytes)),
  (text: string) => utf8Encoder.encode(text),
)

/** The upstream body as Converse events, one `text` event per non-empty delta. */
export function bedrockEvents(body: ReadableStream<Uint8Array>, _call: ModelCall, limits: StreamLimits): ReadableStream<ModelEvent> {
  return body.pipeThrough(eventStreamMessages(limits.maxEventBytes)).pipeThrough(
    new TransformStream<Message | ModelStreamError | EventTooLarge, ModelEvent>({
      // One call per message, and a TransformStream calls the next one only once the reader has
      // taken the last event: so an error (thrown here) never discards text read before it.
      transform(item, controller) {
        if (item instanceof Error) throw item
        const event = converseEvent(item)
        if (event) controller.enqueue(event)
      },
    }),
  )
}

/**
 * Bytes in, one decoded message out per complete frame. A framing or checksum failure comes out
 * as a ModelStreamError value in its place (a message announced larger than `maxMessageBytes`, as
 * EventTooLarge), after the messages before it, and ends the stream (which cancels the upstream
 * body): erroring here would discard messages not yet read.
 */
export function eventStreamMessages(maxMessageBytes: number): TransformStream<Uint8Array, Message | ModelStreamError | EventTooLarge> {
  const framer = new Framer(maxMessageBytes)
  return new TransformStream<Uint8Array, Message | ModelStreamError | EventTooLarge>({
    transform(chunk, controller) {
      framer.push(chunk)
      try {
        for (let frame = framer.next(); frame; frame = framer.next()) controller.enqueue(decodeFrame(frame))
      } catch (error) {
        controller.enqueue(error instanceof ModelStreamError || error instanceof EventTooLarge ? error : new ModelStreamError('Bedrock event stream: undecodable'))
        controller.terminate()
      }
    },
    flush(controller) {
      if (framer.buffered > 0) {
        controller.enqueue(new ModelStreamError(`Bedrock event stream ended inside a message (${framer.buffered} bytes left over)`))
      }
    },
  })
}

/** The Converse stop reasons, as the neutral finish reasons. */
export function converseFinishReason(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop'
    case 'max_tokens':
      return 'length'
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filter'
    case 'tool_use':
      return 'tool_calls'
    default:
      return 'other'
  }
}

/** Converse token counts, keeping only the numbers that are there. */
export function converseUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined
  const result: Usage = {}
  if (typeof usage.inputTokens === 'number') result.inputTokens = usage.inputTokens
  if (typeof usage.outputTokens === 'number') result.outputTokens = usage.outputTokens
  return result
}

function converseEvent(message: Message): ModelEvent | undefined {
  const messageType = headerString(message, ':message-type')
  if (messageType === 'exception' || messageType === 'error') throw new ModelStreamError(exceptionText(message))
  if (messageType !== 'event') return undefined
  switch (headerString(message, ':event-type')) {
    case 'contentBlockDelta': {
      const delta = jsonPayload(message).delta
      const text = isRecord(delta) ? delta.text : undefined
      return typeof text === 'string' && text !== '' ? { type: 'text', text } : undefined
    }
    case 'messageStop':
      return { type: 'finish', reason: converseFinishReason(jsonPayload(message).stopReason) }
    case 'metadata': {
      const usage = converseUsage(jsonPayload(message).usage)
      return usage ? { type: 'usage', usage } : undefined
    }
    default: // messageStart, contentBlockStart, contentBlockStop carry nothing the gateway forwards
      return undefined
  }
}

/** `<exception type>: <message>`, as AWS names it (`throttlingException: Too many requests`). */
function exceptionText(message: Message): string {
  if (headerString(message, ':message-type') === 'error') {
    return `${headerString(message, ':error-code') ?? 'error'}: ${headerString(message, ':error-message') ?? ''}`
  }
  const text = utf8Decoder.decode(message.body)
  let detail = text
  try {
    const payload: unknown = JSON.parse(text)
    if (isRecord(payload)) {
      const said = payload.message ?? payload.Message
      if (typeof said === 'string') detail = said
    }
  } catch {
    // not JSON: the raw payload is the best description there is
  }
  return `${headerString(message, ':exception-type') ?? 'exception'}: ${detail.slice(0, 1000)}`
}

function jsonPayload(message: Message): Record<string, unknown> {
  let payload: unknown
  try {
    payload = JSON.parse(utf8Decoder.decode(message.body))
  } catch {
    throw new ModelStreamError(`Bedrock event stream: the ${headerString(message, ':event-type')} event is not JSON`)
  }
  return isRecord(payload) ? payload : {}
}

function headerString(message: Message, name: string): string | undefined {
  const header = message.headers[name]
  return header?.type === 'string' ? header.value : undefined
}

function decodeFrame(frame: Uint8Array): Message {
  try {
    return codec.decode(frame)
  } catch (error) {
    throw new ModelStreamError(`Bedrock event stream: ${error instanceof Error ? error.message : 'undecodable message'}`)
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
    if (length < MIN_MESSAGE_BYTES) throw new ModelStreamError(`Bedrock event stream: a message claims ${length} bytes`)
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
