/**
 * What the Agent Platform engine reports for metrics, as plain values (GitLab's metric and label
 * names, spec §11); the Node adapter turns them into Prometheus series. Absent: nothing measured.
 */

/** GitLab's `METADATA_LABELS` plus the flow type, from the session's metadata. */
export interface SessionLabels {
  flow_type: string
  lsp_version: string
  gitlab_version: string
  client_type: string
  gitlab_realm: string
}

export type SessionOutcome = 'success' | 'failure' | 'abort' | 'reject'

export interface AgentPlatformMetrics {
  /** A turn got its start request (`agent_platform_receive_start_total`). */
  receivedStart(labels: SessionLabels): void
  /** The turn's start event: `start`, `resume` or `retry` (`agent_platform_session_{start,resume,retry}_total`). */
  sessionStarted(labels: SessionLabels, event: 'start' | 'resume' | 'retry'): void
  /** How the turn ended; `reason` for failures (the error's class). */
  sessionEnded(labels: SessionLabels, outcome: SessionOutcome, reason?: string): void
  /** Start request to the first model output shown (`duo_workflow_time_to_first_response_seconds`). */
  firstResponse(labels: SessionLabels, seconds: number): void
  /** The whole turn (`duo_workflow_total_seconds`). */
  turnSeconds(flowType: string, seconds: number): void
  /** One tool call (`duo_workflow_tool_call_seconds`, failures in `agent_platform_tool_failure_total`). */
  toolCall(labels: SessionLabels, tool: string, seconds: number, failed: boolean): void
  /** An action answered by the client (`executor_actions_duration_seconds`). */
  action(kind: string, seconds: number): void
}
