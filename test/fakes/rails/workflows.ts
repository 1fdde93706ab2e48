/**
 * Workflow rows as Rails keeps them (`duo_workflows_workflows` + the project or namespace they belong
 * to), the defaults GitLab's clients create them with, and the REST `Workflow` entity.
 */
import type { CheckpointRecord } from './checkpoints.ts'
import { jsonb, type Json } from './json.ts'
import { STATUS_VALUES, type TransitionOutcome, type WorkflowStatus } from './state-machine.ts'

/** `Ai::DuoWorkflows::Workflow::AgentPrivileges` in 18.9. */
export const AGENT_PRIVILEGES = {
  read_write_files: 1,
  read_only_gitlab: 2,
  read_write_gitlab: 3,
  run_commands: 4,
  use_git: 5,
  run_mcp_tools: 6,
} as const
export type PrivilegeName = keyof typeof AGENT_PRIVILEGES

/** What each client creates a chat workflow with (web: the agentic chat page; ide: the DB defaults). */
const CLIENT_DEFAULTS = {
  web: {
    environment: 'web',
    privileges: ['read_only_gitlab', 'read_write_gitlab'],
    preApproved: ['read_only_gitlab'],
  },
  ide: {
    environment: 'ide',
    privileges: [
      'read_write_files',
      'read_only_gitlab',
      'read_write_gitlab',
      'run_commands',
      'use_git',
      'run_mcp_tools',
    ],
    preApproved: ['read_write_files', 'read_only_gitlab'],
  },
} as const satisfies Record<
  string,
  { environment: string; privileges: PrivilegeName[]; preApproved: PrivilegeName[] }
>

export type Environment = 'ide' | 'web' | 'chat_partial' | 'chat' | 'ambient'
export type InjectionProtectionLevel = 'NO_CHECKS' | 'LOG_ONLY' | 'INTERRUPT'

export interface NamespaceInit {
  id?: number
  name?: string
  /** Full path, e.g. `gitlab-org`. */
  path?: string
  description?: string | null
  /** A group (default) or a user's personal namespace. */
  kind?: 'group' | 'user'
}

export interface ProjectInit {
  id?: number
  name?: string
  /** Path inside its namespace, e.g. `demo` (full path = namespace path + `/` + this). */
  path?: string
  description?: string | null
  defaultBranch?: string
  languages?: { name: string; share: number }[]
  /** Duo context exclusion rules (`duoContextExclusionSettings.exclusionRules`). */
  exclusionRules?: string[]
  /** The namespace the project lives in (default: group `gitlab-org`, id 2). */
  namespace?: NamespaceInit
}

/** A checkpoint row to start with, in the shape of the POST body (and of the GitLab fixture). */
export interface SeedCheckpoint {
  thread_ts: string
  parent_ts?: string | null
  checkpoint: unknown
  metadata: unknown
}

export interface WorkflowInit {
  id?: number
  /** Owner; the fake's current user by default. Workflows of other users are invisible (404, empty nodes). */
  userId?: number
  status?: WorkflowStatus
  workflowDefinition?: string
  /** Picks the defaults below: web chat (default) or an IDE-created workflow. */
  client?: 'web' | 'ide'
  environment?: Environment | null
  agentPrivileges?: PrivilegeName[]
  preApprovedAgentPrivileges?: PrivilegeName[]
  /** The project the workflow belongs to (default: project 1 `gitlab-org/demo`, as in the GitLab fixture). */
  project?: ProjectInit | null
  /** A namespace-level workflow instead (then `project` defaults to none). */
  namespace?: NamespaceInit | null
  mcpEnabled?: boolean
  allowAgentToRequestUser?: boolean
  /** `{"<tool>": {"call_args": ["<sha256 hex>", ...]}}` */
  toolCallApprovals?: Record<string, { call_args: string[] }>
  goal?: string | null
  promptInjectionProtectionLevel?: InjectionProtectionLevel
  checkpoints?: SeedCheckpoint[]
  /** The owner may not read it (`read_duo_workflow` denied): REST 403, GraphQL no node. */
  forbidden?: boolean
}

export interface NamespaceRecord {
  id: number
  name: string
  path: string
  description: string | null
  kind: 'group' | 'user'
  webUrl: string
}

export interface ProjectRecord {
  id: number
  name: string
  fullPath: string
  description: string | null
  defaultBranch: string
  languages: { name: string; share: number }[]
  exclusionRules: string[]
  webUrl: string
  httpUrlToRepo: string
  namespace: NamespaceRecord
}

export interface StatusEventRecord {
  event: string
  from: WorkflowStatus
  to: WorkflowStatus
  outcome: TransitionOutcome
  statusCode: number
}

export interface WorkflowRecord {
  id: number
  userId: number
  status: WorkflowStatus
  workflowDefinition: string
  environment: Environment | null
  agentPrivileges: number[]
  preApprovedAgentPrivileges: number[]
  project: ProjectRecord | null
  namespace: NamespaceRecord | null
  mcpEnabled: boolean
  allowAgentToRequestUser: boolean
  toolCallApprovals: Json
  goal: string | null
  promptInjectionProtectionLevel: InjectionProtectionLevel
  forbidden: boolean
  createdAt: Date
  updatedAt: Date
  checkpoints: CheckpointRecord[]
  statusEvents: StatusEventRecord[]
}

const privilegeIds = (names: readonly PrivilegeName[]): number[] =>
  names.map((name) => {
    if (!Object.hasOwn(AGENT_PRIVILEGES, name)) throw new Error(`unknown agent privilege: ${name}`)
    return AGENT_PRIVILEGES[name]
  })

export const privilegeNames = (ids: number[]): string[] =>
  ids.map((id) => Object.entries(AGENT_PRIVILEGES).find(([, value]) => value === id)?.[0] ?? `unknown_${id}`)

function namespaceRecord(
  init: NamespaceInit,
  gitlabUrl: string,
  fallback: { id: number; path: string },
): NamespaceRecord {
  const path = init.path ?? fallback.path
  return {
    id: init.id ?? fallback.id,
    name: init.name ?? path.split('/').pop() ?? path,
    path,
    description: init.description === undefined ? null : init.description,
    kind: init.kind ?? 'group',
    webUrl: init.kind === 'user' ? `${gitlabUrl}/${path}` : `${gitlabUrl}/groups/${path}`,
  }
}

function projectRecord(init: ProjectInit, gitlabUrl: string): ProjectRecord {
  const namespace = namespaceRecord(init.namespace ?? {}, gitlabUrl, { id: 2, path: 'gitlab-org' })
  const fullPath = `${namespace.path}/${init.path ?? 'demo'}`
  return {
    id: init.id ?? 1,
    name: init.name ?? init.path ?? 'demo',
    fullPath,
    description: init.description === undefined ? 'Demo project' : init.description,
    defaultBranch: init.defaultBranch ?? 'main',
    languages: init.languages ?? [{ name: 'Ruby', share: 100 }],
    exclusionRules: init.exclusionRules ?? [],
    webUrl: `${gitlabUrl}/${fullPath}`,
    httpUrlToRepo: `${gitlabUrl}/${fullPath}.git`,
    namespace,
  }
}

/** Builds a row the way Rails' validations would accept it; a setup Rails would refuse throws. */
export function workflowRecord(
  id: number,
  init: WorkflowInit,
  defaults: { userId: number; gitlabUrl: string; now: Date },
): WorkflowRecord {
  const client = CLIENT_DEFAULTS[init.client ?? 'web']
  const agentPrivileges = privilegeIds(init.agentPrivileges ?? client.privileges)
  const preApproved = privilegeIds(init.preApprovedAgentPrivileges ?? client.preApproved)
  for (const privilege of preApproved) {
    if (!agentPrivileges.includes(privilege))
      throw new Error(`pre-approved privilege ${privilege} is not in the agent privileges`)
  }
  const namespace = init.namespace
    ? namespaceRecord(init.namespace, defaults.gitlabUrl, { id: 2, path: 'gitlab-org' })
    : null
  const project =
    init.project === null || (init.project === undefined && namespace)
      ? null
      : projectRecord(init.project ?? {}, defaults.gitlabUrl)
  if (project && namespace) throw new Error('a workflow belongs to a project or to a namespace, not both')
  if (!project && !namespace) throw new Error('a workflow belongs to a project or to a namespace')
  return {
    id,
    userId: init.userId ?? defaults.userId,
    status: init.status ?? 'created',
    workflowDefinition: init.workflowDefinition ?? 'chat',
    environment: init.environment === undefined ? client.environment : init.environment,
    agentPrivileges,
    preApprovedAgentPrivileges: preApproved,
    project,
    namespace,
    mcpEnabled: init.mcpEnabled ?? false,
    allowAgentToRequestUser: init.allowAgentToRequestUser ?? true,
    toolCallApprovals: jsonb(init.toolCallApprovals ?? {}),
    goal: init.goal ?? null,
    promptInjectionProtectionLevel: init.promptInjectionProtectionLevel ?? 'LOG_ONLY',
    forbidden: init.forbidden ?? false,
    createdAt: defaults.now,
    updatedAt: defaults.now,
    checkpoints: [],
    statusEvents: [],
  }
}

/** `API::Entities::Ai::DuoWorkflows::Workflow` (18.9), the body of `GET …/workflows/:id`. */
export function workflowEntity(workflow: WorkflowRecord, gitlabUrl: string): Record<string, unknown> {
  return {
    id: workflow.id,
    project_id: workflow.project?.id ?? null,
    namespace_id: workflow.namespace?.id ?? null,
    agent_privileges: workflow.agentPrivileges,
    agent_privileges_names: privilegeNames(workflow.agentPrivileges),
    pre_approved_agent_privileges: workflow.preApprovedAgentPrivileges,
    pre_approved_agent_privileges_names: privilegeNames(workflow.preApprovedAgentPrivileges),
    workflow_definition: workflow.workflowDefinition,
    status: workflow.status,
    allow_agent_to_request_user: workflow.allowAgentToRequestUser,
    image: null,
    environment: workflow.environment,
    ai_catalog_item_version_id: null,
    workload: null,
    mcp_enabled: workflow.mcpEnabled,
    gitlab_url: gitlabUrl,
  }
}

/** `workflow.as_json` (the PATCH success payload `{"workflow": …}`): the row's columns, status as stored. */
export function workflowRow(workflow: WorkflowRecord): Record<string, unknown> {
  return {
    id: workflow.id,
    user_id: workflow.userId,
    project_id: workflow.project?.id ?? null,
    created_at: workflow.createdAt.toISOString(),
    updated_at: workflow.updatedAt.toISOString(),
    status: STATUS_VALUES[workflow.status],
    goal: workflow.goal,
    agent_privileges: workflow.agentPrivileges,
    workflow_definition: workflow.workflowDefinition,
    allow_agent_to_request_user: workflow.allowAgentToRequestUser,
    pre_approved_agent_privileges: workflow.preApprovedAgentPrivileges,
    image: null,
    environment: workflow.environment,
    namespace_id: workflow.namespace?.id ?? null,
    ai_catalog_item_version_id: null,
    tool_call_approvals: workflow.toolCallApprovals,
  }
}
