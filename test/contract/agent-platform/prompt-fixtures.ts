/** Histories and session facts shared by the chat agent's prompt cases. */
import { findFamily, type ModelFamily } from '../../../src/models/families.ts'
import type { ChatPromptInput } from '../../../src/agent-platform/prompt/messages.ts'
import type {
  AdditionalContextItem,
  ConversationMessage,
  NamespaceInfo,
  ProjectInfo,
} from '../../../src/agent-platform/state.ts'
import type { ChatMessage } from '../../../src/model-call/types.ts'

export const family = (name: string): ModelFamily => findFamily(name)!

export const PROJECT: ProjectInfo = {
  id: 7,
  name: 'payments-api',
  description: 'Card payments',
  http_url_to_repo: 'https://gitlab.acme.test/shop/payments-api.git',
  web_url: 'https://gitlab.acme.test/shop/payments-api',
  default_branch: 'main',
  languages: [
    { name: 'Ruby', share: 81.5 },
    { name: 'Go', share: 18.5 },
  ],
  exclusion_rules: [],
}

export const NAMESPACE: NamespaceInfo = {
  id: 31,
  name: 'shop',
  description: 'The web shop teams',
  web_url: 'https://gitlab.acme.test/shop',
}

/** 2026-02-10 23:30:05 UTC: already the 11th in Berlin. */
export const NOW = Date.UTC(2026, 1, 10, 23, 30, 5)

export function input(overrides: Partial<ChatPromptInput> = {}): ChatPromptInput {
  return {
    family: family('claude_3'),
    history: [user('Why is pipeline 77 failing?')],
    project: PROJECT,
    namespace: NAMESPACE,
    gitlabVersion: '18.9.1',
    now: NOW,
    timeZone: 'UTC',
    ...overrides,
  }
}

export function user(content: string, additionalContext?: AdditionalContextItem[]): ConversationMessage {
  return { role: 'user', content, additionalContext }
}

export function context(
  content: string,
  id: string | null = null,
  category = 'repository',
): AdditionalContextItem {
  return { category, id, content, metadata: {} }
}

export function answer(content: string, id = `run-${content.length}`): ConversationMessage {
  return { role: 'assistant', id, content }
}

export function calls(
  id: string,
  ...toolCalls: { id: string; name: string; arguments?: Record<string, unknown> }[]
): ConversationMessage {
  return {
    role: 'assistant',
    id,
    content: '',
    toolCalls: toolCalls.map((call) => ({ arguments: {}, ...call })),
  }
}

export function result(
  toolCallId: string,
  content: string,
  status: 'success' | 'error' = 'success',
  toolName = 'get_project',
): ConversationMessage {
  return { role: 'tool', toolCallId, toolName, content, status }
}

/** Messages after the two system messages. */
export const historyOf = (messages: readonly ChatMessage[]) => messages.slice(2)

/**
 * The ordering rules providers enforce: every tool call of an assistant message is answered by
 * exactly one tool message right after it (before any other message), and every tool message
 * answers a call of the assistant message before it. Returns the first violation, or undefined.
 */
export function orderingViolation(messages: readonly ChatMessage[]): string | undefined {
  let open: Set<string> | undefined
  for (const [i, message] of messages.entries()) {
    if (message.role === 'tool') {
      if (!open?.delete(message.toolCallId))
        return `message ${i}: a result for ${message.toolCallId}, which no open call has`
      continue
    }
    if (open?.size) return `message ${i}: calls ${[...open].join(', ')} have no result`
    open = message.role === 'assistant' ? new Set(message.toolCalls?.map((call) => call.id)) : undefined
  }
  return open?.size ? `the last calls ${[...open].join(', ')} have no result` : undefined
}
