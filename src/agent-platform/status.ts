/**
 * The status vocabularies of spec §5.6: the chat's internal status (`channel_values.status`), what
 * a `NewCheckpoint.status` shows for it, and the Rails status event PATCHed when the state changes
 * to it (`{"status_event": ...}` on `/api/v4/ai/duo_workflows/workflows/:id`).
 */
import type { ChatStatus } from './state.ts'

/** `NewCheckpoint.status`: the names of GraphQL's `DuoWorkflowStatus`, which the web UI compares against. */
export type CheckpointStatus =
  | 'CREATED'
  | 'RUNNING'
  | 'INPUT_REQUIRED'
  | 'TOOL_CALL_APPROVAL_REQUIRED'
  | 'PLAN_APPROVAL_REQUIRED'
  | 'PAUSED'
  | 'FINISHED'
  | 'FAILED'
  | 'STOPPED'

/** The events of Rails' workflow state machine. */
export type RailsStatusEvent =
  | 'start'
  | 'resume'
  | 'retry'
  | 'pause'
  | 'require_input'
  | 'require_plan_approval'
  | 'require_tool_call_approval'
  | 'finish'
  | 'drop'
  | 'stop'

/** Rails' `status` after the event (REST lower case; GraphQL upper-cases it). */
export type RailsStatus =
  | 'created'
  | 'running'
  | 'paused'
  | 'finished'
  | 'failed'
  | 'stopped'
  | 'input_required'
  | 'plan_approval_required'
  | 'tool_call_approval_required'

interface StatusRow {
  checkpoint: CheckpointStatus
  /** Null: the change is not told to Rails (it stays running, or `start`/`resume`/`retry` made it so). */
  event: RailsStatusEvent | null
  /** Rails' status once the event (if any) is applied; null: unchanged. */
  rails: RailsStatus | null
}

export const STATUS_TABLE: Readonly<Record<ChatStatus, StatusRow>> = {
  'Not Started': { checkpoint: 'CREATED', event: null, rails: null },
  Planning: { checkpoint: 'RUNNING', event: null, rails: 'running' },
  Execution: { checkpoint: 'RUNNING', event: null, rails: 'running' },
  input_required: { checkpoint: 'INPUT_REQUIRED', event: 'require_input', rails: 'input_required' },
  tool_call_approval_required: {
    checkpoint: 'TOOL_CALL_APPROVAL_REQUIRED',
    event: 'require_tool_call_approval',
    rails: 'tool_call_approval_required',
  },
  plan_approval_required: {
    checkpoint: 'PLAN_APPROVAL_REQUIRED',
    event: 'require_plan_approval',
    rails: 'plan_approval_required',
  },
  Paused: { checkpoint: 'PAUSED', event: 'pause', rails: 'paused' },
  Completed: { checkpoint: 'FINISHED', event: 'finish', rails: 'finished' },
  Error: { checkpoint: 'FAILED', event: 'drop', rails: 'failed' },
  Cancelled: { checkpoint: 'STOPPED', event: 'stop', rails: 'stopped' },
  // GitLab's "no-op" status: shown as running, nothing told to Rails.
  approval_error: { checkpoint: 'RUNNING', event: null, rails: null },
}

/** What `NewCheckpoint.status` shows for the state's status. */
export const checkpointStatus = (status: ChatStatus): CheckpointStatus => STATUS_TABLE[status].checkpoint

/**
 * The status event to PATCH when the state's status changes from `previous` to `next`; null when
 * there is none, or when the status did not change (GitLab PATCHes on a node's write of a new value).
 */
export function statusEvent(next: ChatStatus, previous?: ChatStatus): RailsStatusEvent | null {
  return next === previous ? null : STATUS_TABLE[next].event
}
