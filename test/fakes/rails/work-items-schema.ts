/**
 * The slice of GitLab's GraphQL schema (18.x) that the work-item and vulnerability tools use,
 * executed by the reference GraphQL implementation so that a query naming a field, an argument,
 * an enum value or an input field GitLab lacks fails here as it fails against GitLab. Names and
 * types follow GitLab's schema (`Project.workItems`, `Namespace.workItemTypes`, the widget types,
 * `WorkItemCreateInput`, `CreateNoteInput`, `Vulnerability`...); global-id scalars check the
 * `gid://gitlab/<Type>/<id>` form and the type as GitLab's `GlobalIDType[...]` does.
 */
import { buildSchema, GraphQLError, Kind, type GraphQLScalarType, type ValueNode } from 'graphql'

const WORK_ITEM_FILTERS = `iid: String, iids: [String!], state: IssuableState, search: String, authorUsername: String,
  createdAfter: Time, createdBefore: Time, updatedAfter: Time, updatedBefore: Time, dueAfter: Time, dueBefore: Time,
  labelName: [String], assigneeUsernames: [String!], milestoneTitle: [String], milestoneWildcardId: MilestoneWildcardId,
  sort: WorkItemSort = CREATED_DESC, types: [IssueType!], healthStatusFilter: HealthStatusFilter,
  status: WorkItemWidgetStatusFilterInput, first: Int, after: String, last: Int, before: String`

const SDL = /* GraphQL */ `
  scalar Time
  scalar Date
  scalar WorkItemID
  scalar WorkItemsTypeID
  scalar UserID
  scalar LabelID
  scalar NoteableID
  scalar DiscussionID
  scalar NoteID
  scalar VulnerabilityID

  enum IssuableState { opened closed locked all }
  enum WorkItemState { OPEN CLOSED }
  enum WorkItemStateEvent { CLOSE REOPEN }
  enum WorkItemSort {
    CREATED_ASC CREATED_DESC UPDATED_ASC UPDATED_DESC TITLE_ASC TITLE_DESC DUE_DATE_ASC DUE_DATE_DESC START_DATE_ASC START_DATE_DESC
  }
  enum IssueType { ISSUE INCIDENT TEST_CASE REQUIREMENT TASK TICKET OBJECTIVE KEY_RESULT EPIC }
  enum MilestoneWildcardId { NONE ANY STARTED UPCOMING }
  enum HealthStatus { onTrack needsAttention atRisk }
  enum HealthStatusFilter { NONE ANY onTrack needsAttention atRisk }
  enum NotesFilterType { ALL_NOTES ONLY_COMMENTS ONLY_ACTIVITY }
  enum WorkItemWidgetType { ASSIGNEES DESCRIPTION HIERARCHY LABELS MILESTONE NOTES START_AND_DUE_DATE HEALTH_STATUS STATUS }
  enum VulnerabilitySeverity { INFO UNKNOWN LOW MEDIUM HIGH CRITICAL }
  enum VulnerabilityState { DETECTED CONFIRMED RESOLVED DISMISSED }
  enum VulnerabilityReportType { SAST DEPENDENCY_SCANNING CONTAINER_SCANNING DAST SECRET_DETECTION COVERAGE_FUZZING API_FUZZING CLUSTER_IMAGE_SCANNING CONTAINER_SCANNING_FOR_REGISTRY GENERIC }

  type Query {
    project(fullPath: ID!): Project
    namespace(fullPath: ID!): Namespace
    vulnerability(id: VulnerabilityID!): Vulnerability
  }

  type Mutation {
    workItemCreate(input: WorkItemCreateInput!): WorkItemCreatePayload
    workItemUpdate(input: WorkItemUpdateInput!): WorkItemUpdatePayload
    createNote(input: CreateNoteInput!): CreateNotePayload
  }

  type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }

  type Project {
    id: ID!
    name: String!
    fullPath: ID!
    webUrl: String
    workItems(${WORK_ITEM_FILTERS}): WorkItemConnection
    workItemTypes(name: IssueType): WorkItemTypeConnection
    vulnerabilities(severity: [VulnerabilitySeverity!], reportType: [VulnerabilityReportType!], state: [VulnerabilityState!],
      first: Int, after: String, last: Int, before: String): VulnerabilityConnection
  }

  type Namespace {
    id: ID!
    name: String!
    fullPath: ID!
    webUrl: String
    workItems(${WORK_ITEM_FILTERS}): WorkItemConnection
    workItemTypes(name: IssueType): WorkItemTypeConnection
  }

  type UserCore { id: UserID! username: String! name: String! webUrl: String! }
  type UserCoreConnection { nodes: [UserCore] }
  type Label { id: LabelID! title: String! color: String! description: String }
  type LabelConnection { nodes: [Label] }
  type Milestone { id: ID! title: String! dueDate: Time startDate: Time state: String! }
  type WorkItemType { id: WorkItemsTypeID! name: String! iconName: String }
  type WorkItemTypeConnection { nodes: [WorkItemType] }
  type WorkItemConnection { count: Int! nodes: [WorkItem] pageInfo: PageInfo! }

  type WorkItem {
    id: WorkItemID!
    iid: String!
    title: String!
    description: String
    state: WorkItemState!
    confidential: Boolean!
    createdAt: Time!
    updatedAt: Time!
    closedAt: Time
    webUrl: String
    author: UserCore
    workItemType: WorkItemType!
    namespace: Namespace
    project: Project
    widgets(onlyTypes: [WorkItemWidgetType!]): [WorkItemWidget!]
  }

  interface WorkItemWidget { type: WorkItemWidgetType }
  type WorkItemWidgetDescription implements WorkItemWidget { type: WorkItemWidgetType description: String }
  type WorkItemWidgetAssignees implements WorkItemWidget { type: WorkItemWidgetType assignees: UserCoreConnection }
  type WorkItemWidgetLabels implements WorkItemWidget { type: WorkItemWidgetType labels: LabelConnection }
  type WorkItemWidgetHierarchy implements WorkItemWidget { type: WorkItemWidgetType parent: WorkItem children: WorkItemConnection hasChildren: Boolean! }
  type WorkItemWidgetStartAndDueDate implements WorkItemWidget { type: WorkItemWidgetType startDate: Date dueDate: Date isFixed: Boolean! }
  type WorkItemWidgetHealthStatus implements WorkItemWidget { type: WorkItemWidgetType healthStatus: HealthStatus }
  type WorkItemWidgetMilestone implements WorkItemWidget { type: WorkItemWidgetType milestone: Milestone }
  type WorkItemWidgetNotes implements WorkItemWidget {
    type: WorkItemWidgetType
    discussionLocked: Boolean
    discussions(filter: NotesFilterType, first: Int, after: String): DiscussionConnection
  }

  type Discussion { id: DiscussionID! resolved: Boolean! createdAt: Time! notes: NoteConnection! }
  type DiscussionConnection { nodes: [Discussion] pageInfo: PageInfo! }
  type Note { id: NoteID! body: String! internal: Boolean system: Boolean! createdAt: Time! updatedAt: Time! author: UserCore discussion: Discussion }
  type NoteConnection { nodes: [Note] }

  input WorkItemWidgetStatusFilterInput { id: ID name: String }
  input WorkItemWidgetDescriptionInput { description: String! }
  input WorkItemWidgetAssigneesInput { assigneeIds: [UserID!]! }
  input WorkItemWidgetLabelsCreateInput { labelIds: [LabelID!]! }
  input WorkItemWidgetLabelsUpdateInput { addLabelIds: [LabelID!] removeLabelIds: [LabelID!] }
  input WorkItemWidgetStartAndDueDateUpdateInput { startDate: Date dueDate: Date isFixed: Boolean }
  input WorkItemWidgetHealthStatusInput { healthStatus: HealthStatus }
  input WorkItemWidgetHierarchyCreateInput { parentId: WorkItemID }
  input WorkItemWidgetHierarchyUpdateInput { parentId: WorkItemID childrenIds: [WorkItemID!] }

  input WorkItemCreateInput {
    clientMutationId: String
    title: String!
    workItemTypeId: WorkItemsTypeID!
    namespacePath: ID
    projectPath: ID
    confidential: Boolean
    descriptionWidget: WorkItemWidgetDescriptionInput
    assigneesWidget: WorkItemWidgetAssigneesInput
    labelsWidget: WorkItemWidgetLabelsCreateInput
    startAndDueDateWidget: WorkItemWidgetStartAndDueDateUpdateInput
    healthStatusWidget: WorkItemWidgetHealthStatusInput
    hierarchyWidget: WorkItemWidgetHierarchyCreateInput
  }

  input WorkItemUpdateInput {
    clientMutationId: String
    id: WorkItemID!
    title: String
    confidential: Boolean
    stateEvent: WorkItemStateEvent
    descriptionWidget: WorkItemWidgetDescriptionInput
    assigneesWidget: WorkItemWidgetAssigneesInput
    labelsWidget: WorkItemWidgetLabelsUpdateInput
    startAndDueDateWidget: WorkItemWidgetStartAndDueDateUpdateInput
    healthStatusWidget: WorkItemWidgetHealthStatusInput
    hierarchyWidget: WorkItemWidgetHierarchyUpdateInput
  }

  input CreateNoteInput { clientMutationId: String noteableId: NoteableID! body: String! internal: Boolean discussionId: DiscussionID }

  type WorkItemCreatePayload { clientMutationId: String workItem: WorkItem errors: [String!]! }
  type WorkItemUpdatePayload { clientMutationId: String workItem: WorkItem errors: [String!]! }
  type CreateNotePayload { clientMutationId: String note: Note errors: [String!]! }

  type VulnerabilityConnection { nodes: [Vulnerability] pageInfo: PageInfo! }
  type Vulnerability {
    id: ID!
    title: String
    description: String
    severity: VulnerabilitySeverity
    state: VulnerabilityState
    reportType: VulnerabilityReportType
    detectedAt: Time!
    confirmedAt: Time
    resolvedAt: Time
    dismissedAt: Time
    webUrl: String
    solution: String
    project: Project
    scanner: VulnerabilityScanner
    primaryIdentifier: VulnerabilityIdentifier
    identifiers: [VulnerabilityIdentifier!]!
    location: VulnerabilityLocation
  }
  type VulnerabilityScanner { name: String vendor: String externalId: String }
  type VulnerabilityIdentifier { name: String externalType: String externalId: String url: String }
  union VulnerabilityLocation = VulnerabilityLocationSast | VulnerabilityLocationSecretDetection | VulnerabilityLocationDependencyScanning
    | VulnerabilityLocationContainerScanning | VulnerabilityLocationDast
  type VulnerabilityLocationSast { file: String startLine: String endLine: String vulnerableClass: String vulnerableMethod: String blobPath: String }
  type VulnerabilityLocationSecretDetection { file: String startLine: String endLine: String blobPath: String }
  type VulnerabilityLocationDependencyScanning { file: String blobPath: String }
  type VulnerabilityLocationContainerScanning { image: String operatingSystem: String }
  type VulnerabilityLocationDast { hostname: String path: String param: String requestMethod: String }
`

export const workItemsSchema = buildSchema(SDL)

/** `Types::GlobalIDType[...]`: `gid://gitlab/<Type>/<id>` with one of the accepted types. */
function globalId(types: readonly string[]) {
  const parse = (value: unknown): string => {
    if (typeof value !== 'string' || !value.startsWith('gid://'))
      throw new GraphQLError(`${JSON.stringify(value)} is not a valid Global ID`)
    const match = /^gid:\/\/gitlab\/([A-Za-z:]+)\/([0-9a-f]+)$/.exec(value)
    if (!match || (types.length > 0 && !types.includes(match[1] as string))) {
      throw new GraphQLError(`${value} is not a valid ID for ${types.join(' or ')}.`)
    }
    return value
  }
  return {
    parseValue: parse,
    parseLiteral: (node: ValueNode) => parse(node.kind === Kind.STRING ? node.value : undefined),
  }
}

const GID_TYPES: Record<string, readonly string[]> = {
  WorkItemID: ['WorkItem'],
  WorkItemsTypeID: ['WorkItems::Type'],
  UserID: ['User'],
  LabelID: ['Label', 'ProjectLabel', 'GroupLabel'],
  NoteableID: [],
  DiscussionID: ['Discussion', 'IndividualNoteDiscussion'],
  NoteID: ['Note', 'DiscussionNote'],
  VulnerabilityID: ['Vulnerability'],
}
for (const [name, types] of Object.entries(GID_TYPES))
  Object.assign(workItemsSchema.getType(name) as GraphQLScalarType, globalId(types))

// GitLab's `Types::DateType`: an ISO 8601 date; anything else is an error before the resolver runs.
Object.assign(workItemsSchema.getType('Date') as GraphQLScalarType, {
  parseValue: (value: unknown) => {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value))
      throw new GraphQLError(`${JSON.stringify(value)} is not a valid date`)
    return value
  },
})
