/**
 * GitLab write tools for merge requests (spec §8.4, privilege `read_write_gitlab`: the user
 * approves each call in the web chat): create, update, comment. A comment that carries a quick
 * action (`/merge`, `/approve`...) is refused, as GitLab's service refuses it: a quick action
 * would let a prompt-injected model act beyond what the user approved.
 */
import { arg, params, pick, s, ToolError } from './args.ts'
import { MR_LOCATOR, PROJECT_ID, URL_PARAM, where } from './common.ts'
import { defineTool } from './define.ts'
import { getJson, isRecord, json, query, sendJson } from './http.ts'
import type { AgentTool, ToolContext } from './tool.ts'
import { locateMergeRequest, locateProject, restId } from './urls.ts'

const DESCRIPTION_LIMIT = 1_048_576
const NOTE_LIMIT = 1_000_000

const mrPath = (args: Record<string, unknown>, context: ToolContext): string => {
  const { project, iid } = locateMergeRequest(
    {
      url: arg.str(args, 'url'),
      project_id: arg.idOrPath(args, 'project_id'),
      merge_request_iid: arg.int(args, 'merge_request_iid'),
    },
    context.gitlabUrl,
  )
  return `/api/v4/projects/${restId(project)}/merge_requests/${iid}`
}

const mrLabel = (args: Record<string, unknown>) =>
  typeof args.url === 'string'
    ? args.url
    : `!${String(args.merge_request_iid ?? '?')} in project ${String(args.project_id ?? '?')}`

const CREATE_FIELDS = [
  'source_branch',
  'target_branch',
  'title',
  'description',
  'assignee_ids',
  'reviewer_ids',
  'remove_source_branch',
  'squash',
  'labels',
] as const

const createMergeRequest = defineTool({
  name: 'create_merge_request',
  description:
    'Opens a merge request from a source branch into a target branch of a project, with a title and optionally a description, assignees, ' +
    'reviewers and labels.',
  parameters: params(
    {
      url: URL_PARAM,
      project_id: PROJECT_ID,
      source_branch: s.string('The branch with the changes.'),
      target_branch: s.string('The branch to merge into.'),
      title: s.string('Title of the merge request.'),
      description: s.string(`Description (Markdown), at most ${DESCRIPTION_LIMIT} characters.`, {
        maxLength: DESCRIPTION_LIMIT,
      }),
      assignee_ids: s.array(s.integer(), 'User IDs to assign.'),
      reviewer_ids: s.array(s.integer(), 'User IDs to ask for a review.'),
      remove_source_branch: s.boolean('Delete the source branch once merged.'),
      squash: s.boolean('Squash the commits when merging.'),
      labels: s.string('Labels to set, comma-separated.'),
    },
    ['source_branch', 'target_branch', 'title'],
  ),
  privilege: 'read_write_gitlab',
  describe: (args) =>
    `Create merge request from '${String(args.source_branch)}' to '${String(args.target_branch)}' in ${where(args)}`,
  run: async (args, context) => {
    const { project } = locateProject(
      { url: arg.str(args, 'url'), project_id: arg.idOrPath(args, 'project_id') },
      context.gitlabUrl,
    )
    const created = await sendJson(
      context,
      'POST',
      `/api/v4/projects/${restId(project)}/merge_requests`,
      pick(args, CREATE_FIELDS),
    )
    return json({ status: 'success', merge_request: created })
  },
})

const UPDATE_FIELDS = [
  'allow_collaboration',
  'assignee_ids',
  'description',
  'discussion_locked',
  'milestone_id',
  'remove_source_branch',
  'reviewer_ids',
  'squash',
  'state_event',
  'target_branch',
  'title',
  'labels',
] as const

const updateMergeRequest = defineTool({
  name: 'update_merge_request',
  description:
    'Changes a merge request: title, description, target branch, assignees, reviewers, milestone, labels, or closes/reopens it ' +
    "(state_event 'close'/'reopen').",
  parameters: params({
    ...MR_LOCATOR,
    allow_collaboration: s.boolean(
      'Let members who can merge to the target branch push to the source branch.',
    ),
    assignee_ids: s.array(s.integer(), 'User IDs to assign; an empty list unassigns everyone.'),
    description: s.string(`New description, at most ${DESCRIPTION_LIMIT} characters.`, {
      maxLength: DESCRIPTION_LIMIT,
    }),
    discussion_locked: s.boolean('Lock the discussion: only project members can comment.'),
    milestone_id: s.integer('Milestone ID to set; 0 removes the milestone.'),
    remove_source_branch: s.boolean('Delete the source branch once merged.'),
    reviewer_ids: s.array(s.integer(), 'User IDs to ask for a review; an empty list removes all reviewers.'),
    squash: s.boolean('Squash the commits when merging.'),
    state_event: s.string("'close' to close the merge request, 'reopen' to reopen it."),
    target_branch: s.string('New target branch.'),
    title: s.string('New title.'),
    labels: s.string('Labels to set, comma-separated (replaces the current ones).'),
  }),
  privilege: 'read_write_gitlab',
  describe: (args) => `Update merge request ${mrLabel(args)}`,
  run: async (args, context) => {
    const changes = pick(args, UPDATE_FIELDS)
    if (Object.keys(changes).length === 0)
      throw new ToolError('Nothing to update: give at least one field to change.')
    const updated = await sendJson(context, 'PUT', mrPath(args, context), changes)
    return json({ status: 'success', merge_request: updated })
  },
})

// A quick action is a line that starts with `/` and a word.
const QUICK_ACTION = /^\/[a-zA-Z]+/m

export const QUICK_ACTION_REFUSAL =
  'Comments that contain GitLab quick actions (lines starting with a slash command such as /merge, /approve or /close) are not allowed. ' +
  'Rephrase the comment without them.'

/** The discussion that holds note `noteId` (the REST notes entity does not name it), page by page. */
async function discussionOf(context: ToolContext, base: string, noteId: number): Promise<string> {
  for (let page = 1; page <= 20; page++) {
    const discussions = await getJson(context, `${base}/discussions${query({ per_page: 100, page })}`)
    if (!Array.isArray(discussions)) break
    for (const discussion of discussions) {
      if (!isRecord(discussion) || !Array.isArray(discussion.notes)) continue
      if (
        discussion.notes.some((note) => isRecord(note) && note.id === noteId) &&
        typeof discussion.id === 'string'
      )
        return discussion.id
    }
    if (discussions.length < 100) break
  }
  throw new ToolError(`Note ${noteId} was not found on this merge request`)
}

const createMergeRequestNote = defineTool({
  name: 'create_merge_request_note',
  description:
    'Adds a comment to a merge request, or a reply in the thread of an existing comment (note_id). Quick actions (/merge, /approve...) ' +
    'are not allowed in the text.',
  parameters: params(
    {
      ...MR_LOCATOR,
      body: s.string(`The comment (Markdown), at most ${NOTE_LIMIT} characters.`, { maxLength: NOTE_LIMIT }),
      note_id: s.integer('Reply in the thread of this comment (its note ID) instead of starting a new one.'),
    },
    ['body'],
  ),
  privilege: 'read_write_gitlab',
  describe: (args) => `Add comment to merge request ${mrLabel(args)}`,
  run: async (args, context) => {
    const body = arg.str(args, 'body') as string
    const base = mrPath(args, context)
    if (QUICK_ACTION.test(body)) throw new ToolError(QUICK_ACTION_REFUSAL)
    const noteId = arg.int(args, 'note_id')
    const path =
      noteId === undefined
        ? `${base}/notes`
        : `${base}/discussions/${encodeURIComponent(await discussionOf(context, base, noteId))}/notes`
    const note = await sendJson(context, 'POST', path, { body })
    return json({ status: 'success', note })
  },
})

export const GITLAB_WRITE_TOOLS: readonly AgentTool[] = [
  createMergeRequest,
  updateMergeRequest,
  createMergeRequestNote,
]
