/**
 * Who and what a session is about, from its start request and metadata: the workflow definition
 * (GitLab's renames applied), the fields every log line of the session carries, and the labels of
 * its metrics. Never a token.
 */
import type { Logger } from '../logging.ts'
import type { SessionLabels } from './metrics.ts'
import type { Metadata } from './service.ts'

/** Definitions GitLab renames before anything else (spec §3.3). */
const RENAMED: Readonly<Record<string, string>> = {
  'duo_planner/experimental': 'duo_planner/v1',
  'security_analyst_agent/experimental': 'security_analyst_agent/v1',
}

export function workflowDefinition(sent: string): string {
  return Object.hasOwn(RENAMED, sent) ? RENAMED[sent]! : sent
}

/** Every line of a session carries who and what it is about (never a token). */
export function sessionLogger(
  logger: Logger,
  metadata: Metadata,
  workflowId: string,
  definition: string,
): Logger {
  const fields = {
    workflow_id: workflowId,
    workflow_definition: definition,
    correlation_id: metadata['x-request-id'] ?? metadata['x-gitlab-correlation-id'],
    global_user_id: metadata['x-gitlab-global-user-id'],
    instance_id: metadata['x-gitlab-instance-id'],
    realm: metadata['x-gitlab-realm'],
  }
  const bound = (base: Logger): Logger => ({
    debug: (message, more) => base.debug(message, { ...fields, ...more }),
    info: (message, more) => base.info(message, { ...fields, ...more }),
    warning: (message, more) => base.warning(message, { ...fields, ...more }),
    error: (message, more) => base.error(message, { ...fields, ...more }),
    critical: (message, more) => base.critical(message, { ...fields, ...more }),
    child: (name) => bound(base.child(name)),
  })
  return bound(logger)
}

export function sessionLabels(metadata: Metadata, definition: string): SessionLabels {
  return {
    flow_type: definition || 'software_development',
    lsp_version: metadata['x-gitlab-language-server-version'] ?? '',
    gitlab_version: metadata['x-gitlab-version'] ?? '',
    client_type: metadata['x-gitlab-client-type'] ?? '',
    gitlab_realm: metadata['x-gitlab-realm'] ?? '',
  }
}
