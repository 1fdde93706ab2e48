/**
 * The GitLab GraphQL documents the work-item tools send (GitLab 18.x schema: `Project.workItems`,
 * `Namespace.workItems` and `workItemTypes`, the widget types, `workItemCreate`,
 * `workItemUpdate`, `createNote`). A project's items are read through `project(fullPath:)`, a
 * group's through `namespace(fullPath:)`.
 */

export type Container = 'project' | 'namespace'

const WORK_ITEM_FIELDS = /* GraphQL */ `
  id
  iid
  title
  description
  state
  confidential
  createdAt
  updatedAt
  closedAt
  webUrl
  author { username name }
  workItemType { name }
  widgets {
    type
    ... on WorkItemWidgetAssignees { assignees { nodes { id username name } } }
    ... on WorkItemWidgetLabels { labels { nodes { id title } } }
    ... on WorkItemWidgetHierarchy {
      parent { id iid title webUrl }
      children { nodes { id iid title state webUrl workItemType { name } } }
    }
    ... on WorkItemWidgetStartAndDueDate { startDate dueDate isFixed }
    ... on WorkItemWidgetHealthStatus { healthStatus }
    ... on WorkItemWidgetMilestone { milestone { id title dueDate } }
  }
`

export function getWorkItemQuery(container: Container): string {
  return /* GraphQL */ `
    query GetWorkItem($fullPath: ID!, $iid: String!) {
      ${container}(fullPath: $fullPath) {
        workItems(iid: $iid) { nodes { ${WORK_ITEM_FIELDS} } }
      }
    }
  `
}

/** The work item's global id only (what the mutations need). */
export function workItemIdQuery(container: Container): string {
  return /* GraphQL */ `
    query GetWorkItemId($fullPath: ID!, $iid: String!) {
      ${container}(fullPath: $fullPath) { workItems(iid: $iid) { nodes { id } } }
    }
  `
}

export function workItemNotesQuery(container: Container): string {
  return /* GraphQL */ `
    query GetWorkItemNotes($fullPath: ID!, $iid: String!) {
      ${container}(fullPath: $fullPath) {
        workItems(iid: $iid) {
          nodes {
            id
            widgets {
              ... on WorkItemWidgetNotes {
                discussions(filter: ALL_NOTES) {
                  nodes {
                    id
                    notes { nodes { id body internal system createdAt updatedAt author { username name } } }
                  }
                }
              }
            }
          }
        }
      }
    }
  `
}

/** Filters of `list_work_items` → the `workItems` arguments (name and GraphQL type), in one place. */
export const LIST_FILTERS = {
  state: ['state', 'IssuableState'],
  search: ['search', 'String'],
  author_username: ['authorUsername', 'String'],
  created_after: ['createdAfter', 'Time'],
  created_before: ['createdBefore', 'Time'],
  updated_after: ['updatedAfter', 'Time'],
  updated_before: ['updatedBefore', 'Time'],
  due_after: ['dueAfter', 'Time'],
  due_before: ['dueBefore', 'Time'],
  label_name: ['labelName', '[String]'],
  assignee_usernames: ['assigneeUsernames', '[String!]'],
  milestone_title: ['milestoneTitle', '[String]'],
  milestone_wildcard_id: ['milestoneWildcardId', 'MilestoneWildcardId'],
  sort: ['sort', 'WorkItemSort'],
  first: ['first', 'Int'],
  after: ['after', 'String'],
  types: ['types', '[IssueType!]'],
  health_status_filter: ['healthStatusFilter', 'HealthStatusFilter'],
  status: ['status', 'WorkItemWidgetStatusFilterInput'],
} as const satisfies Record<string, readonly [string, string]>

/** The list query declaring only the filters in use (GitLab rejects nothing, but a smaller query is easier to read in logs). */
export function listWorkItemsQuery(
  container: Container,
  used: readonly (keyof typeof LIST_FILTERS)[],
): string {
  const declared = used.map((name) => `, $${LIST_FILTERS[name][0]}: ${LIST_FILTERS[name][1]}`).join('')
  const passed = used.map((name) => `${LIST_FILTERS[name][0]}: $${LIST_FILTERS[name][0]}`).join(', ')
  return /* GraphQL */ `
    query ListWorkItems($fullPath: ID!${declared}) {
      ${container}(fullPath: $fullPath) {
        workItems${passed === '' ? '' : `(${passed})`} {
          pageInfo { hasNextPage endCursor }
          nodes { id iid title state createdAt updatedAt closedAt webUrl workItemType { name } author { username name } }
        }
      }
    }
  `
}

export const WORK_ITEM_TYPES_QUERY = /* GraphQL */ `
  query GetWorkItemTypes($fullPath: ID!) {
    namespace(fullPath: $fullPath) {
      workItemTypes {
        nodes {
          id
          name
        }
      }
    }
  }
`

const MUTATED_FIELDS = /* GraphQL */ `id iid title state confidential webUrl workItemType { name }`

export const CREATE_WORK_ITEM_MUTATION = /* GraphQL */ `
  mutation CreateWorkItem($input: WorkItemCreateInput!) {
    workItemCreate(input: $input) { workItem { ${MUTATED_FIELDS} } errors }
  }
`

export const UPDATE_WORK_ITEM_MUTATION = /* GraphQL */ `
  mutation UpdateWorkItem($input: WorkItemUpdateInput!) {
    workItemUpdate(input: $input) { workItem { ${MUTATED_FIELDS} } errors }
  }
`

export const CREATE_NOTE_MUTATION = /* GraphQL */ `
  mutation CreateNote($input: CreateNoteInput!) {
    createNote(input: $input) {
      note {
        id
        body
        internal
        createdAt
        author {
          username
        }
      }
      errors
    }
  }
`
