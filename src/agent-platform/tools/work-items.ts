/**
 * Reading and listing work items (issues, epics, tasks, objectives, key results) through GitLab's
 * GraphQL API (spec §8.4, `read_only_gitlab`); writing them is work-item-writes.ts.
 */
import { arg, params, s, ToolError } from './args.ts'
import { WORK_ITEM_LOCATOR, where } from './common.ts'
import { defineTool } from './define.ts'
import { isRecord, json } from './http.ts'
import type { AgentTool } from './tool.ts'
import { firstWorkItem, locate, notesOf, requireIid, resolveParent } from './work-item-lookup.ts'
import {
  getWorkItemQuery,
  LIST_FILTERS,
  listWorkItemsQuery,
  workItemNotesQuery,
} from './work-item-queries.ts'

const label = (args: Record<string, unknown>) =>
  typeof args.url === 'string' ? args.url : `#${String(args.work_item_iid ?? '?')} in ${where(args)}`

const getWorkItem = defineTool({
  name: 'get_work_item',
  description:
    'Reads one work item (issue, epic, task, objective or key result): title, description, state, type, assignees, labels, dates, parent ' +
    'and children.',
  parameters: params(WORK_ITEM_LOCATOR),
  privilege: 'read_only_gitlab',
  describe: (args) => `Read work item ${label(args)}`,
  run: async (args, context) => {
    const location = locate(args, context)
    const iid = requireIid(location)
    const parent = await resolveParent(context, location.parent)
    const data = await context.graphql(getWorkItemQuery(parent.container), {
      fullPath: parent.fullPath,
      iid: String(iid),
    })
    return json({ work_item: firstWorkItem(data, parent, iid) })
  },
})

const getWorkItemNotes = defineTool({
  name: 'get_work_item_notes',
  description:
    'Lists the comments (notes) on a work item, with their threads, oldest first unless sorted otherwise.',
  parameters: params({
    ...WORK_ITEM_LOCATOR,
    sort: s.enum(['asc', 'desc'], 'Oldest first (asc, the default) or newest first (desc).'),
    order_by: s.enum(['created_at', 'updated_at'], 'Order by creation (default) or last update time.'),
  }),
  privilege: 'read_only_gitlab',
  describe: (args) => `Read comments on work item ${label(args)}`,
  run: async (args, context) => {
    const location = locate(args, context)
    const iid = requireIid(location)
    const parent = await resolveParent(context, location.parent)
    const data = await context.graphql(workItemNotesQuery(parent.container), {
      fullPath: parent.fullPath,
      iid: String(iid),
    })
    const key = arg.str(args, 'order_by') === 'updated_at' ? 'updatedAt' : 'createdAt'
    const direction = arg.str(args, 'sort') === 'desc' ? -1 : 1
    const notes = notesOf(firstWorkItem(data, parent, iid)).sort(
      (a, b) => direction * String(a[key] ?? '').localeCompare(String(b[key] ?? '')),
    )
    return json({ notes })
  },
})

const listWorkItems = defineTool({
  name: 'list_work_items',
  description:
    'Lists the work items of a group or a project, filtered by state, text, author, assignees, labels, milestone, dates, type or health, ' +
    'a page (cursor) at a time.',
  parameters: params({
    url: WORK_ITEM_LOCATOR.url as Record<string, unknown>,
    group_id: WORK_ITEM_LOCATOR.group_id as Record<string, unknown>,
    project_id: WORK_ITEM_LOCATOR.project_id as Record<string, unknown>,
    state: s.enum(['opened', 'closed', 'all'], 'Only items in this state.'),
    search: s.string('Text to find in titles and descriptions.'),
    author_username: s.string('Only items created by this username.'),
    created_after: s.string('Only items created after this time (ISO 8601).'),
    created_before: s.string('Only items created before this time (ISO 8601).'),
    updated_after: s.string('Only items updated after this time (ISO 8601).'),
    updated_before: s.string('Only items updated before this time (ISO 8601).'),
    due_after: s.string('Only items due after this time (ISO 8601).'),
    due_before: s.string('Only items due before this time (ISO 8601).'),
    label_name: s.array(s.string(), 'Only items with all of these labels.'),
    assignee_usernames: s.array(s.string(), 'Only items assigned to these usernames.'),
    milestone_title: s.array(s.string(), 'Only items in these milestones (titles).'),
    milestone_wildcard_id: s.enum(
      ['ANY', 'NONE', 'STARTED', 'UPCOMING'],
      'Only items with any, no, a started or an upcoming milestone.',
    ),
    sort: s.string("Sort order, e.g. 'CREATED_DESC', 'UPDATED_DESC', 'DUE_DATE_ASC', 'TITLE_ASC'."),
    first: s.integer('How many items to return, 1 to 100.', { default: 20, minimum: 1, maximum: 100 }),
    after: s.string('The endCursor of the previous page, for the next page.'),
    types: s.array(
      s.string(),
      "Only these types, upper case: 'ISSUE', 'EPIC', 'TASK', 'OBJECTIVE', 'KEY_RESULT'...",
    ),
    health_status_filter: s.enum(
      ['onTrack', 'needsAttention', 'atRisk'],
      'Only items with this health status.',
    ),
    status: s.object(
      { name: s.string('The status name, e.g. "In progress".') },
      ['name'],
      'Only items with this status.',
    ),
  }),
  privilege: 'read_only_gitlab',
  describe: (args) => `List work items in ${where(args)}`,
  run: async (args, context) => {
    const location = locate(args, context)
    const parent = await resolveParent(context, location.parent)
    const values: Record<string, unknown> = { ...args, first: arg.int(args, 'first') ?? 20 }
    const used = (Object.keys(LIST_FILTERS) as (keyof typeof LIST_FILTERS)[]).filter(
      (name) => values[name] !== undefined,
    )
    const variables: Record<string, unknown> = { fullPath: parent.fullPath }
    for (const name of used) variables[LIST_FILTERS[name][0]] = values[name]
    const data = await context.graphql(listWorkItemsQuery(parent.container, used), variables)
    const container = isRecord(data) ? data[parent.container] : undefined
    if (!isRecord(container)) {
      const kind = parent.container === 'project' ? 'Project' : 'Group'
      throw new ToolError(`${kind} '${parent.fullPath}' was not found, or is not visible to this user`)
    }
    const connection = isRecord(container.workItems) ? container.workItems : {}
    return json({ work_items: connection.nodes ?? [], page_info: connection.pageInfo ?? null })
  },
})

export const WORK_ITEM_READ_TOOLS: readonly AgentTool[] = [getWorkItem, getWorkItemNotes, listWorkItems]
