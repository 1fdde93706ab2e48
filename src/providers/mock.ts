/**
 * AIGW_MOCK_MODEL_RESPONSES: every model call is answered here, no upstream is called (a demo,
 * a smoke test of GitLab's side, a benchmark of the gateway alone). Streams yield the same text
 * in a few deltas, as a model would.
 */
import type { ModelClient } from './client.ts'
import type { ModelEvent, ModelResult } from './types.ts'

export const MOCK_TEXT = 'This is a mocked response from aigw-edge.'

const RESULT: ModelResult = { text: MOCK_TEXT, finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 8 } }

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
  }
}
