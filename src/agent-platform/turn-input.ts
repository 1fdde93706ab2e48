/**
 * What a turn starts from (spec §5.2 step 5, §5.7): a new thread's first state, or the saved state
 * with this turn's input — the user's new message, their approval of the tool calls waiting for it,
 * or their refusal (every waiting call is then answered "not run", with their comment).
 *
 * Where GitLab's service appends an empty message for an empty goal (the web UI's reconnect), the
 * turn here just goes on from the saved state: the agent runs again only when the conversation
 * ends with something it has not answered yet.
 */
import type { ToolCall } from '../model-call/types.ts'
import type { AdditionalContext, StartWorkflowRequest } from './contract.ts'
import type { StartEvent } from './bootstrap.ts'
import { deniedResult } from './prompt/history.ts'
import type {
  AdditionalContextItem,
  ChatState,
  ConversationMessage,
  NamespaceInfo,
  ProjectInfo,
} from './state.ts'
import { userEntry } from './ui-log.ts'

/** What the turn does first: call the model, run the approved tool calls, or nothing (the conversation is answered). */
export type FirstStep = 'agent' | 'tools' | 'idle'

export interface TurnStart {
  state: ChatState
  first: FirstStep
}

export interface TurnInputOptions {
  start: Pick<StartWorkflowRequest, 'goal' | 'approval' | 'additional_context' | 'preapproved_tools'>
  event: StartEvent
  /** The saved state (null: the thread has none, or it could not be read). */
  saved: ChatState | null
  project: ProjectInfo | null
  namespace: NamespaceInfo | null
}

export function turnStart({ start, event, saved, project, namespace }: TurnInputOptions): TurnStart {
  const goal = start.goal
  const context = additionalContext(start.additional_context)
  const state: ChatState = saved ?? {
    status: 'Not Started',
    goal: event === 'start' ? goal : null,
    history: [],
    uiLog: [],
    project,
    namespace,
    approval: null,
    preapprovedTools: null,
  }
  // The workflow's project and group as GitLab knows them now (exclusion rules may have changed).
  state.project = project ?? state.project
  state.namespace = namespace ?? state.namespace
  state.preapprovedTools = [...start.preapproved_tools]
  if (event === 'start') {
    if (!said(goal)) return { state, first: 'idle' }
    addUserMessage(state, goal, context)
    return { state, first: 'agent' }
  }

  state.status = 'Execution'
  const pending = pendingToolCalls(state.history)
  const decision = start.approval
  if (decision?.approval) return { state, first: pending.length ? 'tools' : answerable(state.history) }
  if (decision?.rejection) {
    const comment = decision.rejection.message ?? ''
    for (const call of pending) {
      state.history.push({
        role: 'tool',
        toolCallId: call.id,
        toolName: call.name,
        content: deniedResult(comment),
        status: 'error',
      })
    }
    if (said(comment)) state.uiLog.push(userEntry(comment))
    state.approval = null
    return { state, first: pending.length || said(comment) ? 'agent' : answerable(state.history) }
  }
  if (!said(goal)) return { state, first: answerable(state.history) }
  addUserMessage(state, goal, context)
  return { state, first: 'agent' }
}

/** The last model message's tool calls that have no result yet (waiting for approval). */
export function pendingToolCalls(history: readonly ConversationMessage[]): ToolCall[] {
  const index = history.findLastIndex((message) => message.role === 'assistant')
  const last = history[index]
  if (last?.role !== 'assistant' || !last.toolCalls?.length) return []
  const answered = new Set(
    history.slice(index + 1).flatMap((message) => (message.role === 'tool' ? [message.toolCallId] : [])),
  )
  return last.toolCalls.filter((call) => !answered.has(call.id))
}

function addUserMessage(state: ChatState, goal: string, context: AdditionalContextItem[]): void {
  state.history.push({
    role: 'user',
    content: goal,
    ...(context.length ? { additionalContext: context } : {}),
  })
  // Verbatim: the web UI replaces its optimistic copy of the message by this entry when the texts are equal.
  state.uiLog.push(userEntry(goal, context.length ? context : null))
}

/** The model has something to answer: the conversation ends with the user's message or a tool's result. */
function answerable(history: readonly ConversationMessage[]): FirstStep {
  const last = history.at(-1)
  return last && last.role !== 'assistant' ? 'agent' : 'idle'
}

/** GitLab's clients send '' (and, from a JavaScript `null`, the text "null") for "nothing said". */
function said(text: string | null | undefined): text is string {
  return Boolean(text) && text !== 'null'
}

/** The start request's context items; `metadata` that is absent or not a JSON object reads as `{}` (GitLab's service crashes on it). */
function additionalContext(items: readonly AdditionalContext[]): AdditionalContextItem[] {
  return items.map((item) => ({
    category: item.category,
    id: item.id ?? null,
    content: item.content ?? null,
    metadata: metadataOf(item.metadata),
  }))
}

function metadataOf(text: string | undefined): Record<string, unknown> {
  if (!text) return {}
  try {
    const value = JSON.parse(text) as unknown
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {}
  } catch {
    return {}
  }
}
