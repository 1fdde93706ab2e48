/**
 * The parameters GitLab's resource tools share (GitLab's exact names): a `url` of a page on this
 * instance, or the ids it stands for.
 */
import { s, type Schema } from './args.ts'

export const URL_PARAM = s.string(
  'A GitLab web URL of the resource on this instance; when given, the id arguments are not needed.',
)
export const PROJECT_ID = s.idOrPath(
  "The project's numeric ID or its URL-encoded full path (e.g. 13 or 'group%2Fproject'). Needed when 'url' is not given.",
)
export const GROUP_ID = s.idOrPath(
  "The group's numeric ID or its URL-encoded full path. Needed for group-level items when 'url' is not given.",
)
export const MR_IID = s.integer(
  "The merge request's number within its project (the `!12` number). Needed when 'url' is not given.",
)

/** `url`, `project_id` and `merge_request_iid`: how a merge request is named. */
export const MR_LOCATOR: Record<string, Schema> = {
  url: URL_PARAM,
  project_id: PROJECT_ID,
  merge_request_iid: MR_IID,
}

/** How a work item is named: its URL, or its group/project and number. */
export const WORK_ITEM_LOCATOR: Record<string, Schema> = {
  url: URL_PARAM,
  group_id: GROUP_ID,
  project_id: s.idOrPath(
    "The project's numeric ID or its URL-encoded full path, for project-level work items.",
  ),
  work_item_iid: s.integer("The work item's number within its group or project (the `#12` number)."),
}

/** Where an object is, for the chat's one-line tool descriptions. */
export function where(args: Record<string, unknown>): string {
  if (typeof args.url === 'string') return args.url
  if (args.project_id !== undefined) return `project ${String(args.project_id)}`
  if (args.group_id !== undefined) return `group ${String(args.group_id)}`
  return 'the project'
}
