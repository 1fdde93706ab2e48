/**
 * GitLab read tools for projects, merge requests, pipelines, jobs, the user and wikis (spec §8.4,
 * privilege `read_only_gitlab`, pre-approved in the web chat), each one or a few REST calls
 * through Workhorse with the exact paths GitLab's service uses.
 */
import { arg, params, s } from './args.ts'
import { MR_LOCATOR, PROJECT_ID, URL_PARAM, where } from './common.ts'
import { defineTool } from './define.ts'
import { getJson, isRecord, json, query, request } from './http.ts'
import { filterDiffs, policyForProject } from './paths.ts'
import type { AgentTool, ToolContext } from './tool.ts'
import { locateJob, locateMergeRequest, locateProject, normaliseRef, restId } from './urls.ts'

function mergeRequestPath(
  args: Record<string, unknown>,
  context: ToolContext,
  suffix = '',
): { path: string; project: string | number } {
  const { project, iid } = locateMergeRequest(
    {
      url: arg.str(args, 'url'),
      project_id: arg.idOrPath(args, 'project_id'),
      merge_request_iid: arg.int(args, 'merge_request_iid'),
    },
    context.gitlabUrl,
  )
  return { path: `/api/v4/projects/${restId(project)}/merge_requests/${iid}${suffix}`, project }
}

const mrLabel = (args: Record<string, unknown>) =>
  typeof args.url === 'string'
    ? args.url
    : `!${String(args.merge_request_iid ?? '?')} in project ${String(args.project_id ?? '?')}`

const getProject = defineTool({
  name: 'get_project',
  description:
    'Reads one GitLab project: its name, path, description, default branch, visibility and web URL.',
  parameters: params({ project_id: s.integer("The project's numeric ID.") }, ['project_id']),
  privilege: 'read_only_gitlab',
  describe: (args) => `Read project ${String(args.project_id)}`,
  run: async (args, context) =>
    json({ project: await getJson(context, `/api/v4/projects/${arg.int(args, 'project_id')}`) }),
})

const getMergeRequest = defineTool({
  name: 'get_merge_request',
  description:
    'Reads one merge request: title, description, state, branches, author, assignees, reviewers and merge status.',
  parameters: params(MR_LOCATOR),
  privilege: 'read_only_gitlab',
  describe: (args) => `Read merge request ${mrLabel(args)}`,
  run: async (args, context) =>
    json({ merge_request: await getJson(context, mergeRequestPath(args, context).path) }),
})

const listMergeRequestDiffs = defineTool({
  name: 'list_merge_request_diffs',
  description:
    'Lists the changed files of a merge request with their diffs. Files the project excludes from GitLab Duo are left out.',
  parameters: params(MR_LOCATOR),
  privilege: 'read_only_gitlab',
  describe: (args) => `View changes in merge request ${mrLabel(args)}`,
  run: async (args, context) => {
    const { path, project } = mergeRequestPath(args, context, '/diffs')
    return json(filterDiffs(await getJson(context, path), policyForProject(context, project)))
  },
})

const listAllMergeRequestNotes = defineTool({
  name: 'list_all_merge_request_notes',
  description: 'Lists the comments (notes) on a merge request, system notes included.',
  parameters: params(MR_LOCATOR),
  privilege: 'read_only_gitlab',
  describe: (args) => `Read comments on merge request ${mrLabel(args)}`,
  run: async (args, context) =>
    json({ notes: await getJson(context, mergeRequestPath(args, context, '/notes').path) }),
})

const MR_SEARCH_FILTERS = [
  'author_username',
  'author_id',
  'assignee_username',
  'assignee_id',
  'reviewer_username',
  'reviewer_id',
  'state',
  'milestone',
  'labels',
  'search',
  'scope',
] as const

const gitlabMergeRequestSearch = defineTool({
  name: 'gitlab_merge_request_search',
  description:
    'Lists the merge requests of a project, filtered by author, assignee, reviewer, state, milestone, labels or text.',
  parameters: params({
    url: URL_PARAM,
    project_id: PROJECT_ID,
    author_username: s.string('Only merge requests by this username.'),
    author_id: s.integer('Only merge requests by this user ID.'),
    assignee_username: s.string('Only merge requests assigned to this username.'),
    assignee_id: s.integer('Only merge requests assigned to this user ID.'),
    reviewer_username: s.string('Only merge requests with this reviewer username.'),
    reviewer_id: s.integer('Only merge requests with this reviewer user ID.'),
    state: s.enum(['opened', 'closed', 'locked', 'merged', 'all'], 'Only merge requests in this state.'),
    milestone: s.string('Only merge requests in this milestone (its title).'),
    labels: s.string('Only merge requests with all of these labels (comma-separated).'),
    search: s.string('Text to find in titles and descriptions.'),
    scope: s.enum(
      ['created_by_me', 'assigned_to_me', 'all'],
      'Whose merge requests: created by me, assigned to me, or all.',
    ),
  }),
  privilege: 'read_only_gitlab',
  describe: (args) => `Search merge requests in ${where(args)}`,
  run: async (args, context) => {
    const { project } = locateProject(
      { url: arg.str(args, 'url'), project_id: arg.idOrPath(args, 'project_id') },
      context.gitlabUrl,
    )
    const filters: Record<string, unknown> = {}
    for (const name of MR_SEARCH_FILTERS) filters[name] = args[name]
    return json({
      merge_requests: await getJson(
        context,
        `/api/v4/projects/${restId(project)}/merge_requests${query(filters)}`,
      ),
    })
  },
})

const getPipelineFailingJobs = defineTool({
  name: 'get_pipeline_failing_jobs',
  description:
    "Finds the failed jobs of a merge request's latest pipeline (up to 100 jobs are checked). Read a job's log with get_job_logs.",
  parameters: params(MR_LOCATOR),
  privilege: 'read_only_gitlab',
  describe: (args) => `Get failing jobs of merge request ${mrLabel(args)}`,
  run: async (args, context) => {
    const { path, project } = mergeRequestPath(args, context)
    await getJson(context, path) // the merge request must exist and be readable
    const pipelines = await getJson(context, `${path}/pipelines`)
    const latest = Array.isArray(pipelines) ? pipelines.find(isRecord) : undefined
    if (!latest || typeof latest.id !== 'number')
      return json({ message: 'This merge request has no pipeline.', failed_jobs: [] })
    // Workhorse drops the pagination headers, so only the first page can be read.
    const jobsPath = `/api/v4/projects/${restId(project)}/pipelines/${latest.id}/jobs${query({ per_page: 100, page: 1 })}`
    const jobs = await getJson(context, jobsPath)
    const failed = (Array.isArray(jobs) ? jobs : []).filter((job) => isRecord(job) && job.status === 'failed')
    return json({
      pipeline: {
        id: latest.id,
        status: latest.status,
        ref: latest.ref,
        sha: latest.sha,
        web_url: latest.web_url,
      },
      failed_jobs: failed.map((job) =>
        isRecord(job)
          ? {
              id: job.id,
              name: job.name,
              stage: job.stage,
              failure_reason: job.failure_reason,
              web_url: job.web_url,
            }
          : job,
      ),
    })
  },
})

const getJobLogs = defineTool({
  name: 'get_job_logs',
  description:
    'Reads the log (trace) of one CI/CD job, e.g. to find why it failed. Name the job by its URL or by project and job ID.',
  parameters: params({
    url: URL_PARAM,
    project_id: PROJECT_ID,
    job_id: s.integer("The job's numeric ID. Needed when 'url' is not given."),
  }),
  privilege: 'read_only_gitlab',
  describe: (args) =>
    typeof args.url === 'string'
      ? `Read job log ${args.url}`
      : `Read log of job ${String(args.job_id)} in project ${String(args.project_id)}`,
  run: async (args, context) => {
    const { project, jobId } = locateJob(
      {
        url: arg.str(args, 'url'),
        project_id: arg.idOrPath(args, 'project_id'),
        job_id: arg.int(args, 'job_id'),
      },
      context.gitlabUrl,
    )
    const trace = await request(context, 'GET', `/api/v4/projects/${restId(project)}/jobs/${jobId}/trace`)
    return trace === '' ? 'The job has no log (yet).' : trace
  },
})

const getCurrentUser = defineTool({
  name: 'get_current_user',
  description:
    'Reads the profile of the user this chat acts for: username, name, and job title and preferences when set.',
  parameters: params({}),
  privilege: 'read_only_gitlab',
  describe: () => 'Read your user profile',
  run: async (_args, context) => json({ user: await getJson(context, '/api/v4/user') }),
})

const getWikiPage = defineTool({
  name: 'get_wiki_page',
  description:
    "Reads a wiki page of a project or a group, with its comments. Give the project's or the group's path and the page slug.",
  parameters: params(
    {
      project_id: s.string("The project's full path (or numeric ID), for a project wiki."),
      group_id: s.string("The group's full path (or numeric ID), for a group wiki."),
      slug: s.string("The page's slug, e.g. 'home' or 'dev/setup'."),
    },
    ['slug'],
  ),
  privilege: 'read_only_gitlab',
  describe: (args) => `Read wiki page '${String(args.slug)}' in ${where(args)}`,
  run: async (args, context) => {
    const projectId = arg.str(args, 'project_id')
    const groupId = arg.str(args, 'group_id')
    if ((projectId === undefined) === (groupId === undefined))
      return { content: "Give exactly one of 'project_id' or 'group_id'.", error: true }
    const base =
      projectId !== undefined
        ? `/api/v4/projects/${restId(normaliseRef(projectId))}`
        : `/api/v4/groups/${restId(normaliseRef(groupId as string))}`
    const page = await getJson(
      context,
      `${base}/wikis/${encodeURIComponent(arg.str(args, 'slug') as string)}`,
    )
    const metaId = isRecord(page) ? page.wiki_page_meta_id : undefined
    const comments =
      typeof metaId === 'number' ? await getJson(context, `${base}/wiki_pages/${metaId}/notes`) : []
    return json({ wiki_page: page, comments })
  },
})

export const GITLAB_READ_TOOLS: readonly AgentTool[] = [
  getProject,
  getMergeRequest,
  listMergeRequestDiffs,
  listAllMergeRequestNotes,
  gitlabMergeRequestSearch,
  getPipelineFailingJobs,
  getJobLogs,
]

export const GITLAB_USER_TOOLS: readonly AgentTool[] = [getCurrentUser, getWikiPage]
