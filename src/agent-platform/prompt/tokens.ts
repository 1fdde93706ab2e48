/**
 * A message's size for the context-window budget: `tokenBound` of everything the provider sends
 * for it (text, tool calls, the result's call id and tool name) plus a few tokens for the role and
 * separators a chat template adds.
 */
import { tokenBound } from '../../code/context-window.ts'
import type { ChatMessage } from '../../model-call/types.ts'

/** Per message, for the role and separators a chat template adds around its text. */
export const MESSAGE_OVERHEAD = 8

/** `contentTokens`: the content's bound when the caller already has it (a long tool result is counted once). */
export function messageTokens(message: ChatMessage, contentTokens = tokenBound(message.content)): number {
  let tokens = MESSAGE_OVERHEAD + contentTokens
  if (message.role === 'assistant' && message.toolCalls?.length)
    tokens += tokenBound(JSON.stringify(message.toolCalls))
  if (message.role === 'tool') tokens += tokenBound(message.toolCallId) + tokenBound(message.toolName)
  return tokens
}
