/**
 * The Agent Platform engine's reports (`AgentPlatformMetrics`) as Prometheus metrics, under GitLab's
 * names and labels (spec §11) so its Duo Workflow dashboards read them unchanged. Registered on the
 * gateway's registry: one metrics endpoint serves both services.
 */
import { Counter, Histogram, type Registry } from 'prom-client'
import type { AgentPlatformMetrics, SessionLabels } from '../../src/agent-platform/metrics.ts'

const METADATA = ['lsp_version', 'gitlab_version', 'client_type', 'gitlab_realm'] as const
const SESSION = ['flow_type', ...METADATA] as const
const DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]
const ACTION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export function createAgentPlatformMetrics(registry: Registry): AgentPlatformMetrics {
  const registers = [registry]
  const counter = (name: string, help: string, extra: readonly string[] = []) =>
    new Counter({ name, help, labelNames: [...SESSION, ...extra], registers })
  const receiveStart = counter(
    'agent_platform_receive_start_total',
    'ExecuteWorkflow streams that received their start request',
  )
  const started = {
    start: counter('agent_platform_session_start_total', 'Turns that started a new workflow'),
    resume: counter(
      'agent_platform_session_resume_total',
      'Turns that resumed a workflow waiting for input or approval',
    ),
    retry: counter(
      'agent_platform_session_retry_total',
      'Turns that retried a workflow (after a stop, a failure or a reconnect)',
    ),
  }
  const success = counter(
    'agent_platform_session_success_total',
    'Turns that ended normally (an answer, a question, an approval request)',
  )
  const reject = counter(
    'agent_platform_session_reject_total',
    'Turns refused before they started (authentication, scope)',
  )
  const failure = counter('agent_platform_session_failure_total', 'Turns that failed', [
    'failure_reason',
    'session_type',
  ])
  const abort = counter(
    'agent_platform_session_abort_total',
    'Turns stopped before their end (the user, a shutdown)',
    ['session_type'],
  )
  const toolFailure = counter('agent_platform_tool_failure_total', 'Tool calls that failed', [
    'tool_name',
    'failure_reason',
  ])
  const firstResponse = new Histogram({
    name: 'duo_workflow_time_to_first_response_seconds',
    help: 'Time from the start request to the first model output shown',
    labelNames: ['workflow_type', ...METADATA],
    buckets: DURATION_BUCKETS,
    registers,
  })
  const total = new Histogram({
    name: 'duo_workflow_total_seconds',
    help: 'Duration of an ExecuteWorkflow turn',
    labelNames: ['workflow_type'],
    buckets: DURATION_BUCKETS,
    registers,
  })
  const toolCall = new Histogram({
    name: 'duo_workflow_tool_call_seconds',
    help: 'Duration of a tool call',
    labelNames: ['tool_name', ...SESSION],
    buckets: ACTION_BUCKETS,
    registers,
  })
  const actions = new Histogram({
    name: 'executor_actions_duration_seconds',
    help: 'Time from sending an action to its answer',
    labelNames: ['action_class'],
    buckets: ACTION_BUCKETS,
    registers,
  })
  const metadata = (labels: SessionLabels) => ({
    lsp_version: labels.lsp_version,
    gitlab_version: labels.gitlab_version,
    client_type: labels.client_type,
    gitlab_realm: labels.gitlab_realm,
  })
  return {
    receivedStart: (labels) => receiveStart.inc({ ...labels }),
    sessionStarted: (labels, event) => started[event].inc({ ...labels }),
    sessionEnded(labels, outcome, reason) {
      if (outcome === 'success') success.inc({ ...labels })
      else if (outcome === 'reject') reject.inc({ ...labels })
      else if (outcome === 'abort') abort.inc({ ...labels, session_type: 'chat' })
      else failure.inc({ ...labels, failure_reason: reason ?? 'unknown', session_type: 'chat' })
    },
    firstResponse: (labels, seconds) =>
      firstResponse.observe({ workflow_type: labels.flow_type, ...metadata(labels) }, seconds),
    turnSeconds: (flowType, seconds) =>
      total.observe({ workflow_type: flowType || 'software_development' }, seconds),
    toolCall(labels, tool, seconds, failed) {
      toolCall.observe({ ...labels, tool_name: tool }, seconds)
      if (failed) toolFailure.inc({ ...labels, tool_name: tool, failure_reason: 'tool_error' })
    },
    action: (kind, seconds) => actions.observe({ action_class: kind }, seconds),
  }
}
