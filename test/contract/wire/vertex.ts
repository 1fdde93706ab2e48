/** Gemini `GenerateContentResponse` payloads as Vertex AI sends them (whole answers and SSE chunks), and Google's error body. */
import type { Chunk } from '../model-server-client.ts'
import { sseFrame } from './sse.ts'

export interface GeminiChunkOptions {
  /** One part per string. */
  texts?: string[]
  finishReason?: string
  /** Running totals, as every Vertex chunk repeats them. */
  usage?: { prompt: number; candidates: number }
}

export function geminiResponse({ texts = [], finishReason, usage }: GeminiChunkOptions): Record<string, unknown> {
  return {
    candidates: [
      {
        content: { role: 'model', parts: texts.map((text) => ({ text })) },
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

/** Google's error body: `{"error": {"code", "message", "status"}}`. */
export function googleError(code: number, status: string, message: string): Record<string, unknown> {
  return { error: { code, message, status } }
}

/** One SSE chunk per payload (Vertex's `alt=sse` framing: `data: <json>` and a CRLF blank line). */
export function geminiSseChunks(payloads: Record<string, unknown>[], delayMs = 0): Chunk[] {
  return payloads.map((data) => ({ text: sseFrame({ data }).replace(/\n\n$/, '\r\n\r\n'), delayMs }))
}

export const GEMINI_SSE_HEADERS = { 'content-type': 'text/event-stream' }
