/** Gemini `GenerateContentResponse` payloads as Vertex AI sends them (whole answers and SSE chunks), and Google's error body. */
import type { Chunk } from '../model-server-client.ts'
import { sseFrame } from './sse.ts'

export interface GeminiChunkOptions {
  /** One part per string. */
  texts?: string[]
  /** The parts as they are, after the texts' (function calls, thoughts: see `functionCallPart`, `thoughtPart`). */
  parts?: Record<string, unknown>[]
  finishReason?: string
  /** Running totals, as every Vertex chunk repeats them. */
  usage?: { prompt: number; candidates: number }
}

export function geminiResponse({
  texts = [],
  parts = [],
  finishReason,
  usage,
}: GeminiChunkOptions): Record<string, unknown> {
  return {
    candidates: [
      {
        content: { role: 'model', parts: [...texts.map((text) => ({ text })), ...parts] },
        ...(finishReason ? { finishReason } : {}),
        index: 0,
      },
    ],
    ...(usage
      ? {
          usageMetadata: {
            promptTokenCount: usage.prompt,
            candidatesTokenCount: usage.candidates,
            totalTokenCount: usage.prompt + usage.candidates,
          },
        }
      : {}),
    modelVersion: 'gemini-2.5-flash',
    createTime: '2025-10-01T12:00:00.000000Z',
    responseId: 'resp-1',
  }
}

/**
 * A `functionCall` part as Gemini writes it: whole, `args` a JSON object (anything else here is a
 * broken upstream), an `id` only where the API gives one, and the thought signature thinking models
 * put on a turn's first call.
 */
export function functionCallPart(
  name: string | undefined,
  args: unknown,
  extra: { id?: string; thoughtSignature?: string } = {},
): Record<string, unknown> {
  const call: Record<string, unknown> = {
    ...(extra.id ? { id: extra.id } : {}),
    ...(name === undefined ? {} : { name }),
    ...(args === undefined ? {} : { args }),
  }
  return {
    functionCall: call,
    ...(extra.thoughtSignature ? { thoughtSignature: extra.thoughtSignature } : {}),
  }
}

/** A thought summary part (`includeThoughts`): not part of the answer. */
export function thoughtPart(text: string): Record<string, unknown> {
  return { text, thought: true }
}

/** Google's error body: `{"error": {"code", "message", "status"}}`. */
export function googleError(code: number, status: string, message: string): Record<string, unknown> {
  return { error: { code, message, status } }
}

/** One SSE chunk per payload (Vertex's `alt=sse` framing: `data: <json>` and a CRLF blank line). */
export function geminiSseChunks(payloads: Record<string, unknown>[], delayMs = 0): Chunk[] {
  return payloads.map((data) => ({ text: sseFrame({ data }).replace(/\n\n$/, '\r\n\r\n'), delayMs }))
}

export const GEMINI_SSE_HEADERS = { 'content-type': 'text/event-stream' }

/** The bytes of `chunks` as one text (to cut it elsewhere). */
export function streamText(chunks: Chunk[]): string {
  return chunks.map((chunk) => chunk.text ?? '').join('')
}

/**
 * `text` as two chunks cut after UTF-8 byte `at` (inside a field, a JSON string, an escape or a
 * multi-byte character); the second waits a little so the two do not arrive as one read.
 */
export function cutAt(text: string, at: number, delayMs = 2): Chunk[] {
  const bytes = new TextEncoder().encode(text)
  return [{ base64: toBase64(bytes.subarray(0, at)) }, { base64: toBase64(bytes.subarray(at)), delayMs }]
}

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}
