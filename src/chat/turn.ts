/**
 * One chat turn as the ReAct prompt needs it, from either request shape (spec features §5.2):
 * the conversation, the tool steps already taken in this turn (the scratchpad), and the
 * resources the user cannot reach.
 *
 * Rails drives the ReAct loop itself: after running a tool it posts the conversation again, with
 * the steps so far on a trailing `{"role": "assistant", "content": null, "agent_scratchpad": [...]}`
 * (18.x) or in `options.agent_scratchpad` (older versions). Those steps become the assistant
 * prefill the model continues; they are not a message of their own.
 */
import { HttpError, ValidationError } from '../errors.ts'
import type { AdditionalContext, ChatBody, ChatMessageBody, CurrentFile, PageContext } from './schema.ts'

export interface ReactStep {
  thought: string
  tool: string
  toolInput: string
  observation: string
}

export interface ConversationMessage {
  role: 'user' | 'assistant'
  content: string
  context?: PageContext | null | undefined
  currentFile?: CurrentFile | null | undefined
  additionalContext: readonly AdditionalContext[]
  /** Tool observations of an earlier assistant answer (GitLab renders them before its Final Answer). */
  observations: readonly string[]
}

export interface ChatTurn {
  messages: ConversationMessage[]
  steps: ReactStep[]
  unavailableResources: readonly string[]
}

/** GitLab's default when the request names none: one string, rendered as a one-item list. */
const DEFAULT_UNAVAILABLE = ['Merge Requests, Pipelines, Vulnerabilities']

export function chatTurn(body: ChatBody): ChatTurn {
  const unavailableResources = body.unavailable_resources ?? DEFAULT_UNAVAILABLE
  if (!body.messages) return legacyTurn(body, unavailableResources)

  for (const message of body.messages) {
    if (message.agent_scratchpad != null && message.role !== 'assistant') {
      throw new HttpError(400, 'agent_scratchpad can only be present when role is ASSISTANT')
    }
    if (message.role === 'system')
      throw new ValidationError('messages: a system message cannot be part of a Duo Chat conversation')
  }
  let history = body.messages
  let steps: ReactStep[] = []
  const last = history.at(-1)!
  if (last.role === 'assistant' && last.content == null) {
    history = history.slice(0, -1)
    steps = (last.agent_scratchpad ?? []).flatMap((entry) =>
      entry.action
        ? [step(entry.action.thought, entry.action.tool, entry.action.tool_input, entry.observation)]
        : [],
    )
  }
  if (body.options?.agent_scratchpad)
    steps = body.options.agent_scratchpad.steps.map((s) =>
      step(s.thought, s.tool, s.tool_input, s.observation),
    )
  const messages = history.flatMap(conversationMessage)
  if (!messages.some((m) => m.role === 'user'))
    throw new ValidationError('messages: the conversation has no user message')
  return { messages, steps, unavailableResources }
}

/** The 17.1–17.2 shape: history in `options.chat_history`, the question in `prompt`, its context in `options`. */
function legacyTurn(body: ChatBody, unavailableResources: readonly string[]): ChatTurn {
  const prompt = body.prompt
  if (prompt == null)
    throw new ValidationError('messages: field required (or, as GitLab 17.1–17.2 sent it, prompt)')
  const options = body.options ?? {}
  const history =
    typeof options.chat_history === 'string' ? [options.chat_history] : (options.chat_history ?? [])
  const messages: ConversationMessage[] = history.flatMap((entry) => {
    const { role, content } = typeof entry === 'string' ? { role: 'user' as const, content: entry } : entry
    return role === 'system' || !content ? [] : [{ role, content, additionalContext: [], observations: [] }]
  })
  messages.push({
    role: 'user',
    content: prompt,
    context: options.context,
    currentFile: options.current_file,
    additionalContext: options.additional_context ?? [],
    observations: [],
  })
  const steps = (options.agent_scratchpad?.steps ?? []).map((s) =>
    step(s.thought, s.tool, s.tool_input, s.observation),
  )
  return { messages, steps, unavailableResources }
}

function conversationMessage(message: ChatMessageBody): ConversationMessage[] {
  // An assistant turn without text (a cancelled or failed answer) says nothing to the model.
  if (message.role === 'assistant' && !message.content) return []
  return [
    {
      role: message.role === 'assistant' ? 'assistant' : 'user',
      content: message.content ?? '',
      context: message.context,
      currentFile: message.current_file,
      additionalContext: message.additional_context ?? [],
      observations: (message.agent_scratchpad ?? []).flatMap((entry) =>
        entry.observation ? [entry.observation] : [],
      ),
    },
  ]
}

/** GitLab un-escapes `\_` (models trained on Markdown write it) in thoughts and tool names. */
function step(
  thought: string | null | undefined,
  tool: string,
  toolInput: string | null | undefined,
  observation: string | null | undefined,
): ReactStep {
  return {
    thought: unescape(thought ?? ''),
    tool: unescape(tool),
    toolInput: toolInput ?? '',
    observation: observation ?? '',
  }
}

function unescape(value: string): string {
  return value.replaceAll('\\_', '_')
}

/** Every additional-context category of the turn (each needs its `include_<category>_context` primitive). */
export function contextCategories(turn: ChatTurn): string[] {
  return [...new Set(turn.messages.flatMap((m) => m.additionalContext.map((item) => item.category)))]
}
