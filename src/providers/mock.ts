/**
 * AIGW_MOCK_MODEL_RESPONSES: every model call is answered here, no upstream is called (a demo,
 * a smoke test of GitLab's side, a benchmark of the gateway alone). Streams yield the same text
 * in a few deltas, as a model would.
 */
import type { Embedding, ModelEvent, ModelResult } from '../model-call/types.ts'
import type { ModelClient } from './client.ts'

/** Length of a mocked embedding vector when the request asks for none, and the most it may ask for. */
const MOCK_DIMENSIONS = 8
const MOCK_MAX_DIMENSIONS = 4096

export const MOCK_TEXT = 'This is a mocked response from aigw-edge.'

const RESULT: ModelResult = {
  text: MOCK_TEXT,
  finishReason: 'stop',
  usage: { inputTokens: 0, outputTokens: 8 },
}

export function createMockModelClient(): ModelClient {
  return {
    async complete() {
      return { ...RESULT }
    },
    async stream() {
      const events: ModelEvent[] = [
        ...MOCK_TEXT.split(/(?<= )/).map((text): ModelEvent => ({ type: 'text', text })),
        { type: 'finish', reason: 'stop' },
        { type: 'usage', usage: { ...RESULT.usage } },
      ]
      return new ReadableStream<ModelEvent>({
        pull(controller) {
          const next = events.shift()
          if (next) controller.enqueue(next)
          else controller.close()
        },
      })
    },
    async embed(call) {
      return {
        embeddings: call.input.map((text, index) => ({
          embedding: mockVector(text, Math.min(call.dimensions ?? MOCK_DIMENSIONS, MOCK_MAX_DIMENSIONS)),
          index,
        })),
      }
    },
  }
}

/** A unit-length vector that depends on the text, so a demo search ranks something first. */
function mockVector(text: string, dimensions: number): Embedding['embedding'] {
  const vector = Array.from({ length: dimensions }, (_, i) =>
    Math.sin(text.length + (text.charCodeAt(i % Math.max(1, text.length)) || 0) + i),
  )
  const norm = Math.hypot(...vector) || 1
  return vector.map((x) => x / norm)
}
