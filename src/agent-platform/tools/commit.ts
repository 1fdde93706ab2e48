/**
 * `create_commit` (spec §8.4, `read_write_gitlab`): one commit of several file actions through
 * `POST /api/v4/projects/:id/repository/commits`. GitLab's tool also edits by replacement
 * (`old_str` → `new_str`), so an `update` given that way first reads the file and sends its new
 * whole content; without a `branch` it commits to a new branch started from the default branch.
 */
import { arg, params, s, ToolError } from './args.ts'
import { PROJECT_ID, URL_PARAM, where } from './common.ts'
import { defineTool } from './define.ts'
import { getJson, isRecord, json, sendJson } from './http.ts'
import { readRepositoryFile } from './repository.ts'
import type { AgentTool, ToolContext } from './tool.ts'
import { locateProject, restId } from './urls.ts'

const ACTION = s.object(
  {
    action: s.enum(['create', 'delete', 'move', 'update'], 'What to do with the file.'),
    file_path: s.string('The file, as a path in the repository.'),
    previous_path: s.string("The file's old path (for 'move')."),
    content: s.string("The whole new content (for 'create', and for 'update' without old_str/new_str)."),
    old_str: s.string("For 'update': the exact text to replace; it must occur exactly once in the file."),
    new_str: s.string("For 'update': the text that replaces old_str."),
    encoding: s.enum(['text', 'base64'], "How 'content' is encoded (default text)."),
    last_commit_id: s.string("The file's last known commit ID, to refuse the commit if it changed since."),
  },
  ['action', 'file_path'],
)

type FileAction = { action: string; file_path: string } & Record<string, unknown>

/** The text `old` occurs in exactly once in `content`, replaced by `replacement`. */
export function replaceOnce(content: string, old: string, replacement: string, filePath: string): string {
  if (old === '') throw new ToolError(`old_str for ${filePath} is empty`)
  const first = content.indexOf(old)
  if (first < 0) throw new ToolError(`old_str was not found in ${filePath}`)
  if (content.indexOf(old, first + 1) >= 0)
    throw new ToolError(`old_str occurs more than once in ${filePath}: include more surrounding lines`)
  return content.slice(0, first) + replacement + content.slice(first + old.length)
}

/** The commit API's form of one action, reading the file for an old_str/new_str update. */
async function toCommitAction(
  context: ToolContext,
  project: string | number,
  readRef: string,
  action: FileAction,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { action: action.action, file_path: action.file_path }
  for (const name of ['previous_path', 'content', 'encoding', 'last_commit_id'] as const)
    if (action[name] !== undefined) out[name] = action[name]
  if (action.action === 'update' && (action.old_str !== undefined || action.new_str !== undefined)) {
    if (action.content !== undefined)
      throw new ToolError(`Give either content or old_str/new_str for ${action.file_path}, not both`)
    if (typeof action.old_str !== 'string' || typeof action.new_str !== 'string') {
      throw new ToolError(`old_str and new_str go together (${action.file_path})`)
    }
    const { content } = await readRepositoryFile(context, project, action.file_path, readRef)
    out.content = replaceOnce(content, action.old_str, action.new_str, action.file_path)
    out.encoding = 'text'
  } else if ((action.action === 'create' || action.action === 'update') && action.content === undefined) {
    throw new ToolError(`'${action.action}' of ${action.file_path} needs content (or old_str/new_str)`)
  }
  if (action.action === 'move' && action.previous_path === undefined)
    throw new ToolError(`'move' of ${action.file_path} needs previous_path`)
  return out
}

async function defaultBranch(context: ToolContext, project: string | number): Promise<string> {
  const details = await getJson(context, `/api/v4/projects/${restId(project)}`)
  if (isRecord(details) && typeof details.default_branch === 'string' && details.default_branch !== '')
    return details.default_branch
  throw new ToolError('The project has no default branch to start from: give branch and start_branch')
}

const createCommit = defineTool({
  name: 'create_commit',
  description:
    "Commits changes to several files at once (create, update, move, delete) to a branch. Without 'branch', a new branch is created from " +
    'start_branch, start_sha or the default branch.',
  parameters: params(
    {
      url: URL_PARAM,
      project_id: PROJECT_ID,
      branch: s.string('The branch to commit to; created from the start point when it does not exist.'),
      commit_message: s.string('The commit message.'),
      actions: s.array(ACTION, 'The file changes, in order.'),
      start_branch: s.string('Branch to start a new branch from.'),
      start_sha: s.string('Commit SHA to start a new branch from.'),
      start_project: s.idOrPath('Project (ID or path) to start a new branch from, for forks.'),
      author_email: s.string("The commit author's email."),
      author_name: s.string("The commit author's name."),
    },
    ['commit_message', 'actions'],
  ),
  privilege: 'read_write_gitlab',
  describe: (args) =>
    `Create commit on ${typeof args.branch === 'string' ? `'${args.branch}'` : 'a new branch'} in ${where(args)}`,
  run: async (args, context) => {
    const { project } = locateProject(
      { url: arg.str(args, 'url'), project_id: arg.idOrPath(args, 'project_id') },
      context.gitlabUrl,
    )
    const actions = arg.list<FileAction>(args, 'actions') ?? []
    if (actions.length === 0) throw new ToolError('actions is empty: give at least one file change')
    let branch = arg.str(args, 'branch')
    let startBranch = arg.str(args, 'start_branch')
    const startSha = arg.str(args, 'start_sha')
    if (!branch) {
      startBranch ??= startSha ? undefined : await defaultBranch(context, project)
      branch = `duo-agent/commit-${Date.now().toString(36)}`
    }
    // Files are read where the commit starts: the start point if one is given, else the branch.
    const readRef = startSha ?? startBranch ?? branch
    const commitActions = []
    for (const action of actions) commitActions.push(await toCommitAction(context, project, readRef, action))
    const body: Record<string, unknown> = {
      branch,
      commit_message: args.commit_message,
      actions: commitActions,
    }
    if (startBranch !== undefined) body.start_branch = startBranch
    if (startSha !== undefined) body.start_sha = startSha
    for (const name of ['start_project', 'author_email', 'author_name'] as const)
      if (args[name] !== undefined) body[name] = args[name]
    const commit = await sendJson(
      context,
      'POST',
      `/api/v4/projects/${restId(project)}/repository/commits`,
      body,
    )
    return json({ status: 'success', branch, commit })
  },
})

export const COMMIT_TOOLS: readonly AgentTool[] = [createCommit]
