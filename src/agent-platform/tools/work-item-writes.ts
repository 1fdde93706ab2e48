/**
 * Creating, updating and commenting on work items through GitLab's GraphQL mutations (spec §8.4,
 * `read_write_gitlab`): `workItemCreate` after a look-up of the type's id by name,
 * `workItemUpdate` after a look-up of the item's global id, `createNote` (in a thread when
 * `note_id` names a comment). GitLab's "errors" in a mutation's payload become the tool's error.
 */
import { arg, params, s, ToolError, type Schema } from './args.ts'
import { GROUP_ID, URL_PARAM, where } from './common.ts'
import { defineTool } from './define.ts'
import { isRecord, json } from './http.ts'
import type { AgentTool, ToolContext } from './tool.ts'
import {
  discussionOfNote,
  firstWorkItem,
  locate,
  requireIid,
  resolveParent,
  type Parent,
} from './work-item-lookup.ts'
import {
  CREATE_NOTE_MUTATION,
  CREATE_WORK_ITEM_MUTATION,
  UPDATE_WORK_ITEM_MUTATION,
  WORK_ITEM_TYPES_QUERY,
  workItemIdQuery,
} from './work-item-queries.ts'

const DATE = /^\d{4}-\d{2}-\d{2}$/
const NOTE_LIMIT = 1_048_576

/** Fields create and update share (GitLab's names). */
const FIELDS: Record<string, Schema> = {
  description: s.string('Description (Markdown).'),
  assignee_ids: s.array(s.integer(), 'User IDs to assign (replaces the current assignees).'),
  confidential: s.boolean('Whether only members with enough access can see it.'),
  start_date: s.string('Start date, YYYY-MM-DD.'),
  due_date: s.string('Due date, YYYY-MM-DD.'),
  is_fixed: s.boolean('Whether the dates are fixed rather than inherited from children.'),
  health_status: s.enum(['onTrack', 'needsAttention', 'atRisk'], 'Health status.'),
  state: s.enum(['opened', 'closed'], 'Open or close it.'),
  hierarchy_widget: s.object(
    { parent_id: s.string("The parent's global ID, e.g. 'gid://gitlab/WorkItem/123'.") },
    [],
    'Set the parent work item.',
  ),
}

const CONTAINER = {
  url: URL_PARAM,
  group_id: GROUP_ID,
  project_id: s.idOrPath(
    "The project's numeric ID or its URL-encoded full path, for project-level work items.",
  ),
}

const gid = (type: string, id: string | number) =>
  typeof id === 'string' && id.startsWith('gid://') ? id : `gid://gitlab/${type}/${id}`

function date(args: Record<string, unknown>, name: string): string | undefined {
  const value = arg.str(args, name)
  if (value !== undefined && !DATE.test(value)) throw new ToolError(`${name} must be a date as YYYY-MM-DD`)
  return value
}

/** The widget inputs both mutations take, from the tool's arguments. */
function widgetInputs(args: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {}
  if (args.confidential !== undefined) input.confidential = args.confidential
  if (args.description !== undefined) input.descriptionWidget = { description: args.description }
  const assignees = arg.list<number>(args, 'assignee_ids')
  if (assignees) input.assigneesWidget = { assigneeIds: assignees.map((id) => gid('User', id)) }
  const dates: Record<string, unknown> = {}
  const start = date(args, 'start_date')
  const due = date(args, 'due_date')
  if (start !== undefined) dates.startDate = start
  if (due !== undefined) dates.dueDate = due
  if (args.is_fixed !== undefined) dates.isFixed = args.is_fixed
  if (Object.keys(dates).length > 0) input.startAndDueDateWidget = dates
  if (args.health_status !== undefined) input.healthStatusWidget = { healthStatus: args.health_status }
  const hierarchy = args.hierarchy_widget
  if (isRecord(hierarchy) && typeof hierarchy.parent_id === 'string')
    input.hierarchyWidget = { parentId: gid('WorkItem', hierarchy.parent_id) }
  return input
}

/** Runs a mutation; its payload, or a ToolError with GitLab's `errors`. */
async function mutate(
  context: ToolContext,
  document: string,
  field: string,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const data = await context.graphql(document, { input })
  const payload = isRecord(data) ? data[field] : undefined
  if (!isRecord(payload)) throw new ToolError(`GitLab did not carry out ${field}`)
  if (Array.isArray(payload.errors) && payload.errors.length > 0)
    throw new ToolError(`GitLab refused ${field}: ${payload.errors.join('; ')}`)
  return payload
}

async function workItemId(context: ToolContext, parent: Parent, iid: number): Promise<string> {
  const data = await context.graphql(workItemIdQuery(parent.container), {
    fullPath: parent.fullPath,
    iid: String(iid),
  })
  const id = firstWorkItem(data, parent, iid).id
  if (typeof id !== 'string') throw new ToolError(`Work item #${iid} has no global ID`)
  return id
}

const label = (args: Record<string, unknown>) =>
  typeof args.url === 'string' ? args.url : `#${String(args.work_item_iid ?? '?')} in ${where(args)}`

const createWorkItem = defineTool({
  name: 'create_work_item',
  description:
    'Creates a work item (Issue, Epic, Task, Objective or Key Result) in a group or a project, with title, description, assignees, ' +
    'labels, dates and parent.',
  parameters: params(
    {
      ...CONTAINER,
      title: s.string('Title of the work item.'),
      type_name: s.string("The type, by name: 'Issue', 'Epic', 'Task', 'Objective' or 'Key Result'."),
      ...FIELDS,
      label_ids: s.array(s.string(), "Label IDs (not names), e.g. 'gid://gitlab/ProjectLabel/5' or '5'."),
    },
    ['title', 'type_name'],
  ),
  privilege: 'read_write_gitlab',
  describe: (args) => `Create ${String(args.type_name)} '${String(args.title)}' in ${where(args)}`,
  run: async (args, context) => {
    const parent = await resolveParent(context, locate(args, context).parent)
    const typeName = (arg.str(args, 'type_name') as string).trim().toLowerCase()
    const types = await context.graphql(WORK_ITEM_TYPES_QUERY, { fullPath: parent.fullPath })
    const namespace = isRecord(types) ? types.namespace : undefined
    const nodes =
      isRecord(namespace) && isRecord(namespace.workItemTypes) ? namespace.workItemTypes.nodes : undefined
    const type = (Array.isArray(nodes) ? nodes : []).find(
      (t) => isRecord(t) && typeof t.name === 'string' && t.name.toLowerCase() === typeName,
    )
    if (!isRecord(type)) {
      const known = (Array.isArray(nodes) ? nodes : []).flatMap((t) =>
        isRecord(t) && typeof t.name === 'string' ? [t.name] : [],
      )
      const available = known.length ? ` (available: ${known.join(', ')})` : ''
      throw new ToolError(
        `Work item type '${String(args.type_name)}' is not available in ${parent.fullPath}${available}`,
      )
    }
    const input: Record<string, unknown> = {
      namespacePath: parent.fullPath,
      title: args.title,
      workItemTypeId: type.id,
      ...widgetInputs(args),
    }
    const labels = arg.list<string>(args, 'label_ids')
    if (labels) input.labelsWidget = { labelIds: labels.map((id) => gid('Label', id)) }
    let payload = await mutate(context, CREATE_WORK_ITEM_MUTATION, 'workItemCreate', input)
    const created = isRecord(payload.workItem) ? payload.workItem : {}
    // The create mutation has no state; a work item asked for as closed is closed right after.
    if (args.state === 'closed' && typeof created.id === 'string') {
      payload = await mutate(context, UPDATE_WORK_ITEM_MUTATION, 'workItemUpdate', {
        id: created.id,
        stateEvent: 'CLOSE',
      })
    }
    return json({ status: 'success', work_item: payload.workItem ?? created })
  },
})

const updateWorkItem = defineTool({
  name: 'update_work_item',
  description:
    'Changes a work item: title, description, assignees, labels (add/remove), dates, health, parent, confidentiality, or closes/reopens ' +
    'it.',
  parameters: params({
    ...CONTAINER,
    work_item_iid: s.integer("The work item's number within its group or project."),
    title: s.string('New title.'),
    ...FIELDS,
    add_label_ids: s.array(s.string(), 'Label IDs to add.'),
    remove_label_ids: s.array(s.string(), 'Label IDs to remove.'),
  }),
  privilege: 'read_write_gitlab',
  describe: (args) => `Update work item ${label(args)}`,
  run: async (args, context) => {
    const location = locate(args, context)
    const iid = requireIid(location)
    const input: Record<string, unknown> = { ...widgetInputs(args) }
    if (args.title !== undefined) input.title = args.title
    if (args.state !== undefined) input.stateEvent = args.state === 'closed' ? 'CLOSE' : 'REOPEN'
    const add = arg.list<string>(args, 'add_label_ids')
    const remove = arg.list<string>(args, 'remove_label_ids')
    if (add || remove) {
      input.labelsWidget = {
        ...(add ? { addLabelIds: add.map((id) => gid('Label', id)) } : {}),
        ...(remove ? { removeLabelIds: remove.map((id) => gid('Label', id)) } : {}),
      }
    }
    if (Object.keys(input).length === 0)
      throw new ToolError('Nothing to update: give at least one field to change.')
    const parent = await resolveParent(context, location.parent)
    const id = await workItemId(context, parent, iid)
    const payload = await mutate(context, UPDATE_WORK_ITEM_MUTATION, 'workItemUpdate', { id, ...input })
    return json({ status: 'success', work_item: payload.workItem ?? null })
  },
})

const createWorkItemNote = defineTool({
  name: 'create_work_item_note',
  description:
    'Adds a comment to a work item, or a reply in the thread of an existing comment (note_id); internal comments are visible to members ' +
    'only.',
  parameters: params(
    {
      ...CONTAINER,
      work_item_iid: s.integer("The work item's number within its group or project."),
      body: s.string(`The comment (Markdown), at most ${NOTE_LIMIT} characters.`, { maxLength: NOTE_LIMIT }),
      internal: s.boolean('Make it an internal note, visible to project members only.'),
      note_id: s.integer('Reply in the thread of this comment (its numeric note ID).'),
    },
    ['body'],
  ),
  privilege: 'read_write_gitlab',
  describe: (args) => `Add comment to work item ${label(args)}`,
  run: async (args, context) => {
    const location = locate(args, context)
    const iid = requireIid(location)
    const parent = await resolveParent(context, location.parent)
    const noteId = arg.int(args, 'note_id')
    const input: Record<string, unknown> = {
      noteableId: await workItemId(context, parent, iid),
      body: args.body,
    }
    if (args.internal !== undefined) input.internal = args.internal
    if (noteId !== undefined) input.discussionId = await discussionOfNote(context, parent, iid, noteId)
    const payload = await mutate(context, CREATE_NOTE_MUTATION, 'createNote', input)
    return json({ status: 'success', note: payload.note ?? null })
  },
})

export const WORK_ITEM_WRITE_TOOLS: readonly AgentTool[] = [
  createWorkItem,
  createWorkItemNote,
  updateWorkItem,
]
