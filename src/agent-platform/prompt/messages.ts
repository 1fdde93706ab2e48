/**
 * The messages of one model call of the chat agent (spec §8.2): the static system message, the
 * status system message, then the conversation (user messages through the user template, answers
 * with their tool calls, tool results), made to hold providers' ordering rules (./history.ts) and
 * fitted into the model's window (./trim.ts). The stored history is never changed: this is a view.
 */
import type { ModelFamily } from '../../models/families.ts'
import type { PromptDefinition } from '../../prompts/definition.ts'
import type { ChatMessage, ToolDefinition } from '../../model-call/types.ts'
import { tokenBound } from '../../code/context-window.ts'
import type { ConversationMessage, NamespaceInfo, ProjectInfo } from '../state.ts'
import { agentPrompt, isOpenAiClass, renderStatus, renderSystem } from './agent-prompt.ts'
import { toBlocks } from './history.ts'
import { unknownCommandReply } from './slash-commands.ts'
import { messageTokens } from './tokens.ts'
import { promptBudget, trimHistory } from './trim.ts'
import { dedupeContext, renderUserMessage } from './user-message.ts'

/** What the models.yml of GitLab gives every Agent Platform family as its answer's length. */
const DEFAULT_MAX_OUTPUT_TOKENS = 4096

export interface ChatPromptInput {
  /** The family the model metadata names: picks the prompt, the model's name, the context window. */
  family: ModelFamily
  history: readonly ConversationMessage[]
  project: ProjectInfo | null
  namespace: NamespaceInfo | null
  /** The instance's web URL; absent: the origin of the project's web URL, else the group's. */
  gitlabUrl?: string | null | undefined
  /** `x-gitlab-version`. */
  gitlabVersion?: string | null | undefined
  /** `x-gitlab-model-prompt-cache-enabled`: only an explicit `false` (not an absent header) shows OpenAI-class models the time. */
  promptCacheEnabled?: boolean | undefined
  now: number
  /** IANA time zone for the status block; absent: the runtime's own. */
  timeZone?: string | undefined
  /** The tools offered with the call: their definitions take room in the window too. */
  tools?: readonly ToolDefinition[] | undefined
  /** The model's context window in tokens, when the operator set one; absent: the family's. */
  contextWindow?: number | undefined
}

export interface ChatPrompt {
  messages: ChatMessage[]
  /** The definition used: its model parameters and timeout are the call's, its name the history's key. */
  definition: PromptDefinition
  /** Messages of the history not sent, and messages sent shortened, to fit the budget. */
  leftOut: number
  shortened: number
  /** The most the prompt may take (`tokenBound` tokens), and what it takes. */
  budgetTokens: number
  promptTokens: number
}

export function chatPrompt(input: ChatPromptInput): ChatPrompt {
  const prompt = agentPrompt(input.family)
  const { definition } = prompt
  const system: ChatMessage = {
    role: 'system',
    content: renderSystem(prompt, input.family, {
      url: input.gitlabUrl || instanceUrl(input),
      version: input.gitlabVersion || null,
    }),
  }
  const status: ChatMessage = {
    role: 'system',
    content: renderStatus(prompt, {
      now: input.now,
      timeZone: input.timeZone,
      showTime: isOpenAiClass(input.family) && input.promptCacheEnabled === false,
      project: input.project,
      namespace: input.namespace,
    }),
  }
  const blocks = toBlocks(dedupeContext(input.history), (message) => renderUserMessage(prompt.user, message))
  const window = input.contextWindow ?? input.family.maxContextTokens
  const budget = promptBudget(window, definition.modelParams.max_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS)
  const fixed =
    messageTokens(system) +
    messageTokens(status) +
    (input.tools?.length ? tokenBound(JSON.stringify(input.tools)) : 0)
  const trimmed = trimHistory(blocks, budget - fixed)
  const history = trimmed.blocks.flatMap((block) => block.messages)
  return {
    messages: [system, status, ...history],
    definition,
    leftOut: trimmed.leftOut,
    shortened: trimmed.shortened,
    budgetTokens: budget,
    promptTokens: fixed + history.reduce((sum, message) => sum + messageTokens(message), 0),
  }
}

/** The messages of one model call (chatPrompt without the figures). */
export function chatMessages(input: ChatPromptInput): ChatMessage[] {
  return chatPrompt(input).messages
}

/**
 * The agent's answer when the turn needs no model call: the newest message is a user message
 * starting with a slash command that does not exist (spec §8.2 item 5; the engine shows it with
 * status `failure` and ends the turn `input_required`). Undefined otherwise.
 */
export function replyWithoutModel(history: readonly ConversationMessage[]): string | undefined {
  const last = history.at(-1)
  return last?.role === 'user' ? unknownCommandReply(last.content) : undefined
}

function instanceUrl(input: ChatPromptInput): string | null {
  for (const url of [input.project?.web_url, input.namespace?.web_url]) {
    if (!url) continue
    try {
      return new URL(url).origin
    } catch {
      // not a URL: try the next
    }
  }
  return null
}
