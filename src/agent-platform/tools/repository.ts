/**
 * GitLab read tools for a project's repository (spec §8.4, `read_only_gitlab`): files, trees and
 * commits, through GitLab's repository REST API. Files the session project excludes from GitLab
 * Duo are neither read nor listed.
 */
import { arg, params, s, ToolError } from './args.ts'
import { PROJECT_ID, URL_PARAM, where } from './common.ts'
import { defineTool } from './define.ts'
import { getJson, isRecord, json, query } from './http.ts'
import { ExclusionPolicy, filterDiffs, policyForProject } from './paths.ts'
import type { AgentTool, ToolContext } from './tool.ts'
import { locateCommit, locateProject, parseBlobUrl, parseGitLabUrl, restId } from './urls.ts'

/** GitLab's files API sends contents as base64 of the file's bytes; text files are UTF-8. */
export function decodeBase64Text(content: string): string {
  const binary = atob(content.replace(/\s+/g, ''))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return new TextDecoder().decode(bytes)
}

/** One file at a ref, as text (the files API's JSON form). */
export async function readRepositoryFile(
  context: ToolContext,
  project: string | number,
  filePath: string,
  ref: string,
): Promise<{ content: string; blob: Record<string, unknown> }> {
  const path = `/api/v4/projects/${restId(project)}/repository/files/${encodeURIComponent(filePath)}${query({ ref })}`
  const blob = await getJson(context, path)
  if (!isRecord(blob) || typeof blob.content !== 'string')
    throw new ToolError(`GitLab's answer for ${filePath} has no content`)
  let content: string
  try {
    content = blob.encoding === 'base64' ? decodeBase64Text(blob.content) : blob.content
  } catch {
    throw new ToolError(`The contents of ${filePath} could not be decoded`)
  }
  return { content, blob }
}

const projectArgs = (args: Record<string, unknown>) => ({
  url: arg.str(args, 'url'),
  project_id: arg.idOrPath(args, 'project_id'),
})

const getRepositoryFile = defineTool({
  name: 'get_repository_file',
  description:
    "Reads a file from a project's repository at a branch, tag or commit. Name it by its URL (a `/-/blob/` page) or by project, " +
    'file_path and ref.',
  parameters: params({
    url: URL_PARAM,
    project_id: PROJECT_ID,
    ref: s.string("Branch, tag or commit SHA; 'HEAD' (the default) is the default branch."),
    file_path: s.string(
      "The file's path in the repository, e.g. 'src/main.py'. Needed when 'url' is not given.",
    ),
  }),
  privilege: 'read_only_gitlab',
  describe: (args) =>
    `Read repository file ${typeof args.url === 'string' ? args.url : String(args.file_path)}`,
  run: async (args, context) => {
    let project: string | number
    let filePath = arg.str(args, 'file_path')
    let ref = arg.str(args, 'ref')
    const url = arg.str(args, 'url')
    if (url) {
      const blob = parseBlobUrl(url, context.gitlabUrl)
      project = blob.project
      filePath ??= blob.filePath
      ref ??= blob.ref
    } else {
      project = locateProject(projectArgs(args), context.gitlabUrl).project
    }
    if (!filePath) throw new ToolError("'file_path' must be provided when 'url' is not")
    ref ??= 'HEAD'
    const policy = policyForProject(context, project)
    if (!policy.allows(filePath)) return ExclusionPolicy.message([filePath])
    const { content } = await readRepositoryFile(context, project, filePath, ref)
    return json({ file_path: filePath, ref, content })
  },
})

const listRepositoryTree = defineTool({
  name: 'list_repository_tree',
  description:
    "Lists files and directories of a project's repository at a path and ref, one page at a time; recursive lists the whole subtree.",
  parameters: params({
    url: URL_PARAM,
    project_id: PROJECT_ID,
    path: s.string('The directory to list; the repository root when left out.'),
    ref: s.string('Branch, tag or commit SHA; the default branch when left out.'),
    recursive: s.boolean('List the whole subtree, not only the directory itself.', { default: false }),
    page: s.integer('Page number, from 1.', { default: 1, minimum: 1 }),
    per_page: s.integer('Entries per page, 1 to 100.', { default: 20, minimum: 1, maximum: 100 }),
  }),
  privilege: 'read_only_gitlab',
  describe: (args) => `List files in '${String(args.path ?? '/')}' of ${where(args)}`,
  run: async (args, context) => {
    const url = arg.str(args, 'url')
    const { project } = locateProject(projectArgs(args), context.gitlabUrl)
    let path = arg.str(args, 'path')
    let ref = arg.str(args, 'ref')
    const tree = url ? /^tree\/([^/]+)(?:\/(.+))?$/.exec(parseGitLabUrl(url, context.gitlabUrl).rest) : null
    if (tree) {
      ref ??= tree[1]
      path ??= tree[2]
    }
    const paging = {
      recursive: arg.bool(args, 'recursive') ?? false,
      page: arg.int(args, 'page') ?? 1,
      per_page: arg.int(args, 'per_page') ?? 20,
    }
    const search = query({ path, ref, ...paging })
    const entries = await getJson(context, `/api/v4/projects/${restId(project)}/repository/tree${search}`)
    const policy = policyForProject(context, project)
    if (!Array.isArray(entries) || policy.empty) return json({ tree: entries })
    const kept = entries.filter(
      (entry) =>
        !isRecord(entry) ||
        typeof entry.path !== 'string' ||
        policy.allows(entry.path, entry.type === 'tree'),
    )
    const excluded = entries.length - kept.length
    if (excluded === 0) return json({ tree: kept })
    return json({
      tree: kept,
      excluded_entries: excluded,
      excluded_reason: 'Some entries are excluded from GitLab Duo by the project.',
    })
  },
})

const COMMIT_LOCATOR = {
  url: URL_PARAM,
  project_id: PROJECT_ID,
  commit_sha: s.string(
    "The commit's SHA (full or short), or a branch or tag name. Needed when 'url' is not given.",
  ),
}

const commitArgs = (args: Record<string, unknown>) => ({
  ...projectArgs(args),
  commit_sha: arg.str(args, 'commit_sha'),
})

const getCommit = defineTool({
  name: 'get_commit',
  description:
    'Reads one commit: its message, author, dates, parents and, with stats, the numbers of added and removed lines.',
  parameters: params({
    ...COMMIT_LOCATOR,
    stats: s.boolean('Include the numbers of added and removed lines.'),
  }),
  privilege: 'read_only_gitlab',
  describe: (args) => `Read commit ${typeof args.url === 'string' ? args.url : String(args.commit_sha)}`,
  run: async (args, context) => {
    const { project, sha } = locateCommit(commitArgs(args), context.gitlabUrl)
    const path = `/api/v4/projects/${restId(project)}/repository/commits/${encodeURIComponent(sha)}${query({ stats: arg.bool(args, 'stats') })}`
    return json({ commit: await getJson(context, path) })
  },
})

const LIST_COMMITS_FILTERS = [
  'all',
  'author',
  'first_parent',
  'order',
  'path',
  'ref_name',
  'since',
  'trailers',
  'until',
  'with_stats',
  'page',
] as const

const listCommits = defineTool({
  name: 'list_commits',
  description: "Lists a project's commits, newest first, filtered by branch, path, author or date range.",
  parameters: params({
    url: URL_PARAM,
    project_id: PROJECT_ID,
    all: s.boolean('Commits of every branch, not only ref_name.', { default: false }),
    author: s.string('Only commits by this author (name or email).'),
    first_parent: s.boolean('Follow only the first parent of merge commits.', { default: false }),
    order: s.enum(['default', 'topo'], 'Reverse chronological (default) or topological order.'),
    path: s.string('Only commits that touch this file or directory.'),
    ref_name: s.string('Branch, tag or revision range; the default branch when left out.'),
    since: s.string('Only commits after this time (ISO 8601, e.g. 2025-01-31T00:00:00Z).'),
    trailers: s.boolean('Include the Git trailers of each commit.', { default: false }),
    until: s.string('Only commits before this time (ISO 8601).'),
    with_stats: s.boolean('Include the numbers of added and removed lines.', { default: false }),
    page: s.integer('Page number, from 1 (20 commits a page).', { default: 1, minimum: 1 }),
  }),
  privilege: 'read_only_gitlab',
  describe: (args) => `List commits in ${where(args)}`,
  run: async (args, context) => {
    const { project } = locateProject(projectArgs(args), context.gitlabUrl)
    const filters: Record<string, unknown> = {}
    for (const name of LIST_COMMITS_FILTERS) filters[name] = args[name]
    return json({
      commits: await getJson(
        context,
        `/api/v4/projects/${restId(project)}/repository/commits${query(filters)}`,
      ),
    })
  },
})

const getCommitDiff = defineTool({
  name: 'get_commit_diff',
  description:
    'Reads the changes a commit made, file by file. Files the project excludes from GitLab Duo are left out.',
  parameters: params(COMMIT_LOCATOR),
  privilege: 'read_only_gitlab',
  describe: (args) =>
    `Read changes of commit ${typeof args.url === 'string' ? args.url : String(args.commit_sha)}`,
  run: async (args, context) => {
    const { project, sha } = locateCommit(commitArgs(args), context.gitlabUrl)
    const diffs = await getJson(
      context,
      `/api/v4/projects/${restId(project)}/repository/commits/${encodeURIComponent(sha)}/diff`,
    )
    return json(filterDiffs(diffs, policyForProject(context, project)))
  },
})

export const REPOSITORY_TOOLS: readonly AgentTool[] = [
  getRepositoryFile,
  listRepositoryTree,
  getCommit,
  listCommits,
  getCommitDiff,
]
