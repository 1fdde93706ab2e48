/**
 * AWS event-stream framing for scripted Bedrock streams: real frames from @smithy's encoder (CRCs
 * and all), as base64 chunks for the fake model server. Web APIs only: this runs inside workerd.
 */
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec'
import type { Chunk } from '../model-server-client.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const codec = new EventStreamCodec(
  (bytes: Uint8Array | string) => (typeof bytes === 'string' ? bytes : decoder.decode(bytes)),
  (text: string) => encoder.encode(text),
)

export const EVENT_STREAM_HEADERS = { 'content-type': 'application/vnd.amazon.eventstream' }

function frame(headers: Record<string, string>, payload: unknown): Uint8Array {
  const typed: MessageHeaders = {}
  for (const [name, value] of Object.entries(headers)) typed[name] = { type: 'string', value }
  return codec.encode({ headers: typed, body: encoder.encode(JSON.stringify(payload)) })
}

/** One `:message-type: event` frame, as ConverseStream sends them. */
export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return frame(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    payload,
  )
}

/** One `:message-type: exception` frame (`throttlingException`, `modelStreamErrorException`...). */
export function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  return frame(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    { message },
  )
}

export const messageStart = (): Uint8Array => eventFrame('messageStart', { role: 'assistant', p: 'abcdefgh' })

export const textDeltaAt = (block: number, text: string): Uint8Array =>
  eventFrame('contentBlockDelta', { contentBlockIndex: block, delta: { text }, p: 'abcd' })

export const textDelta = (text: string): Uint8Array => textDeltaAt(0, text)

/** A tool use block starts with its id and name (a text block starts with an empty `start`, or not at all: both are read). */
export const toolUseStart = (block: number, name: string, id?: string): Uint8Array =>
  eventFrame('contentBlockStart', {
    contentBlockIndex: block,
    start: { toolUse: { ...(id === undefined ? {} : { toolUseId: id }), name } },
    p: 'abcdefghijk',
  })

/** A piece of a tool call's input: JSON text, cut wherever the model's tokens fell. */
export const toolInputDelta = (block: number, input: string): Uint8Array =>
  eventFrame('contentBlockDelta', {
    contentBlockIndex: block,
    delta: { toolUse: { input } },
    p: 'abcdefghijklmn',
  })

export const blockStop = (block: number): Uint8Array =>
  eventFrame('contentBlockStop', { contentBlockIndex: block, p: 'abc' })

export const messageStop = (stopReason: string): Uint8Array =>
  eventFrame('messageStop', { stopReason, p: 'a' })

export const metadataFrame = (inputTokens = 11, outputTokens = 7): Uint8Array =>
  eventFrame('metadata', {
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 321 },
    p: 'abcdef',
  })

interface StreamEnd {
  stopReason?: string
  inputTokens?: number
  outputTokens?: number
}

/** A whole ConverseStream answer: start, one delta per text, stop, metadata. */
export function converseStream(texts: string[], end: StreamEnd = {}): Uint8Array[] {
  return [
    messageStart(),
    eventFrame('contentBlockStart', { contentBlockIndex: 0, start: {}, p: 'ab' }),
    ...texts.map(textDelta),
    blockStop(0),
    messageStop(end.stopReason ?? 'end_turn'),
    metadataFrame(end.inputTokens, end.outputTokens),
  ]
}

/** One content block of a scripted ConverseStream answer: text in deltas, or a tool use with its input's JSON in pieces. */
export type StreamBlock = { text: string[] } | { toolUse: { id?: string; name: string; input: string[] } }

/** A whole ConverseStream answer of text and tool use blocks, numbered as Bedrock does (every block counts). */
export function converseToolStream(blocks: StreamBlock[], end: StreamEnd = {}): Uint8Array[] {
  const frames = [messageStart()]
  blocks.forEach((block, index) => {
    if ('text' in block) frames.push(...block.text.map((text) => textDeltaAt(index, text)))
    else
      frames.push(
        toolUseStart(index, block.toolUse.name, block.toolUse.id),
        ...block.toolUse.input.map((piece) => toolInputDelta(index, piece)),
      )
    frames.push(blockStop(index))
  })
  return [
    ...frames,
    messageStop(end.stopReason ?? 'tool_use'),
    metadataFrame(end.inputTokens, end.outputTokens),
  ]
}

export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export function concat(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((sum, f) => sum + f.byteLength, 0))
  let at = 0
  for (const f of frames) {
    out.set(f, at)
    at += f.byteLength
  }
  return out
}

/** One chunk per frame, each sent `delayMs` after the previous one. */
export function frameChunks(frames: Uint8Array[], delayMs = 0): Chunk[] {
  return frames.map((f) => ({ base64: toBase64(f), delayMs }))
}

/** All frames in one chunk. */
export function packedChunk(frames: Uint8Array[]): Chunk {
  return { base64: toBase64(concat(frames)) }
}

/**
 * The frames' bytes cut every `size` bytes, so boundaries fall inside preludes, headers and
 * payloads. A small delay keeps the pieces from coalescing into one TCP read.
 */
export function splitChunks(frames: Uint8Array[], size: number, delayMs = 2): Chunk[] {
  const bytes = concat(frames)
  const chunks: Chunk[] = []
  for (let at = 0; at < bytes.byteLength; at += size)
    chunks.push({ base64: toBase64(bytes.subarray(at, at + size)), delayMs })
  return chunks
}

/** A copy of a frame with one payload byte flipped: the message CRC no longer matches. */
export function corrupted(frameBytes: Uint8Array): Uint8Array {
  const copy = frameBytes.slice()
  const at = copy.byteLength - 6
  copy[at] = (copy[at] ?? 0) ^ 0xff
  return copy
}
