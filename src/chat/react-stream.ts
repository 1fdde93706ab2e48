/**
 * A ReAct model stream out as Duo Chat's NDJSON events (spec features §5.2; gitlab-client §3.4),
 * one JSON object per line in Python's `json.dumps` style, in one pull loop:
 * - `final_answer_delta` for each upstream delta that adds to the final answer, as it arrives;
 *   when the model reports why it stopped, a last delta with no text carries the reason (Rails
 *   reads it to warn about cut-off answers);
 * - at the end, exactly one `action` (the tool the model picked), or `unknown` (neither answer
 *   nor tool), or `error` (`tool not available`) for a tool this user is not offered;
 * - `usage` last, when the model reported it and nothing failed;
 * - on an upstream failure, or when a clock of the answer runs out (`deadlines`: the answer's first
 *   delta counts as output), or when the model writes more than `maxHeldChars` without reaching an
 *   answer: `error` with `retryable`, then the stream ends and the model call is cancelled.
 * Rails splits events on newlines, so no line may contain a raw one: JSON escapes them.
 */
import type { FinishReason, ModelEvent, Usage } from '../model-call/types.ts'
import type { StreamDeadlines } from '../streaming/deadlines.ts'
import { pythonJson } from '../streaming/python-json.ts'
import { ReactStreamParser } from './react-parser.ts'

export const NDJSON_HEADERS = {
  'content-type': 'application/x-ndjson; charset=utf-8',
  'x-accel-buffering': 'no',
}

export interface ReactStreamOptions {
  /** Names of the tools this user was offered. */
  tools: ReadonlySet<string>
  /** The usage event's key. */
  modelName: string
  stripReasoning: boolean
  /** The most model output held before an answer or a tool choice shows (AIGW_UPSTREAM__MAX_RESPONSE_BYTES). */
  maxHeldChars: number
  deadlines?: StreamDeadlines | undefined
  /** The event of an upstream failure: its message (no secrets) and whether Rails may retry. */
  describeError(error: unknown): { message: string; retryable: boolean }
  /** Told once about an upstream failure. */
  onError(error: unknown): void
}

export function chatEventLine(type: string, data: Record<string, unknown>): string {
  return `${pythonJson({ type, data })}\n`
}

/** An answer that failed before the model said anything: one `error` event. */
export function errorEventStream(event: { message: string; retryable: boolean }): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(chatEventLine('error', event))
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes)
      controller.close()
    },
  })
}

export function reactEventStream(
  events: ReadableStream<ModelEvent>,
  options: ReactStreamOptions,
): ReadableStream<Uint8Array> {
  const reader = events.getReader()
  const encoder = new TextEncoder()
  const parser = new ReactStreamParser({
    stripReasoning: options.stripReasoning,
    maxChars: options.maxHeldChars,
  })
  const { deadlines } = options
  deadlines?.onExpire((error) => void reader.cancel(error).catch(() => {}))
  let finishReason: FinishReason | undefined
  let usage: Usage | undefined
  const failed = (controller: ReadableStreamDefaultController<Uint8Array>, error: unknown) => {
    deadlines?.stop()
    reader.cancel(error).catch(() => {})
    options.onError(error)
    controller.enqueue(encoder.encode(chatEventLine('error', options.describeError(error))))
    controller.close()
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          let result: ReadableStreamReadResult<ModelEvent>
          try {
            result = await reader.read()
            if (deadlines?.expired) throw deadlines.expired
          } catch (error) {
            return failed(controller, error)
          }
          if (result.done) {
            deadlines?.stop()
            // A short answer a reasoning model's prefix check still held goes out before the closing lines.
            const rest = parser.end()
            const held = rest ? chatEventLine('final_answer_delta', { text: rest, finish_reason: null }) : ''
            controller.enqueue(encoder.encode(held + closingLines(parser, finishReason, usage, options)))
            return controller.close()
          }
          const event = result.value
          if (event.type === 'finish') finishReason = event.reason
          else if (event.type === 'usage') usage = { ...usage, ...event.usage }
          else if (event.type === 'text') {
            const text = parser.push(event.text)
            if (text) {
              deadlines?.outputStarted()
              return controller.enqueue(
                encoder.encode(chatEventLine('final_answer_delta', { text, finish_reason: null })),
              )
            }
            if (parser.overLimit) return failed(controller, new AnswerTooLarge(options.maxHeldChars))
          }
        }
      },
      cancel(reason) {
        deadlines?.stop()
        return reader.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )
}

/** The model wrote more than the gateway holds without reaching an answer or a tool choice. */
export class AnswerTooLarge extends Error {
  constructor(maxChars: number) {
    super(
      `The model wrote more than ${maxChars} characters without an answer or a tool choice (AIGW_UPSTREAM__MAX_RESPONSE_BYTES)`,
    )
    this.name = 'AnswerTooLarge'
  }
}

function closingLines(
  parser: ReactStreamParser,
  finishReason: FinishReason | undefined,
  usage: Usage | undefined,
  options: ReactStreamOptions,
): string {
  const outcome = parser.finish()
  let out = ''
  if (outcome.kind === 'final_answer') {
    if (finishReason) out += chatEventLine('final_answer_delta', { text: '', finish_reason: finishReason })
  } else if (outcome.kind === 'action') {
    if (!options.tools.has(outcome.tool))
      return chatEventLine('error', { message: 'tool not available', retryable: false })
    out += chatEventLine('action', {
      tool: outcome.tool,
      tool_input: outcome.toolInput,
      thought: outcome.thought,
    })
  } else {
    out += chatEventLine('unknown', { text: outcome.text })
  }
  if (usage && (usage.inputTokens !== undefined || usage.outputTokens !== undefined)) {
    out += chatEventLine('usage', {
      usage: {
        [options.modelName]: { input_tokens: usage.inputTokens ?? 0, output_tokens: usage.outputTokens ?? 0 },
      },
    })
  }
  return out
}
