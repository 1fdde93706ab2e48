/**
 * The GitLab write tools (spec §8.4, `read_write_gitlab`) against the fake Rails: merge requests
 * (create, update, comment, reply in a thread), `create_commit` (replacement edits read the file
 * first; no branch means a new one from the default branch), and their refusals.
 */
import { describe, expect, it } from 'vitest'
import { QUICK_ACTION_REFUSAL } from '../../src/agent-platform/tools/gitlab-write.ts'
import { BUILTIN_TOOLS } from '../../src/agent-platform/tools/registry.ts'
import type { ToolOutcome } from '../../src/agent-platform/tools/tool.ts'
import { GITLAB_URL, requestsOf, toolHarness } from '../fakes/tool-context.ts'

function setup() {
  const harness = toolHarness()
  const run = (name: string, args: Record<string, unknown>): Promise<ToolOutcome> => {
    const found = BUILTIN_TOOLS.find((t) => t.name === name)
    if (!found) throw new Error(`no tool ${name}`)
    return found.run(args, harness.context)
  }
  const requests = () => requestsOf(harness.rails)
  return { ...harness, run, requests }
}

const parsed = (outcome: ToolOutcome) => JSON.parse(outcome.content) as Record<string, any>

describe('merge requests', () => {
  it('create_merge_request POSTs the given fields only', async () => {
    const { run, requests } = setup()
    const outcome = await run('create_merge_request', {
      url: `${GITLAB_URL}/gitlab-org/gitlab-test`,
      source_branch: 'feature',
      target_branch: 'main',
      title: 'New feature',
      reviewer_ids: [5],
      squash: true,
      description: null,
    })
    expect(parsed(outcome)).toMatchObject({
      status: 'success',
      merge_request: { iid: 14, title: 'New feature', state: 'opened' },
    })
    expect(requests()).toEqual([
      {
        method: 'POST',
        path: '/api/v4/projects/gitlab-org%2Fgitlab-test/merge_requests',
        body: {
          source_branch: 'feature',
          target_branch: 'main',
          title: 'New feature',
          reviewer_ids: [5],
          squash: true,
        },
        status: 201,
      },
    ])
  })

  it('create_merge_request without a title is refused before any request; a 403 comes back as a tool error', async () => {
    const { run, requests } = setup()
    expect(
      await run('create_merge_request', { project_id: 7, source_branch: 'a', target_branch: 'b' }),
    ).toEqual({
      content: 'Invalid arguments for create_merge_request: title is required',
      error: true,
    })
    expect(requests()).toEqual([])
    expect(
      await run('create_merge_request', {
        project_id: 99,
        source_branch: 'a',
        target_branch: 'b',
        title: 't',
      }),
    ).toMatchObject({
      error: true,
      content: expect.stringContaining('HTTP 403'),
    })
  })

  it('update_merge_request PUTs the changes; with nothing to change it asks for a field', async () => {
    const { run, requests, data } = setup()
    expect(
      parsed(
        await run('update_merge_request', {
          project_id: 7,
          merge_request_iid: 12,
          state_event: 'close',
          labels: 'bug,login',
        }),
      ).status,
    ).toBe('success')
    expect(data.mergeRequests.get(7)?.[0]).toMatchObject({ state: 'closed', labels: 'bug,login' })
    expect(requests()[0]).toMatchObject({
      method: 'PUT',
      path: '/api/v4/projects/7/merge_requests/12',
      body: { state_event: 'close', labels: 'bug,login' },
    })
    expect(await run('update_merge_request', { project_id: 7, merge_request_iid: 12 })).toEqual({
      content: 'Nothing to update: give at least one field to change.',
      error: true,
    })
    expect(requests()).toHaveLength(1)
  })

  it('create_merge_request_note comments, and replies in the thread of a note', async () => {
    const { run, requests, data } = setup()
    expect(
      parsed(
        await run('create_merge_request_note', { project_id: 7, merge_request_iid: 12, body: 'Thanks!' }),
      ).note.body,
    ).toBe('Thanks!')
    expect(
      parsed(
        await run('create_merge_request_note', {
          project_id: 7,
          merge_request_iid: 12,
          body: 'Agreed',
          note_id: 303,
        }),
      ).status,
    ).toBe('success')
    const thread = data.mrDiscussions
      .get('7/12')
      ?.find((d) => d.id === '87805b7c09016a7058e91bdbe7b29d1f284a39e6')
    expect(thread?.notes.map((n) => n.body)).toEqual(['Why optional chaining?', 'Nil users.', 'Agreed'])
    expect(requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v4/projects/7/merge_requests/12/notes',
      'GET /api/v4/projects/7/merge_requests/12/discussions?per_page=100&page=1',
      'POST /api/v4/projects/7/merge_requests/12/discussions/87805b7c09016a7058e91bdbe7b29d1f284a39e6/notes',
    ])
    expect(requests()[2]?.body).toEqual({ body: 'Agreed' })
  })

  it('refuses quick actions and unknown notes', async () => {
    const { run, requests } = setup()
    expect(
      await run('create_merge_request_note', { project_id: 7, merge_request_iid: 12, body: 'LGTM\n/merge' }),
    ).toEqual({ content: QUICK_ACTION_REFUSAL, error: true })
    expect(requests()).toEqual([])
    expect(
      await run('create_merge_request_note', {
        project_id: 7,
        merge_request_iid: 12,
        body: 'x',
        note_id: 4242,
      }),
    ).toEqual({
      content: 'Note 4242 was not found on this merge request',
      error: true,
    })
  })
})

describe('create_commit', () => {
  it('an old_str/new_str update reads the file at the branch and sends its whole new content', async () => {
    const { run, requests, data } = setup()
    const outcome = await run('create_commit', {
      project_id: 7,
      branch: 'fix-login',
      commit_message: 'Guard against nil users',
      actions: [
        { action: 'update', file_path: 'app/login.rb', old_str: 'user.valid?', new_str: 'user&.valid?' },
        { action: 'create', file_path: 'spec/login_spec.rb', content: 'describe Login do\nend\n' },
      ],
    })
    expect(parsed(outcome)).toMatchObject({ status: 'success', branch: 'fix-login' })
    expect(requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v4/projects/7/repository/files/app%2Flogin.rb?ref=fix-login',
      'POST /api/v4/projects/7/repository/commits',
    ])
    expect(requests()[1]?.body).toEqual({
      branch: 'fix-login',
      commit_message: 'Guard against nil users',
      actions: [
        {
          action: 'update',
          file_path: 'app/login.rb',
          content: 'class Login\n  def call(user)\n    user&.valid?\n  end\nend\n',
          encoding: 'text',
        },
        { action: 'create', file_path: 'spec/login_spec.rb', content: 'describe Login do\nend\n' },
      ],
    })
    expect(data.repositories.get(7)?.get('fix-login')?.get('app/login.rb')?.content).toContain('user&.valid?')
  })

  it('without a branch, commits to a new branch started from the default branch', async () => {
    const { run, requests, data } = setup()
    const result = parsed(
      await run('create_commit', {
        url: `${GITLAB_URL}/gitlab-org/gitlab-test`,
        commit_message: 'Docs',
        actions: [{ action: 'create', file_path: 'docs/a.md', content: 'A' }],
      }),
    )
    expect(result.branch).toMatch(/^duo-agent\/commit-[0-9a-z]+$/)
    expect(requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v4/projects/gitlab-org%2Fgitlab-test',
      'POST /api/v4/projects/gitlab-org%2Fgitlab-test/repository/commits',
    ])
    expect(requests()[1]?.body).toMatchObject({ branch: result.branch, start_branch: 'main' })
    expect(data.repositories.get(7)?.get(result.branch)?.has('docs/a.md')).toBe(true)
  })

  it('refuses an old_str that is not in the file (nothing committed), and reports what GitLab refuses', async () => {
    const { run, requests } = setup()
    const missing = await run('create_commit', {
      project_id: 7,
      branch: 'main',
      commit_message: 'x',
      actions: [{ action: 'update', file_path: 'README.md', old_str: 'not there', new_str: 'y' }],
    })
    expect(missing).toEqual({ content: 'old_str was not found in README.md', error: true })
    expect(requests().filter((r) => r.method === 'POST')).toEqual([])
    const exists = await run('create_commit', {
      project_id: 7,
      branch: 'main',
      commit_message: 'x',
      actions: [{ action: 'create', file_path: 'README.md', content: 'y' }],
    })
    expect(exists).toEqual({
      content:
        'GitLab answered POST /api/v4/projects/7/repository/commits with HTTP 400 (bad request): A file with this name already exists',
      error: true,
    })
    expect(
      await run('create_commit', {
        project_id: 7,
        branch: 'main',
        commit_message: 'x',
        actions: [{ action: 'rename', file_path: 'a' }],
      }),
    ).toMatchObject({
      error: true,
      content: expect.stringContaining('actions[0].action must be one of'),
    })
  })
})
