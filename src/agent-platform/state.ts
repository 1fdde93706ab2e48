/**
 * An Agentic Chat session's state, as the engine holds it between turns (and saves it to Rails as
 * a checkpoint: checkpoint.ts writes and reads GitLab's own format). Neutral types: the model layer's
 * messages plus what the chat keeps beside them (a human message's additional context, a model
 * message's id and usage, a tool message's status).
 */
import type { InvalidToolCall, ToolCall, Usage } from '../model-call/types.ts'

/**
 * The workflow's internal status (spec §5.6): what `channel_values.status` holds, what the Rails
 * status events and `NewCheckpoint.status` are derived from.
 */
export type ChatStatus =
  | 'Not Started'
  | 'Planning'
  | 'Execution'
  | 'input_required'
  | 'tool_call_approval_required'
  | 'plan_approval_required'
  | 'Paused'
  | 'Completed'
  | 'Error'
  | 'Cancelled'
  | 'approval_error'

/** One additional-context item of a human message (spec §5.1): `metadata` parsed, `{}` when absent or not JSON. */
export interface AdditionalContextItem {
  category: string
  id: string | null
  content: string | null
  metadata: Record<string, unknown>
}

export type ConversationMessage =
  | { role: 'user'; content: string; additionalContext?: AdditionalContextItem[] | undefined }
  | {
      role: 'assistant'
      /** Stable across streaming and the final version (the UI entry's `message_id`). */
      id: string
      content: string
      toolCalls?: ToolCall[] | undefined
      invalidToolCalls?: InvalidToolCall[] | undefined
      usage?: Usage | undefined
      finishReason?: string | undefined
    }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string; status: 'success' | 'error' }

/** A `ui_chat_log` entry exactly as the web UI reads it (spec §7.6): JSON keys as written. */
export interface UiLogEntry {
  message_type: 'user' | 'agent' | 'tool' | 'request' | 'workflow_end'
  message_sub_type: string | null
  content: string
  /** ISO-8601 UTC with offset, e.g. `2026-02-10T12:00:01.123456+00:00`. */
  timestamp: string
  status: 'success' | 'failure' | 'pending' | null
  correlation_id: null
  tool_info: { name: string; args: Record<string, unknown>; tool_response?: unknown } | null
  additional_context: unknown[] | null
  message_id: string | null
}

export interface ProjectInfo {
  id: number
  name: string
  description: string | null
  http_url_to_repo: string | null
  web_url: string | null
  default_branch: string | null
  languages: { name: string; share: number }[]
  exclusion_rules: string[]
}

export interface NamespaceInfo {
  id: number
  name: string
  description: string | null
  web_url: string | null
}

export interface ChatState {
  status: ChatStatus
  /** The first goal of the thread. */
  goal: string | null
  /** The conversation the model sees (GitLab's `conversation_history["Chat Agent"]`). */
  history: ConversationMessage[]
  uiLog: UiLogEntry[]
  project: ProjectInfo | null
  namespace: NamespaceInfo | null
  /** A pending rejection of tool calls (GitLab's `ApprovalStateRejection`). */
  approval: { message: string | null } | null
  preapprovedTools: string[] | null
}
