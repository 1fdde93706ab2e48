/**
 * The slice of GitLab's GraphQL schema the Agent Platform reads (`duoWorkflowWorkflows` and what hangs
 * off a workflow), executed by the reference GraphQL implementation: a query asking for a field this
 * slice lacks, declaring `$workflowId` with the wrong type, or passing a malformed global id fails
 * as it fails against GitLab. Field names and types follow GitLab 18.9 (duo-workflow-contract.md §7.1).
 */
import { buildSchema, GraphQLError, type GraphQLScalarType } from 'graphql'
import { earliestCheckpoint, latestCheckpoint, type CheckpointRecord } from './checkpoints.ts'
import { isPlainObject, rubyJson } from './json.ts'
import { humanStatus } from './state-machine.ts'
import { privilegeNames, type NamespaceRecord, type ProjectRecord, type WorkflowRecord } from './workflows.ts'

const SDL = /* GraphQL */ `
  scalar AiDuoWorkflowsWorkflowID
  scalar UserID
  scalar ProjectID
  scalar NamespaceID
  scalar JSON
  scalar JsonString
  scalar Time

  enum DuoWorkflowStatus {
    CREATED
    RUNNING
    PAUSED
    FINISHED
    FAILED
    STOPPED
    INPUT_REQUIRED
    PLAN_APPROVAL_REQUIRED
    TOOL_CALL_APPROVAL_REQUIRED
  }
  enum WorkflowEnvironment {
    IDE
    WEB
    CHAT_PARTIAL
    CHAT
    AMBIENT
  }
  enum PromptInjectionProtectionLevel {
    NO_CHECKS
    LOG_ONLY
    INTERRUPT
  }

  type Query {
    duoWorkflowWorkflows(
      workflowId: AiDuoWorkflowsWorkflowID
      projectPath: ID
      type: String
      after: String
      before: String
      first: Int
      last: Int
    ): DuoWorkflowConnection
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
  type DuoWorkflowConnection {
    count: Int!
    nodes: [DuoWorkflow]
    edges: [DuoWorkflowEdge]
    pageInfo: PageInfo!
  }
  type DuoWorkflowEdge {
    cursor: String!
    node: DuoWorkflow
  }

  type DuoWorkflow {
    id: ID!
    userId: UserID!
    projectId: ProjectID
    project: Project
    namespaceId: NamespaceID
    namespace: Namespace
    humanStatus: String!
    createdAt: Time!
    updatedAt: Time!
    goal: String
    workflowDefinition: String
    environment: WorkflowEnvironment
    agentPrivilegesNames: [String!]
    preApprovedAgentPrivilegesNames: [String!]
    toolCallApprovals: JSON
    mcpEnabled: Boolean
    allowAgentToRequestUser: Boolean
    status: DuoWorkflowStatus
    statusName: String
    firstCheckpoint: DuoWorkflowEvent
    latestCheckpoint: DuoWorkflowEvent
    archived: Boolean
    stalled: Boolean
  }

  type DuoWorkflowEvent {
    checkpoint: JsonString
    metadata: JsonString
    workflowStatus: DuoWorkflowStatus
    executionStatus: String!
    errors: [String!]
    threadTs: String
    parentTs: String
    workflowGoal: String
    workflowDefinition: String
  }

  type Project {
    id: ID!
    name: String!
    description: String
    fullPath: ID!
    httpUrlToRepo: String
    webUrl: String
    languages: [RepositoryLanguage!]
    statisticsDetailsPaths: ProjectStatisticsRedirect
    duoContextExclusionSettings: DuoContextExclusionSettings
    namespace: Namespace
    rootGroup: Group
  }
  type RepositoryLanguage {
    name: String!
    share: Float
    color: String
  }
  type ProjectStatisticsRedirect {
    repository: String!
  }
  type DuoContextExclusionSettings {
    exclusionRules: [String!]
  }

  type Namespace {
    id: ID!
    name: String!
    description: String
    fullPath: ID!
    webUrl: String
    aiSettings: AiSettings
    rootNamespace: Namespace
  }
  type Group {
    id: ID!
    name: String!
    description: String
    fullPath: ID!
    webUrl: String
    aiSettings: AiSettings
    rootNamespace: Namespace
  }
  type AiSettings {
    promptInjectionProtectionLevel: PromptInjectionProtectionLevel
  }
`

export const WORKFLOW_GID_PREFIX = 'gid://gitlab/Ai::DuoWorkflows::Workflow/'

/** GitLab's `Types::GlobalIDType[Ai::DuoWorkflows::Workflow]` input: a workflow gid, else an error. */
function parseWorkflowGid(value: unknown): number {
  if (typeof value !== 'string' || !value.startsWith('gid://'))
    throw new GraphQLError(`${JSON.stringify(value)} is not a valid Global ID`)
  const match = /^gid:\/\/gitlab\/Ai::DuoWorkflows::Workflow\/(\d+)$/.exec(value)
  if (!match) throw new GraphQLError(`${value} is not a valid ID for Ai::DuoWorkflows::Workflow.`)
  return Number(match[1])
}

export const schema = buildSchema(SDL)
Object.assign(schema.getType('AiDuoWorkflowsWorkflowID') as GraphQLScalarType, {
  parseValue: parseWorkflowGid,
  parseLiteral: (node: { kind: string; value?: string }) =>
    parseWorkflowGid(node.kind === 'StringValue' ? node.value : undefined),
})
// `Types::JsonStringType`: the column's Hash sent as JSON text (`value.to_json`).
Object.assign(schema.getType('JsonString') as GraphQLScalarType, {
  serialize: (value: unknown) => rubyJson(value),
})

export interface GraphqlContext {
  currentUserId: number
  workflows: () => Iterable<WorkflowRecord>
}

const upper = (value: string) => value.toUpperCase()
// GitLab's `Types::TimeType`: ISO 8601 without fractions.
const time = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z')

function namespaceView(record: NamespaceRecord, level: string): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id:
      record.kind === 'user'
        ? `gid://gitlab/Namespaces::UserNamespace/${record.id}`
        : `gid://gitlab/Group/${record.id}`,
    name: record.name,
    description: record.description,
    fullPath: record.path,
    webUrl: record.webUrl,
    aiSettings: { promptInjectionProtectionLevel: level },
  }
  // The fake keeps one level of namespaces: a namespace is its own root.
  view.rootNamespace = view
  return view
}

function projectView(record: ProjectRecord, level: string): Record<string, unknown> {
  const namespace = namespaceView(record.namespace, level)
  return {
    id: `gid://gitlab/Project/${record.id}`,
    name: record.name,
    description: record.description,
    fullPath: record.fullPath,
    httpUrlToRepo: record.httpUrlToRepo,
    webUrl: record.webUrl,
    languages: record.languages,
    statisticsDetailsPaths: { repository: `${record.webUrl}/-/tree/${record.defaultBranch}` },
    duoContextExclusionSettings: { exclusionRules: record.exclusionRules },
    namespace,
    rootGroup: record.namespace.kind === 'group' ? namespace : null,
  }
}

/** `WorkflowCheckpointEventPresenter`. */
function eventView(
  workflow: WorkflowRecord,
  record: CheckpointRecord | undefined,
): Record<string, unknown> | null {
  if (!record) return null
  const values = isPlainObject(record.checkpoint) ? record.checkpoint.channel_values : undefined
  const graphStatus = isPlainObject(values) ? values.status : undefined
  const titleized = humanStatus(workflow.status).replace(/\b\w/g, (c) => c.toUpperCase())
  return {
    checkpoint: record.checkpoint,
    metadata: record.metadata,
    workflowStatus: upper(workflow.status),
    executionStatus:
      graphStatus === undefined || graphStatus === null || graphStatus === 'Not Started'
        ? titleized
        : graphStatus,
    errors: [],
    threadTs: record.thread_ts,
    parentTs: record.parent_ts,
    workflowGoal: workflow.goal,
    workflowDefinition: workflow.workflowDefinition,
  }
}

function workflowView(workflow: WorkflowRecord): Record<string, unknown> {
  const level = workflow.promptInjectionProtectionLevel
  return {
    id: `${WORKFLOW_GID_PREFIX}${workflow.id}`,
    userId: `gid://gitlab/User/${workflow.userId}`,
    projectId: workflow.project ? `gid://gitlab/Project/${workflow.project.id}` : null,
    project: workflow.project ? projectView(workflow.project, level) : null,
    namespaceId: workflow.namespace ? `gid://gitlab/Namespace/${workflow.namespace.id}` : null,
    namespace: workflow.namespace ? namespaceView(workflow.namespace, level) : null,
    humanStatus: humanStatus(workflow.status),
    createdAt: time(workflow.createdAt),
    updatedAt: time(workflow.updatedAt),
    goal: workflow.goal,
    workflowDefinition: workflow.workflowDefinition,
    environment: workflow.environment === null ? null : upper(workflow.environment),
    agentPrivilegesNames: privilegeNames(workflow.agentPrivileges),
    preApprovedAgentPrivilegesNames: privilegeNames(workflow.preApprovedAgentPrivileges),
    toolCallApprovals: workflow.toolCallApprovals,
    mcpEnabled: workflow.mcpEnabled,
    allowAgentToRequestUser: workflow.allowAgentToRequestUser,
    status: upper(workflow.status),
    statusName: workflow.status,
    firstCheckpoint: () => eventView(workflow, earliestCheckpoint(workflow)),
    latestCheckpoint: () => eventView(workflow, latestCheckpoint(workflow)),
    archived: false,
    stalled: workflow.status !== 'created' && workflow.checkpoints.length === 0,
  }
}

/** The root value: the current user's readable workflows, newest first, optionally one by id. */
export const rootValue = {
  duoWorkflowWorkflows: (args: { workflowId?: number }, context: GraphqlContext) => {
    const nodes = [...context.workflows()]
      .filter(
        (w) =>
          w.userId === context.currentUserId &&
          !w.forbidden &&
          (args.workflowId === undefined || w.id === args.workflowId),
      )
      .sort((a, b) => b.id - a.id)
      .map(workflowView)
    const cursor = (i: number) => `cursor-${i}`
    return {
      count: nodes.length,
      nodes,
      edges: nodes.map((node, i) => ({ cursor: cursor(i), node })),
      pageInfo: {
        hasNextPage: false,
        hasPreviousPage: false,
        startCursor: nodes.length ? cursor(0) : null,
        endCursor: nodes.length ? cursor(nodes.length - 1) : null,
      },
    }
  },
}
