/**
 * GitLab's search API as tools (spec §8.4, `read_only_gitlab`): issues and code (blobs) in a
 * project or a group, `GET /api/v4/{projects|groups}/:id/search?scope=...`. When GitLab's own MCP
 * server offers search (`x-gitlab-enabled-mcp-server-tools` has `search`) the registry drops these.
 */
import { arg, params, s } from './args.ts'
import { defineTool } from './define.ts'
import { getJson, isRecord, json, query } from './http.ts'
import { policyForProject } from './paths.ts'
import type { AgentTool } from './tool.ts'
import { normaliseRef, restId } from './urls.ts'

const SCOPE_PARAMS = {
  id: s.string("The project's or group's numeric ID or URL-encoded full path."),
  search: s.string('The text to search for.'),
  search_type: s.enum(['projects', 'groups'], "Whether 'id' is a project or a group."),
}

function searchPath(
  args: Record<string, unknown>,
  scope: string,
  extra: Record<string, unknown>,
): { path: string; ref: string | number } {
  const ref = normaliseRef(arg.str(args, 'id') as string)
  const searchType = arg.str(args, 'search_type') as string
  return {
    path: `/api/v4/${searchType}/${restId(ref)}/search${query({ scope, search: args.search, ...extra })}`,
    ref,
  }
}

const gitlabIssueSearch = defineTool({
  name: 'gitlab_issue_search',
  description: 'Searches the issues of a project or a group by text, optionally by state or confidentiality.',
  parameters: params(
    {
      ...SCOPE_PARAMS,
      order_by: s.enum(['created_at'], 'Order the results by creation time.'),
      sort: s.enum(['asc', 'desc'], 'Sort direction.'),
      confidential: s.boolean('Only confidential (true) or only non-confidential (false) issues.'),
      state: s.string("Only issues in this state: 'opened' or 'closed'."),
    },
    ['id', 'search', 'search_type'],
  ),
  privilege: 'read_only_gitlab',
  describe: (args) =>
    `Search issues for '${String(args.search)}' in ${String(args.search_type).replace(/s$/, '')} ${String(args.id)}`,
  run: async (args, context) => {
    const { path } = searchPath(args, 'issues', {
      order_by: args.order_by,
      sort: args.sort,
      confidential: args.confidential,
      state: args.state,
    })
    return json({ issues: await getJson(context, path) })
  },
})

const gitlabBlobSearch = defineTool({
  name: 'gitlab_blob_search',
  description:
    "Searches code (file contents) in a project's or a group's repositories by text; results name the file, ref and matching lines.",
  parameters: params(
    {
      ...SCOPE_PARAMS,
      order_by: s.enum(['created_at'], 'Order the results by creation time.'),
      sort: s.enum(['asc', 'desc'], 'Sort direction.'),
      ref: s.string('The branch or tag to search (projects only); the default branch when left out.'),
    },
    ['id', 'search', 'search_type'],
  ),
  privilege: 'read_only_gitlab',
  describe: (args) =>
    `Search code for '${String(args.search)}' in ${String(args.search_type).replace(/s$/, '')} ${String(args.id)}`,
  run: async (args, context) => {
    const isProject = args.search_type === 'projects'
    const { path, ref } = searchPath(args, 'blobs', {
      order_by: args.order_by,
      sort: args.sort,
      ref: isProject ? args.ref : undefined,
    })
    const blobs = await getJson(context, path)
    const policy = isProject ? policyForProject(context, ref) : undefined
    if (!policy || policy.empty || !Array.isArray(blobs)) return json({ blobs })
    const kept = blobs.filter(
      (blob) => !isRecord(blob) || typeof blob.path !== 'string' || policy.allows(blob.path),
    )
    return json(
      kept.length < blobs.length ? { blobs: kept, excluded_results: blobs.length - kept.length } : { blobs },
    )
  },
})

export const SEARCH_TOOLS: readonly AgentTool[] = [gitlabIssueSearch, gitlabBlobSearch]

/** The tools GitLab's MCP `search` replaces (spec §8.4). */
export const MCP_REPLACED_SEARCH_TOOLS: readonly string[] = [
  'gitlab_issue_search',
  'gitlab_blob_search',
  'gitlab_merge_request_search',
]
