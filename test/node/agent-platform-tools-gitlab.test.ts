/**
 * The GitLab read tools (spec §8.4) against the fake Rails with the tool endpoints
 * (test/fakes/rails/tool-endpoints.ts): the exact request each tool makes, what the model reads
 * back, and how errors come back (an HTTP error status, bad arguments) as tool errors, not exceptions.
 */
import { describe, expect, it } from 'vitest'
import { NO_DOCS_INDEX } from '../../src/agent-platform/tools/docs.ts'
import { BUILTIN_TOOLS } from '../../src/agent-platform/tools/registry.ts'
import type { ToolContext, ToolOutcome } from '../../src/agent-platform/tools/tool.ts'
import { GITLAB_URL, requestsOf, toolHarness, type HarnessOptions } from '../fakes/tool-context.ts'
import { TOOL_DATA_SHAS } from '../fakes/rails/tool-data.ts'

const MR_URL = `${GITLAB_URL}/gitlab-org/gitlab-test/-/merge_requests/12`

function tool(name: string) {
  const found = BUILTIN_TOOLS.find((t) => t.name === name)
  if (!found) throw new Error(`no tool ${name}`)
  return found
}

function setup(options: HarnessOptions = {}) {
  const harness = toolHarness(options)
  const run = (
    name: string,
    args: Record<string, unknown>,
    context: ToolContext = harness.context,
  ): Promise<ToolOutcome> => tool(name).run(args, context)
  const paths = () => requestsOf(harness.rails).map((r) => `${r.method} ${r.path}`)
  return { ...harness, run, paths }
}

const parsed = (outcome: ToolOutcome) => JSON.parse(outcome.content) as Record<string, any>

describe('merge request reads', () => {
  it('get_merge_request by URL asks for the project by its encoded path', async () => {
    const { run, paths } = setup()
    const outcome = await run('get_merge_request', { url: MR_URL })
    expect(outcome.error).toBeUndefined()
    expect(parsed(outcome).merge_request).toMatchObject({ iid: 12, title: 'Fix the login form' })
    expect(paths()).toEqual(['GET /api/v4/projects/gitlab-org%2Fgitlab-test/merge_requests/12'])
  })

  it('get_merge_request by ids, with a numeric string iid the model wrote as text', async () => {
    const { run, paths } = setup()
    expect((await run('get_merge_request', { project_id: 7, merge_request_iid: '12' })).error).toBeUndefined()
    expect(paths()).toEqual(['GET /api/v4/projects/7/merge_requests/12'])
  })

  it('a 404 and a 403 become tool errors that name the request and what GitLab said', async () => {
    const { run } = setup()
    expect(await run('get_merge_request', { project_id: 7, merge_request_iid: 99 })).toEqual({
      content:
        'GitLab answered GET /api/v4/projects/7/merge_requests/99 with HTTP 404 (not found, or not visible to this user): 404 Not found',
      error: true,
    })
    expect(await run('get_merge_request', { project_id: 99, merge_request_iid: 1 })).toEqual({
      content:
        'GitLab answered GET /api/v4/projects/99/merge_requests/1 with HTTP 403 (forbidden: the user may not do this): 403 Forbidden',
      error: true,
    })
  })

  it('bad arguments are refused before any request', async () => {
    const { run, paths } = setup()
    expect(await run('get_merge_request', { project_id: 7, merge_request_iid: 'twelve' })).toEqual({
      content: 'Invalid arguments for get_merge_request: merge_request_iid must be an integer, not string',
      error: true,
    })
    expect(await run('get_merge_request', { project_id: 7 })).toEqual({
      content: "'merge_request_iid' must be provided when 'url' is not",
      error: true,
    })
    expect(
      await run('get_merge_request', { url: 'https://elsewhere.example.org/g/p/-/merge_requests/1' }),
    ).toMatchObject({ error: true })
    expect(paths()).toEqual([])
  })

  it('list_merge_request_diffs leaves out files the project excludes from GitLab Duo, and says so', async () => {
    const { run, paths } = setup({ exclusionRules: ['config/*.yml'] })
    const result = parsed(await run('list_merge_request_diffs', { url: MR_URL }))
    expect(result.diffs.map((d: { new_path: string }) => d.new_path)).toEqual(['app/login.rb'])
    expect(result.excluded_files).toEqual(['config/secrets.yml'])
    expect(result.excluded_reason).toContain('excluded due to policy')
    expect(paths()).toEqual(['GET /api/v4/projects/gitlab-org%2Fgitlab-test/merge_requests/12/diffs'])
  })

  it('another project is not filtered by the session project rules', async () => {
    const { run, data } = setup({ exclusionRules: ['config/*.yml'] })
    data.projects.push({ ...data.projects[0], id: 8, path_with_namespace: 'gitlab-org/other' })
    data.mergeRequests.set(8, data.mergeRequests.get(7) ?? [])
    data.mrDiffs.set('8/12', data.mrDiffs.get('7/12') ?? [])
    expect(
      parsed(await run('list_merge_request_diffs', { project_id: 8, merge_request_iid: 12 })).diffs,
    ).toHaveLength(2)
  })

  it('list_all_merge_request_notes and gitlab_merge_request_search', async () => {
    const { run, paths } = setup()
    expect(
      parsed(
        await run('list_all_merge_request_notes', {
          project_id: 'gitlab-org/gitlab-test',
          merge_request_iid: 12,
        }),
      ).notes,
    ).toHaveLength(3)
    const found = parsed(
      await run('gitlab_merge_request_search', {
        project_id: 7,
        state: 'merged',
        search: 'docs',
        reviewer_id: 1,
      }),
    )
    expect(found.merge_requests.map((m: { iid: number }) => m.iid)).toEqual([13])
    expect(paths()).toEqual([
      'GET /api/v4/projects/gitlab-org%2Fgitlab-test/merge_requests/12/notes',
      'GET /api/v4/projects/7/merge_requests?reviewer_id=1&state=merged&search=docs',
    ])
  })
})

describe('pipelines and jobs', () => {
  it("get_pipeline_failing_jobs reads the merge request, its latest pipeline and that pipeline's first 100 jobs", async () => {
    const { run, paths } = setup()
    const result = parsed(await run('get_pipeline_failing_jobs', { url: MR_URL }))
    expect(result.pipeline).toMatchObject({ id: 300, status: 'failed' })
    expect(result.failed_jobs).toEqual([
      expect.objectContaining({ id: 900, name: 'rspec', failure_reason: 'script_failure' }),
    ])
    expect(paths()).toEqual([
      'GET /api/v4/projects/gitlab-org%2Fgitlab-test/merge_requests/12',
      'GET /api/v4/projects/gitlab-org%2Fgitlab-test/merge_requests/12/pipelines',
      'GET /api/v4/projects/gitlab-org%2Fgitlab-test/pipelines/300/jobs?per_page=100&page=1',
    ])
  })

  it('get_job_logs returns the trace text, from a job URL', async () => {
    const { run, paths } = setup()
    const outcome = await run('get_job_logs', { url: `${GITLAB_URL}/gitlab-org/gitlab-test/-/jobs/900` })
    expect(outcome.content).toContain('NoMethodError')
    expect(paths()).toEqual(['GET /api/v4/projects/gitlab-org%2Fgitlab-test/jobs/900/trace'])
    expect((await run('get_job_logs', { project_id: 7, job_id: 1 })).error).toBe(true)
  })
})

describe('projects, users, wikis', () => {
  it('get_project, get_current_user', async () => {
    const { run, paths } = setup()
    expect(parsed(await run('get_project', { project_id: 7 })).project.default_branch).toBe('main')
    expect(parsed(await run('get_current_user', {})).user.username).toBe('root')
    expect(await run('get_project', { project_id: 'gitlab-org/gitlab-test' })).toMatchObject({
      error: true,
      content: expect.stringContaining('must be an integer'),
    })
    expect(paths()).toEqual(['GET /api/v4/projects/7', 'GET /api/v4/user'])
  })

  it('get_wiki_page reads a project page and its comments, or a group page', async () => {
    const { run, paths } = setup()
    const page = parsed(await run('get_wiki_page', { project_id: 'gitlab-org/gitlab-test', slug: 'home' }))
    expect(page.wiki_page.content).toBe('Welcome to the wiki')
    expect(page.comments).toEqual([expect.objectContaining({ body: 'Needs an update' })])
    expect(
      parsed(await run('get_wiki_page', { group_id: 'gitlab-org', slug: 'dev/setup' })).comments,
    ).toEqual([])
    expect(await run('get_wiki_page', { project_id: '7', group_id: '2', slug: 'x' })).toMatchObject({
      error: true,
    })
    expect(paths()).toEqual([
      'GET /api/v4/projects/gitlab-org%2Fgitlab-test/wikis/home',
      'GET /api/v4/projects/gitlab-org%2Fgitlab-test/wiki_pages/41/notes',
      'GET /api/v4/groups/gitlab-org/wikis/dev%2Fsetup',
    ])
  })
})

describe('repository reads', () => {
  it('get_repository_file decodes the base64 content, from a blob URL or from ids (ref HEAD by default)', async () => {
    const { run, paths } = setup()
    const byUrl = parsed(
      await run('get_repository_file', {
        url: `${GITLAB_URL}/gitlab-org/gitlab-test/-/blob/fix-login/app/login.rb`,
      }),
    )
    expect(byUrl).toEqual({
      file_path: 'app/login.rb',
      ref: 'fix-login',
      content: 'class Login\n  def call(user)\n    user.valid?\n  end\nend\n',
    })
    expect(
      parsed(await run('get_repository_file', { project_id: 7, file_path: 'README.md' })).content,
    ).toContain('# GitLab Test')
    expect(paths()).toEqual([
      'GET /api/v4/projects/gitlab-org%2Fgitlab-test/repository/files/app%2Flogin.rb?ref=fix-login',
      'GET /api/v4/projects/7/repository/files/README.md?ref=HEAD',
    ])
  })

  it('get_repository_file does not read an excluded file of the session project', async () => {
    const { run, paths } = setup({ exclusionRules: ['config/'] })
    const outcome = await run('get_repository_file', { project_id: 7, file_path: 'config/secrets.yml' })
    expect(outcome.content).toBe('Files excluded due to policy, continue without files:\nconfig/secrets.yml')
    expect(paths()).toEqual([])
  })

  it('list_repository_tree sends the paging defaults and filters excluded entries', async () => {
    const { run, paths } = setup({ exclusionRules: ['config/'] })
    const result = parsed(await run('list_repository_tree', { project_id: 7, recursive: true }))
    expect(result.tree.map((e: { path: string }) => e.path)).toEqual(['README.md', 'app', 'app/login.rb'])
    expect(result.excluded_entries).toBe(2)
    expect(paths()).toEqual(['GET /api/v4/projects/7/repository/tree?recursive=true&page=1&per_page=20'])
    expect((await run('list_repository_tree', { project_id: 7, per_page: 500 })).error).toBe(true)
  })

  it('get_commit, list_commits and get_commit_diff', async () => {
    const { run, paths } = setup({ exclusionRules: ['*.yml'] })
    const sha = TOOL_DATA_SHAS.latest
    expect(
      parsed(
        await run('get_commit', { url: `${GITLAB_URL}/gitlab-org/gitlab-test/-/commit/${sha}`, stats: true }),
      ).commit.stats.total,
    ).toBe(2)
    expect(
      parsed(await run('list_commits', { project_id: 7, ref_name: 'main', with_stats: false, page: 2 }))
        .commits,
    ).toHaveLength(2)
    const diff = parsed(await run('get_commit_diff', { project_id: 7, commit_sha: sha.slice(0, 8) }))
    expect(diff.diffs).toHaveLength(1)
    expect(diff.excluded_files).toEqual(['config/secrets.yml'])
    expect(paths()).toEqual([
      `GET /api/v4/projects/gitlab-org%2Fgitlab-test/repository/commits/${sha}?stats=true`,
      'GET /api/v4/projects/7/repository/commits?ref_name=main&with_stats=false&page=2',
      `GET /api/v4/projects/7/repository/commits/${sha.slice(0, 8)}/diff`,
    ])
  })
})

describe('search', () => {
  it('gitlab_issue_search and gitlab_blob_search call the search API of a project or a group', async () => {
    const { run, paths } = setup({ exclusionRules: ['config/'] })
    const issues = parsed(
      await run('gitlab_issue_search', {
        id: 'gitlab-org/gitlab-test',
        search: 'login',
        search_type: 'projects',
        state: 'opened',
      }),
    )
    expect(issues.issues.map((i: { iid: number }) => i.iid)).toEqual([5])
    const blobs = parsed(
      await run('gitlab_blob_search', { id: '7', search: 'key', search_type: 'projects', ref: 'main' }),
    )
    expect(blobs).toEqual({ blobs: [], excluded_results: 1 })
    expect(
      parsed(
        await run('gitlab_blob_search', {
          id: 'gitlab-org',
          search: 'valid',
          search_type: 'groups',
          ref: 'main',
        }),
      ).blobs,
    ).toHaveLength(1)
    expect(paths()).toEqual([
      'GET /api/v4/projects/gitlab-org%2Fgitlab-test/search?scope=issues&search=login&state=opened',
      'GET /api/v4/projects/7/search?scope=blobs&search=key&ref=main',
      'GET /api/v4/groups/gitlab-org/search?scope=blobs&search=valid',
    ])
    expect(await run('gitlab_issue_search', { id: '7', search: 'x', search_type: 'users' })).toMatchObject({
      error: true,
    })
  })
})

describe('documentation search', () => {
  it("answers from the gateway's own index", async () => {
    const queries: string[] = []
    const { run, paths } = setup({
      searchDocs: async (query) => {
        queries.push(query)
        return [
          {
            title: 'Merge request approvals',
            source_url: 'https://docs.gitlab.com/user/project/merge_requests/approvals/',
            content: 'Approval rules...',
          },
        ]
      },
    })
    const result = parsed(await run('gitlab_documentation_search', { search: 'approval rules' }))
    expect(result.search_results).toEqual([expect.objectContaining({ title: 'Merge request approvals' })])
    expect(queries).toEqual(['approval rules'])
    expect(paths()).toEqual([])
  })

  it('says so when there is no index', async () => {
    const { run } = setup()
    expect(await run('gitlab_documentation_search', { search: 'runners' })).toEqual({
      content: NO_DOCS_INDEX,
      error: true,
    })
  })
})

describe('failures outside HTTP statuses', () => {
  it('a failure of the channel itself becomes a tool error, unless the session was cancelled', async () => {
    const { context } = setup()
    const broken: ToolContext = {
      ...context,
      graphql: () => Promise.reject(new Error('GraphQL error: Internal server error')),
    }
    expect(await tool('get_work_item').run({ project_id: 'g/p', work_item_iid: 1 }, broken)).toEqual({
      content: 'get_work_item failed: GraphQL error: Internal server error',
      error: true,
    })
    const controller = new AbortController()
    controller.abort(new Error('session stopped'))
    const cancelled: ToolContext = {
      ...context,
      signal: controller.signal,
      gitlab: () => Promise.reject(new Error('session stopped')),
    }
    await expect(
      tool('get_merge_request').run({ project_id: 7, merge_request_iid: 12 }, cancelled),
    ).rejects.toThrow('session stopped')
  })

  it('describes calls in one line for the chat', () => {
    expect(tool('get_merge_request').describe({ url: MR_URL })).toBe(`Read merge request ${MR_URL}`)
    expect(tool('get_merge_request').describe({ project_id: 7, merge_request_iid: 12 })).toBe(
      'Read merge request !12 in project 7',
    )
    expect(tool('list_commits').describe({ project_id: 7 })).toBe('List commits in project 7')
  })
})
