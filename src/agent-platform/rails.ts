/**
 * GitLab Rails as the session reaches it: only through `runHTTPRequest` actions that Workhorse runs
 * with the session's OAuth token (spec §6.4, §7.1, §7.2). The workflow bootstrap query (its fields
 * depend on the GitLab version), the status events, checkpoints, and the plain REST and GraphQL
 * calls the tools make.
 */
import type { ActionChannel, RequestOptions } from './channel.ts'
import { versionAtLeast } from './gitlab-version.ts'

export interface RailsResponse {
  status: number
  body: string
}

/** Rails could not do what the session needed (a GraphQL error, an unexpected status): the turn fails, visibly. */
export class RailsError extends Error {
  readonly status: number | undefined
  constructor(message: string, status?: number) {
    super(message)
    this.name = 'RailsError'
    this.status = status
  }
}

/** What the bootstrap query returns of the workflow (spec §7.1), parsed. */
export interface WorkflowNode {
  statusName: string
  projectId: string | null
  project: Record<string, unknown> | null
  namespaceId: string | null
  namespace: Record<string, unknown> | null
  agentPrivilegesNames: string[]
  preApprovedAgentPrivilegesNames: string[]
  mcpEnabled: boolean
  toolCallApprovals: Record<string, { call_args?: string[] }>
  /** GraphQL's `latestCheckpoint` (≥ 18.8) or `firstCheckpoint` (older): JSON-string fields as Rails sends them. */
  checkpoint: {
    threadTs: string | null
    parentTs: string | null
    metadata: string | null
    checkpoint: string | null
  } | null
}

export class Rails {
  private readonly channel: ActionChannel

  constructor(channel: ActionChannel) {
    this.channel = channel
  }

  /** One REST call: `path` absolute on the instance, `body` JSON-encoded when it is not text already. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<RailsResponse> {
    const response = await this.channel.request(
      {
        runHTTPRequest: {
          method,
          path,
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        },
      },
      options,
    )
    const http = response.httpResponse
    if (!http) throw new RailsError(`Workhorse answered ${method} ${pathOnly(path)} without an HTTP response`)
    if (http.error) throw new RailsError(`Workhorse could not run ${method} ${pathOnly(path)}: ${http.error}`)
    return { status: http.statusCode, body: http.body }
  }

  /** A GraphQL query's `data`; GraphQL errors are a RailsError naming their messages. */
  async graphql(
    query: string,
    variables: Record<string, unknown> = {},
    options?: RequestOptions,
  ): Promise<unknown> {
    const { status, body } = await this.request('POST', '/api/graphql', { query, variables }, options)
    const json = parseJson(body) as { data?: unknown; errors?: { message?: string }[] } | undefined
    if (status !== 200 || !json) throw new RailsError(`GitLab's GraphQL API answered HTTP ${status}`, status)
    if (json.errors?.length)
      throw new RailsError(
        `GitLab's GraphQL API answered: ${json.errors.map((e) => e.message ?? '?').join('; ')}`,
        status,
      )
    return json.data
  }

  /** The workflow and what surrounds it (project, namespace, privileges, latest checkpoint), for `gitlabVersion`. */
  async workflow(
    workflowId: string,
    gitlabVersion: string | undefined,
    timeoutMs?: number,
  ): Promise<WorkflowNode> {
    const variables = { workflowId: `gid://gitlab/Ai::DuoWorkflows::Workflow/${workflowId}` }
    const data = (await this.graphql(workflowQuery(gitlabVersion), variables, { timeoutMs })) as {
      duoWorkflowWorkflows?: { nodes?: Record<string, unknown>[] }
    }
    const node = data?.duoWorkflowWorkflows?.nodes?.[0]
    if (!node) throw new RailsError(`No workflow found for workflow ID ${workflowId}`)
    const checkpoint = (node.latestCheckpoint ?? node.firstCheckpoint ?? null) as WorkflowNode['checkpoint']
    return {
      statusName: String(node.statusName ?? ''),
      projectId: (node.projectId as string | null) ?? null,
      project: (node.project as Record<string, unknown> | null) ?? null,
      namespaceId: (node.namespaceId as string | null) ?? null,
      namespace: (node.namespace as Record<string, unknown> | null) ?? null,
      agentPrivilegesNames: stringList(node.agentPrivilegesNames),
      preApprovedAgentPrivilegesNames: stringList(node.preApprovedAgentPrivilegesNames),
      mcpEnabled: node.mcpEnabled === true,
      toolCallApprovals: approvals(node.toolCallApprovals),
      checkpoint:
        checkpoint && (checkpoint.checkpoint !== undefined || checkpoint.threadTs !== undefined)
          ? checkpoint
          : null,
    }
  }

  /** A status event (`start`, `require_input`, `drop`...): Rails' answer (200, or 400 for a transition it refuses). */
  statusEvent(workflowId: string, event: string, options?: RequestOptions): Promise<RailsResponse> {
    return this.request(
      'PATCH',
      `/api/v4/ai/duo_workflows/workflows/${workflowId}`,
      { status_event: event },
      options,
    )
  }

  /** Saves one checkpoint; @throws RailsError unless Rails answers 201. */
  async saveCheckpoint(
    workflowId: string,
    payload: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<void> {
    const { status, body } = await this.request(
      'POST',
      `/api/v4/ai/duo_workflows/workflows/${workflowId}/checkpoints`,
      payload,
      options,
    )
    if (status !== 201)
      throw new RailsError(`GitLab refused the checkpoint (HTTP ${status}): ${body.slice(0, 200)}`, status)
  }

  /** The workflow's REST entity (read at the end of a turn, as GitLab's service does). */
  async readWorkflow(workflowId: string, options?: RequestOptions): Promise<void> {
    await this.request('GET', `/api/v4/ai/duo_workflows/workflows/${workflowId}`, undefined, options)
  }
}

/**
 * The bootstrap query for a GitLab version (spec §7.1): namespaces and exclusion rules from 18.3,
 * `latestCheckpoint` (and the injection-protection settings) from 18.8, tool call approvals from 18.9.
 * An unparsable version counts as 18.2.
 */
export function workflowQuery(gitlabVersion: string | undefined): string {
  const atLeast = (major: number, minor: number) => versionAtLeast(gitlabVersion, major, minor)
  const project = [
    'id name description httpUrlToRepo webUrl',
    'languages { name share }',
    'statisticsDetailsPaths { repository }',
    ...(atLeast(18, 3) ? ['duoContextExclusionSettings { exclusionRules }'] : []),
    ...(atLeast(18, 8) ? ['rootGroup { aiSettings { promptInjectionProtectionLevel } }'] : []),
  ].join(' ')
  const fields = [
    'statusName',
    'projectId',
    `project { ${project} }`,
    'agentPrivilegesNames',
    'preApprovedAgentPrivilegesNames',
    'mcpEnabled',
    'allowAgentToRequestUser',
    ...(atLeast(18, 3)
      ? [
          'namespaceId',
          `namespace { id name description webUrl${atLeast(18, 8) ? ' rootNamespace { aiSettings { promptInjectionProtectionLevel } }' : ''} }`,
        ]
      : []),
    atLeast(18, 8)
      ? 'latestCheckpoint { threadTs parentTs metadata checkpoint }'
      : 'firstCheckpoint { checkpoint }',
    ...(atLeast(18, 9) ? ['toolCallApprovals'] : []),
  ]
  return `query getWorkflow($workflowId: AiDuoWorkflowsWorkflowID!) { duoWorkflowWorkflows(workflowId: $workflowId) { nodes { ${fields.join(' ')} } } }`
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

function approvals(value: unknown): Record<string, { call_args?: string[] }> {
  const parsed = typeof value === 'string' ? parseJson(value) : value
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, { call_args?: string[] }>)
    : {}
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** A path without its query (which may hold search terms) for messages. */
function pathOnly(path: string): string {
  const query = path.indexOf('?')
  return query < 0 ? path : path.slice(0, query)
}
