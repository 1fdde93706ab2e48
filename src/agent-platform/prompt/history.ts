/**
 * The conversation as model messages, in blocks that trimming never splits: a user message, an
 * answer, or an assistant message that called tools together with one result per call. Providers
 * refuse a tool call without a result before the next message, and a result without its call
 * (OpenAI and Anthropic both answer 400), so the history is made to hold that rule before every call:
 * - a call still without a result (the user wrote a new message instead of deciding on an approval,
 *   spec §5.7, or a turn that ended half-way) gets a result saying it was cancelled;
 * - a result that answers no call of the message before it (a damaged or foreign checkpoint) is
 *   left out of the call (the stored history keeps it).
 * A malformed call (arguments that were not a JSON object) is shown to the model as a call with
 * empty arguments, so the error result the engine gave it still pairs with it.
 */
import { tokenBound } from '../../code/context-window.ts'
import type { ChatMessage, ToolCall } from '../../model-call/types.ts'
import type { ConversationMessage } from '../state.ts'
import { toolOutputForModel } from './tool-output.ts'
import { messageTokens } from './tokens.ts'

export interface Block {
  kind: 'user' | 'assistant'
  messages: ChatMessage[]
  /** Each message's `messageTokens`, and the part of it that is its content: counted once. */
  sizes: number[]
  contentSizes: number[]
}

/** The result a call gets when the user moved on without approving or denying it. */
export const CANCELLED_RESULT =
  'Not run: the user sent a new message instead of approving this tool call, so it was cancelled. ' +
  'Do not run it again unless the user asks for it; answer the new message.'

/** The result of a call the user denied (spec §5.7), with the user's comment when they gave one. */
export function deniedResult(comment?: string | null): string {
  const text = comment?.trim()
  if (!text || text === 'null')
    return 'Not run: the user denied this tool call. Do not run it; continue without it.'
  return `Not run yet: the user denied this tool call for now and commented: ${text}\nTake the comment into account before you try again.`
}

type UserMessage = Extract<ConversationMessage, { role: 'user' }>
type ToolMessage = Extract<ConversationMessage, { role: 'tool' }>

export function toBlocks(
  history: readonly ConversationMessage[],
  renderUser: (message: UserMessage) => string,
): Block[] {
  const blocks: Block[] = []
  let i = 0
  while (i < history.length) {
    const message = history[i++]!
    if (message.role === 'user') {
      blocks.push(block('user', [{ role: 'user', content: renderUser(message) }]))
      continue
    }
    if (message.role === 'tool') continue // a result without its call: see above
    const calls: ToolCall[] = [...(message.toolCalls ?? [])]
    for (const invalid of message.invalidToolCalls ?? []) {
      if (invalid.id) calls.push({ id: invalid.id, name: invalid.name, arguments: {} })
    }
    if (calls.length === 0) {
      blocks.push(block('assistant', [{ role: 'assistant', content: message.content }]))
      continue
    }
    const results = new Map<string, ToolMessage>()
    while (i < history.length && history[i]!.role === 'tool') {
      const result = history[i++] as ToolMessage
      // The first result of a call counts; one for a call of another message does not belong here.
      if (calls.some((call) => call.id === result.toolCallId) && !results.has(result.toolCallId))
        results.set(result.toolCallId, result)
    }
    const assistant: ChatMessage = { role: 'assistant', content: message.content, toolCalls: calls }
    const sized = block('assistant', [assistant])
    for (const call of calls) {
      const result = results.get(call.id)
      const { content, tokens } = result
        ? toolContent(result)
        : { content: CANCELLED_RESULT, tokens: tokenBound(CANCELLED_RESULT) }
      const isError = result ? result.status === 'error' : true
      const tool: ChatMessage = { role: 'tool', toolCallId: call.id, toolName: call.name, content, isError }
      sized.messages.push(tool)
      sized.sizes.push(messageTokens(tool, tokens))
      sized.contentSizes.push(tokens)
    }
    blocks.push(sized)
  }
  return blocks
}

function block(kind: Block['kind'], messages: ChatMessage[]): Block {
  const contentSizes = messages.map((message) => tokenBound(message.content))
  return {
    kind,
    messages,
    contentSizes,
    sizes: messages.map((message, i) => messageTokens(message, contentSizes[i])),
  }
}

/**
 * A tool result's text as the model reads it, and its size. Results are the big messages (up to
 * 200 KiB each) and the engine builds every model call of a turn from the same history objects,
 * so both are kept per result; checked against the content, in case a result object is reused.
 */
const toolContents = new WeakMap<object, { source: string; content: string; tokens: number }>()

function toolContent(result: ToolMessage): { content: string; tokens: number } {
  const known = toolContents.get(result)
  if (known && known.source === result.content) return known
  const { text, bytes } = toolOutputForModel(result.content)
  const entry = { source: result.content, content: text, tokens: bytes }
  toolContents.set(result, entry)
  return entry
}
