/**
 * Rails' workflow status state machine (`Ai::DuoWorkflows::Workflow`, state_machines gem) and
 * `UpdateWorkflowStatusService`'s reading of a `status_event`, in the order Rails checks things:
 * unknown event, then "already in status" (target status equals the current one, even when the
 * event would not be allowed from there), then the transition table.
 */

export const WORKFLOW_STATUSES = [
  'created',
  'running',
  'paused',
  'finished',
  'failed',
  'stopped',
  'input_required',
  'plan_approval_required',
  'tool_call_approval_required',
] as const
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number]

/** The integer each status is stored as (the state machine's `value:`). */
export const STATUS_VALUES: Record<WorkflowStatus, number> = {
  created: 0,
  running: 1,
  paused: 2,
  finished: 3,
  failed: 4,
  stopped: 5,
  input_required: 6,
  plan_approval_required: 7,
  tool_call_approval_required: 8,
}

const AWAITING: WorkflowStatus[] = [
  'paused',
  'input_required',
  'plan_approval_required',
  'tool_call_approval_required',
]
const STOPPABLE: WorkflowStatus[] = ['created', 'running', ...AWAITING]

export const STATUS_EVENTS = {
  start: { from: ['created'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  require_input: { from: ['running'], to: 'input_required' },
  require_plan_approval: { from: ['running'], to: 'plan_approval_required' },
  require_tool_call_approval: { from: ['running'], to: 'tool_call_approval_required' },
  resume: { from: AWAITING, to: 'running' },
  retry: { from: ['running', 'stopped', 'failed'], to: 'running' },
  finish: { from: ['running'], to: 'finished' },
  drop: { from: STOPPABLE, to: 'failed' },
  stop: { from: STOPPABLE, to: 'stopped' },
} as const satisfies Record<string, { from: readonly WorkflowStatus[]; to: WorkflowStatus }>
export type StatusEvent = keyof typeof STATUS_EVENTS

export const isWorkflowStatus = (value: unknown): value is WorkflowStatus =>
  WORKFLOW_STATUSES.includes(value as WorkflowStatus)
export const isStatusEvent = (value: string): value is StatusEvent => Object.hasOwn(STATUS_EVENTS, value)

/** state_machines' `human_status_name`: the state name with spaces ("tool call approval required"). */
export const humanStatus = (status: WorkflowStatus): string => status.replaceAll('_', ' ')

export type TransitionOutcome = 'transitioned' | 'already' | 'rejected' | 'unsupported'

export interface Transition {
  outcome: TransitionOutcome
  /** The status after the event (unchanged unless transitioned). */
  to: WorkflowStatus
  /** The service's message (the body of a 400; not sent on success, where Rails renders the payload). */
  message: string
}

export function applyStatusEvent(status: WorkflowStatus, event: string): Transition {
  if (!isStatusEvent(event)) {
    return {
      outcome: 'unsupported',
      to: status,
      message: `Can not update workflow status, unsupported event: ${event}`,
    }
  }
  const rule: { from: readonly WorkflowStatus[]; to: WorkflowStatus } = STATUS_EVENTS[event]
  if (rule.to === status)
    return { outcome: 'already', to: status, message: `Workflow already in status ${humanStatus(status)}` }
  if (!rule.from.includes(status)) {
    return {
      outcome: 'rejected',
      to: status,
      message: `Can not ${event} workflow that has status ${humanStatus(status)}`,
    }
  }
  return { outcome: 'transitioned', to: rule.to, message: 'Workflow status updated' }
}
