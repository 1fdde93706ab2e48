/**
 * Finding a work item for the work-item tools: where it lives (its URL, or its group or project,
 * a numeric id looked up over REST because GraphQL takes full paths only), the first node of a
 * `workItems(iid:)` answer, and the threads of its notes widget.
 */
import { arg, ToolError } from './args.ts'
import { getJson, isRecord } from './http.ts'
import type { ToolContext } from './tool.ts'
import { locateWorkItem, type WorkItemLocation } from './urls.ts'
import { workItemNotesQuery, type Container } from './work-item-queries.ts'

export interface Parent {
  container: Container
  fullPath: string
}

export function locate(args: Record<string, unknown>, context: ToolContext): WorkItemLocation {
  return locateWorkItem(
    {
      url: arg.str(args, 'url'),
      group_id: arg.idOrPath(args, 'group_id'),
      project_id: arg.idOrPath(args, 'project_id'),
      work_item_iid: arg.int(args, 'work_item_iid'),
    },
    context.gitlabUrl,
  )
}

/** The container's full path; a numeric id is looked up over REST (GraphQL takes paths only). */
export async function resolveParent(
  context: ToolContext,
  parent: WorkItemLocation['parent'],
): Promise<Parent> {
  const container: Container = parent.kind === 'project' ? 'project' : 'namespace'
  if (typeof parent.ref === 'string') return { container, fullPath: parent.ref }
  const path = parent.kind === 'project' ? `/api/v4/projects/${parent.ref}` : `/api/v4/groups/${parent.ref}`
  const found = await getJson(context, path)
  const fullPath = isRecord(found)
    ? parent.kind === 'project'
      ? found.path_with_namespace
      : found.full_path
    : undefined
  if (typeof fullPath !== 'string')
    throw new ToolError(`GitLab did not give the full path of ${parent.kind} ${parent.ref}`)
  return { container, fullPath }
}

export function requireIid(location: WorkItemLocation): number {
  if (location.iid === undefined)
    throw new ToolError("'work_item_iid' must be provided (or a URL of the work item)")
  return location.iid
}

/** The first work item of a `{<container>: {workItems: {nodes}}}` answer, or a ToolError saying what is missing. */
export function firstWorkItem(data: unknown, parent: Parent, iid: number): Record<string, unknown> {
  const container = isRecord(data) ? data[parent.container] : undefined
  const label = parent.container === 'project' ? 'Project' : 'Group'
  if (!isRecord(container))
    throw new ToolError(`${label} '${parent.fullPath}' was not found, or is not visible to this user`)
  const items = isRecord(container.workItems) ? container.workItems.nodes : undefined
  const node = Array.isArray(items) ? items.find(isRecord) : undefined
  if (!node) throw new ToolError(`Work item #${iid} was not found in ${parent.fullPath}`)
  return node
}

export interface FlatNote {
  discussion_id: unknown
  [key: string]: unknown
}

/** The notes of a notes widget, flattened, each with the id of the discussion (thread) it belongs to. */
export function notesOf(workItem: Record<string, unknown>): FlatNote[] {
  const widgets = Array.isArray(workItem.widgets) ? workItem.widgets : []
  const notes: FlatNote[] = []
  for (const widget of widgets) {
    const discussions =
      isRecord(widget) && isRecord(widget.discussions) ? widget.discussions.nodes : undefined
    if (!Array.isArray(discussions)) continue
    for (const discussion of discussions) {
      if (!isRecord(discussion) || !isRecord(discussion.notes) || !Array.isArray(discussion.notes.nodes))
        continue
      for (const note of discussion.notes.nodes)
        if (isRecord(note)) notes.push({ ...note, discussion_id: discussion.id })
    }
  }
  return notes
}

/** The discussion a note (by its numeric id) belongs to, for a threaded reply. */
export async function discussionOfNote(
  context: ToolContext,
  parent: Parent,
  iid: number,
  noteId: number,
): Promise<string> {
  const data = await context.graphql(workItemNotesQuery(parent.container), {
    fullPath: parent.fullPath,
    iid: String(iid),
  })
  const note = notesOf(firstWorkItem(data, parent, iid)).find(
    (n) => n.id === `gid://gitlab/Note/${noteId}` || n.id === String(noteId),
  )
  if (!note || typeof note.discussion_id !== 'string')
    throw new ToolError(`Note ${noteId} was not found on work item #${iid}`)
  return note.discussion_id
}
