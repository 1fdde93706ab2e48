/**
 * The GitLab data behind the fake Rails' tool endpoints (tool-endpoints.ts, work-items-graphql.ts):
 * one group `gitlab-org` (id 2) with project `gitlab-org/gitlab-test` (id 7, default branch
 * `main`), a merge request !12 with diffs, threads and a failed pipeline, a repository, commits,
 * a wiki page, work items, vulnerabilities, and a private project (id 99) the user may not read.
 * Shapes follow GitLab's REST entities (the fields tools and tests read, not every field).
 */
import { apiError, forbidden, type RailsResponse } from './grape.ts'

export interface FileVersion {
  content: string
  last_commit_id: string
}

export interface ToolData {
  gitlabUrl: string
  currentUser: Record<string, unknown>
  groups: Record<string, unknown>[]
  projects: Record<string, unknown>[]
  /** Projects whose reads answer 403. */
  forbiddenProjectIds: Set<number>
  /** project id → merge requests. */
  mergeRequests: Map<number, Record<string, unknown>[]>
  /** `projectId/iid` → diffs, discussions (each with notes), pipelines. */
  mrDiffs: Map<string, Record<string, unknown>[]>
  mrDiscussions: Map<string, { id: string; individual_note: boolean; notes: Record<string, unknown>[] }[]>
  mrPipelines: Map<string, Record<string, unknown>[]>
  /** pipeline id → jobs; job id → trace. */
  pipelineJobs: Map<number, Record<string, unknown>[]>
  jobTraces: Map<number, string>
  /** `projectId` → branch → path → file. */
  repositories: Map<number, Map<string, Map<string, FileVersion>>>
  commits: Map<number, Record<string, unknown>[]>
  commitDiffs: Map<string, Record<string, unknown>[]>
  wikiPages: Map<string, Record<string, unknown>>
  wikiNotes: Map<number, Record<string, unknown>[]>
  issues: Map<number, Record<string, unknown>[]>
  nextId: () => number
}

const SHA_1 = '6104942438c14ec7bd21c6cd5bd995272b3faff6'
const SHA_2 = 'a5391128b0ef5d21df5dd23d98557f4ef12fae20'

export function createToolData(gitlabUrl: string): ToolData {
  let id = 10_000
  const web = (path: string) => `${gitlabUrl}/${path}`
  const user = (n: number, username: string, name: string) => ({
    id: n,
    username,
    name,
    state: 'active',
    web_url: web(username),
  })
  const root = user(1, 'root', 'Administrator')
  const alice = user(5, 'alice', 'Alice Liddell')
  const group = {
    id: 2,
    name: 'GitLab.org',
    path: 'gitlab-org',
    full_path: 'gitlab-org',
    web_url: web('groups/gitlab-org'),
    visibility: 'private',
  }
  const project = {
    id: 7,
    name: 'GitLab Test',
    path: 'gitlab-test',
    path_with_namespace: 'gitlab-org/gitlab-test',
    default_branch: 'main',
    description: 'A project for the tools',
    visibility: 'private',
    web_url: web('gitlab-org/gitlab-test'),
    namespace: { id: 2, full_path: 'gitlab-org', kind: 'group' },
  }
  const secret = {
    ...project,
    id: 99,
    name: 'Secret',
    path: 'secret',
    path_with_namespace: 'gitlab-org/secret',
    web_url: web('gitlab-org/secret'),
  }
  const mr = {
    id: 501,
    iid: 12,
    project_id: 7,
    title: 'Fix the login form',
    description: 'Closes #5',
    state: 'opened',
    source_branch: 'fix-login',
    target_branch: 'main',
    author: alice,
    assignees: [],
    reviewers: [root],
    labels: ['bug'],
    web_url: web('gitlab-org/gitlab-test/-/merge_requests/12'),
  }
  const note = (n: number, body: string, author = root) => ({
    id: n,
    body,
    author,
    system: false,
    noteable_type: 'MergeRequest',
    created_at: '2026-02-01T10:00:00.000Z',
  })
  const repository = new Map<string, Map<string, FileVersion>>([
    [
      'main',
      new Map([
        ['README.md', { content: '# GitLab Test\n\nA test project.\n', last_commit_id: SHA_1 }],
        [
          'app/login.rb',
          { content: 'class Login\n  def call(user)\n    user.valid?\n  end\nend\n', last_commit_id: SHA_1 },
        ],
        ['config/secrets.yml', { content: 'production:\n  key: hunter2\n', last_commit_id: SHA_1 }],
      ]),
    ],
  ])
  repository.set('fix-login', new Map(repository.get('main')))
  return {
    gitlabUrl,
    currentUser: { ...root, email: 'admin@example.com', job_title: 'Maintainer' },
    groups: [group],
    projects: [project, secret],
    forbiddenProjectIds: new Set([99]),
    mergeRequests: new Map([
      [
        7,
        [
          mr,
          {
            ...mr,
            id: 502,
            iid: 13,
            title: 'Add docs',
            state: 'merged',
            source_branch: 'docs',
            reviewers: [],
          },
        ],
      ],
    ]),
    mrDiffs: new Map([
      [
        '7/12',
        [
          {
            old_path: 'app/login.rb',
            new_path: 'app/login.rb',
            diff: '@@ -2 +2 @@\n-    user.valid?\n+    user&.valid?\n',
            new_file: false,
          },
          {
            old_path: 'config/secrets.yml',
            new_path: 'config/secrets.yml',
            diff: '@@ -2 +2 @@\n-  key: hunter2\n+  key: hunter3\n',
            new_file: false,
          },
        ],
      ],
    ]),
    mrDiscussions: new Map([
      [
        '7/12',
        [
          {
            id: '6a9c1750b37d513a43987b574953fceb50b03ce7',
            individual_note: true,
            notes: [note(301, 'Looks good to me')],
          },
          {
            id: '87805b7c09016a7058e91bdbe7b29d1f284a39e6',
            individual_note: false,
            notes: [note(302, 'Why optional chaining?', alice), note(303, 'Nil users.')],
          },
        ],
      ],
    ]),
    mrPipelines: new Map([
      [
        '7/12',
        [
          {
            id: 300,
            iid: 31,
            sha: SHA_2,
            ref: 'fix-login',
            status: 'failed',
            web_url: web('gitlab-org/gitlab-test/-/pipelines/300'),
          },
          {
            id: 290,
            iid: 30,
            sha: SHA_1,
            ref: 'fix-login',
            status: 'success',
            web_url: web('gitlab-org/gitlab-test/-/pipelines/290'),
          },
        ],
      ],
    ]),
    pipelineJobs: new Map([
      [
        300,
        [
          {
            id: 900,
            name: 'rspec',
            stage: 'test',
            status: 'failed',
            failure_reason: 'script_failure',
            web_url: web('gitlab-org/gitlab-test/-/jobs/900'),
          },
          {
            id: 901,
            name: 'rubocop',
            stage: 'test',
            status: 'success',
            failure_reason: null,
            web_url: web('gitlab-org/gitlab-test/-/jobs/901'),
          },
        ],
      ],
    ]),
    jobTraces: new Map([
      [900, 'Running rspec...\nFailures:\n  1) Login rejects nil users\nexpected true, got NoMethodError\n'],
    ]),
    repositories: new Map([[7, repository]]),
    commits: new Map([
      [
        7,
        [
          {
            id: SHA_2,
            short_id: SHA_2.slice(0, 8),
            title: 'Use optional chaining',
            message: 'Use optional chaining\n',
            author_name: 'Alice Liddell',
            parent_ids: [SHA_1],
          },
          {
            id: SHA_1,
            short_id: SHA_1.slice(0, 8),
            title: 'Initial commit',
            message: 'Initial commit\n',
            author_name: 'Administrator',
            parent_ids: [],
          },
        ],
      ],
    ]),
    commitDiffs: new Map([
      [
        `7/${SHA_2}`,
        [
          {
            old_path: 'app/login.rb',
            new_path: 'app/login.rb',
            diff: '-    user.valid?\n+    user&.valid?\n',
          },
          {
            old_path: 'config/secrets.yml',
            new_path: 'config/secrets.yml',
            diff: '-  key: hunter2\n+  key: hunter3\n',
          },
        ],
      ],
    ]),
    wikiPages: new Map([
      [
        'projects/7/home',
        {
          format: 'markdown',
          slug: 'home',
          title: 'home',
          content: 'Welcome to the wiki',
          encoding: 'UTF-8',
          wiki_page_meta_id: 41,
        },
      ],
      [
        'groups/2/dev/setup',
        { format: 'markdown', slug: 'dev/setup', title: 'setup', content: 'Install Ruby', encoding: 'UTF-8' },
      ],
    ]),
    wikiNotes: new Map([
      [41, [{ id: 77, body: 'Needs an update', author: alice, noteable_type: 'WikiPage::Meta' }]],
    ]),
    issues: new Map([
      [
        7,
        [
          {
            id: 801,
            iid: 5,
            project_id: 7,
            title: 'Login fails for nil users',
            state: 'opened',
            confidential: false,
            web_url: web('gitlab-org/gitlab-test/-/issues/5'),
          },
          {
            id: 802,
            iid: 6,
            project_id: 7,
            title: 'Password reset leaks tokens',
            state: 'opened',
            confidential: true,
            web_url: web('gitlab-org/gitlab-test/-/issues/6'),
          },
        ],
      ],
    ]),
    nextId: () => ++id,
  }
}

export const TOOL_DATA_SHAS = { initial: SHA_1, latest: SHA_2 }

export type Found<T> = { ok: true; value: T } | { ok: false; response: RailsResponse }

/** `find_project!`: by numeric id or full path; 404 when unknown, 403 when not readable. */
export function findProject(data: ToolData, ref: string): Found<Record<string, unknown>> {
  const project = data.projects.find(
    (p) => String(p.id) === ref || String(p.path_with_namespace).toLowerCase() === ref.toLowerCase(),
  )
  if (!project) return { ok: false, response: apiError(404, '404 Project Not Found') }
  if (data.forbiddenProjectIds.has(project.id as number)) return { ok: false, response: forbidden() }
  return { ok: true, value: project }
}
