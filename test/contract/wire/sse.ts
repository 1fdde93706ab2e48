/** Server-sent-event framing for scripted upstream streams, as providers write it. */
import type { Chunk } from '../model-server-client.ts'

export interface SseFrame {
  event?: string
  /** An object is JSON-encoded; a string is sent as it is. */
  data: unknown
}

/** One frame as bytes on the wire (`event:` line first, LF line endings, blank-line terminated). */
export function sseFrame({ event, data }: SseFrame): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data)
  return `${event ? `event: ${event}\n` : ''}${text
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`
}

/** One chunk per frame, each sent `delayMs` after the previous one. */
export function sseChunks(frames: SseFrame[], delayMs = 0): Chunk[] {
  return frames.map((frame) => ({ text: sseFrame(frame), delayMs }))
}

export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }
