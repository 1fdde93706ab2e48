/**
 * One model call of the chat agent, streamed (spec §5.3, §5.4): the text is shown as it comes
 * (one growing agent entry, `status` null, the same `message_id` as the final one), tool calls are
 * collected as the model finishes each, and the answer comes back as the conversation's next
 * assistant message. The call ends when the model's stream does, when one of its clocks runs out,
 * when it says more than the service holds, or when the turn stops (the model call is cancelled).
 */
import type { FinishReason, InvalidToolCall, ModelEvent, ToolCall, Usage } from '../model-call/types.ts'
import type { Models } from '../models/models.ts'
import type { ModelInvocation } from '../models/request.ts'
import { ReasoningFilter } from '../streaming/reasoning-filter.ts'
import { TurnFailed } from './failures.ts'
import type { ConversationMessage } from './state.ts'

export type AssistantMessage = Extract<ConversationMessage, { role: 'assistant' }>

export interface ModelStepOptions {
  models: Models
  invocation: ModelInvocation
  signal: AbortSignal
  /** The text so far of the message being written (`id`): shown to the client. */
  onText(id: string, text: string): void
}

export async function modelStep({
  models,
  invocation,
  signal,
  onText,
}: ModelStepOptions): Promise<AssistantMessage> {
  const id = `lc_run--${crypto.randomUUID()}`
  const { events, deadlines } = await models.stream(invocation, signal)
  const reader = events.getReader()
  deadlines.onExpire((error) => void reader.cancel(error).catch(() => {}))
  const reasoning = new ReasoningFilter(invocation.stripReasoning)
  const maxChars = models.maxResponseBytes
  let text = ''
  const toolCalls: ToolCall[] = []
  const invalidToolCalls: InvalidToolCall[] = []
  let finishReason: FinishReason | undefined
  let usage: Usage | undefined
  let heldChars = 0
  const visible = (fresh: string) => {
    if (!fresh) return
    // Leading whitespace of an answer is not shown (a model's newline after its reasoning, say).
    text = text ? text + fresh : fresh.trimStart()
    if (!text) return
    deadlines.outputStarted()
    onText(id, text)
  }
  try {
    for (;;) {
      const result = await reader.read()
      if (deadlines.expired) throw deadlines.expired
      if (result.done) break
      const event: ModelEvent = result.value
      switch (event.type) {
        case 'text':
          heldChars += event.text.length
          if (heldChars > maxChars) throw answerTooLarge(maxChars)
          visible(reasoning.push(event.text))
          break
        case 'tool_call_start':
          // A tool call is output too: the model is answering.
          deadlines.outputStarted()
          break
        case 'tool_call_delta':
          heldChars += event.arguments.length
          if (heldChars > maxChars) throw answerTooLarge(maxChars)
          break
        case 'tool_call_end':
          toolCalls.push(event.call)
          break
        case 'tool_call_invalid':
          invalidToolCalls.push(event.call)
          break
        case 'finish':
          finishReason = event.reason
          break
        case 'usage':
          usage = { ...usage, ...event.usage }
          break
      }
    }
    visible(reasoning.end())
  } catch (error) {
    await reader.cancel(error).catch(() => {})
    throw signal.aborted ? signal.reason : error
  } finally {
    deadlines.stop()
  }
  return {
    role: 'assistant',
    id,
    content: text.trimEnd(),
    ...(toolCalls.length ? { toolCalls } : {}),
    ...(invalidToolCalls.length ? { invalidToolCalls } : {}),
    ...(usage ? { usage } : {}),
    ...(finishReason ? { finishReason } : {}),
  }
}

function answerTooLarge(maxChars: number): TurnFailed {
  return new TurnFailed(
    `The model wrote more than ${maxChars} characters in one answer, more than this service holds (AIGW_UPSTREAM__MAX_RESPONSE_BYTES); the answer was cut off.`,
  )
}
