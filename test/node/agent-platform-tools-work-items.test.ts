/**
 * The work-item and vulnerability tools (spec §8.4) against the fake Rails' GraphQL schema slice
 * (test/fakes/rails/work-items-schema.ts): the documents and variables each tool sends, mutations
 * and their follow-ups, and errors (unknown items, GitLab's payload errors, bad dates).
 */
import { describe, expect, it } from 'vitest'
import { BUILTIN_TOOLS } from '../../src/agent-platform/tools/registry.ts'
import type { ToolOutcome } from '../../src/agent-platform/tools/tool.ts'
import { GITLAB_URL, toolHarness } from '../fakes/tool-context.ts'

function setup() {
  const harness = toolHarness()
  const run = (name: string, args: Record<string, unknown>): Promise<ToolOutcome> => {
    const found = BUILTIN_TOOLS.find((t) => t.name === name)
    if (!found) throw new Error(`no tool ${name}`)
    return found.run(args, harness.context)
  }
  /** Each request: REST as `METHOD path`, GraphQL as its root field, variables and whether it had errors. */
  const calls = () =>
    harness.rails.requests.map((r) => {
      if (r.path !== '/api/graphql') return `${r.method} ${r.path}`
      const body = r.body as { query: string; variables: Record<string, unknown> }
      const root = /\{\s*(\w+)/.exec(body.query.slice(body.query.indexOf('{')))?.[1]
      return { root, variables: body.variables }
    })
  return { ...harness, run, calls }
}

const parsed = (outcome: ToolOutcome) => JSON.parse(outcome.content) as Record<string, any>

describe('reading work items', () => {
  it('get_work_item from a project issue URL: project(fullPath).workItems(iid)', async () => {
    const { run, calls } = setup()
    const item = parsed(
      await run('get_work_item', { url: `${GITLAB_URL}/gitlab-org/gitlab-test/-/issues/5` }),
    ).work_item
    expect(item).toMatchObject({
      iid: '5',
      title: 'Login fails for nil users',
      state: 'OPEN',
      workItemType: { name: 'Issue' },
    })
    const hierarchy = item.widgets.find((w: { type: string }) => w.type === 'HIERARCHY')
    expect(hierarchy.parent).toMatchObject({ iid: '3', title: 'Authentication hardening' })
    expect(calls()).toEqual([
      { root: 'project', variables: { fullPath: 'gitlab-org/gitlab-test', iid: '5' } },
    ])
  })

  it('a group epic through namespace(fullPath); a numeric project id is turned into its path first', async () => {
    const { run, calls } = setup()
    expect(
      parsed(await run('get_work_item', { url: `${GITLAB_URL}/groups/gitlab-org/-/epics/3` })).work_item
        .workItemType.name,
    ).toBe('Epic')
    expect(parsed(await run('get_work_item', { project_id: 7, work_item_iid: 6 })).work_item.title).toBe(
      'Add a regression test',
    )
    expect(calls()).toEqual([
      { root: 'namespace', variables: { fullPath: 'gitlab-org', iid: '3' } },
      'GET /api/v4/projects/7',
      { root: 'project', variables: { fullPath: 'gitlab-org/gitlab-test', iid: '6' } },
    ])
  })

  it('unknown work items, projects and missing numbers are tool errors', async () => {
    const { run } = setup()
    expect(await run('get_work_item', { project_id: 'gitlab-org/gitlab-test', work_item_iid: 99 })).toEqual({
      content: 'Work item #99 was not found in gitlab-org/gitlab-test',
      error: true,
    })
    expect(await run('get_work_item', { project_id: 'nope/nothing', work_item_iid: 1 })).toEqual({
      content: "Project 'nope/nothing' was not found, or is not visible to this user",
      error: true,
    })
    expect(await run('get_work_item', { project_id: 'gitlab-org/gitlab-test' })).toMatchObject({
      error: true,
      content: expect.stringContaining("'work_item_iid' must be provided"),
    })
    expect(await run('get_work_item', { project_id: 99, work_item_iid: 1 })).toMatchObject({
      error: true,
      content: expect.stringContaining('HTTP 403'),
    })
  })

  it('get_work_item_notes flattens the threads, newest first when asked', async () => {
    const { run } = setup()
    const notes = parsed(
      await run('get_work_item_notes', {
        project_id: 'gitlab-org/gitlab-test',
        work_item_iid: 5,
        sort: 'desc',
      }),
    ).notes
    expect(notes.map((n: { body: string }) => n.body)).toEqual([
      'Fix is in !12',
      'I can reproduce this',
      'First report',
    ])
    expect(notes[0]).toMatchObject({
      id: 'gid://gitlab/Note/1002',
      discussion_id: 'gid://gitlab/Discussion/aa11',
      author: { username: 'alice' },
    })
  })

  it('list_work_items passes only the filters given, with their GraphQL names', async () => {
    const { run, calls } = setup()
    const result = parsed(
      await run('list_work_items', {
        project_id: 'gitlab-org/gitlab-test',
        state: 'opened',
        types: ['TASK'],
        first: 5,
      }),
    )
    expect(result.work_items.map((w: { iid: string }) => w.iid)).toEqual(['6'])
    expect(result.page_info).toEqual({ hasNextPage: false, endCursor: '5' })
    expect(calls()).toEqual([
      {
        root: 'project',
        variables: { fullPath: 'gitlab-org/gitlab-test', state: 'opened', first: 5, types: ['TASK'] },
      },
    ])
    // A value GitLab's enum lacks is GitLab's error, passed on.
    expect(
      await run('list_work_items', { project_id: 'gitlab-org/gitlab-test', sort: 'NEWEST' }),
    ).toMatchObject({ error: true, content: expect.stringContaining('WorkItemSort') })
  })
})

describe('writing work items', () => {
  it('create_work_item looks the type up by name, creates, then closes when asked for a closed item', async () => {
    const { run, calls, workItems } = setup()
    const outcome = await run('create_work_item', {
      project_id: 'gitlab-org/gitlab-test',
      title: 'Write the regression test',
      type_name: 'task',
      description: 'See #5',
      assignee_ids: [5],
      label_ids: ['11'],
      due_date: '2026-03-01',
      hierarchy_widget: { parent_id: 'gid://gitlab/WorkItem/801' },
      state: 'closed',
    })
    expect(parsed(outcome)).toMatchObject({
      status: 'success',
      work_item: { iid: '7', state: 'CLOSED', workItemType: { name: 'Task' } },
    })
    const created = workItems.items.find((i) => i.title === 'Write the regression test')
    expect(created).toMatchObject({
      description: 'See #5',
      assigneeIds: [5],
      labelIds: ['gid://gitlab/Label/11'],
      dueDate: '2026-03-01',
      parentId: 801,
      state: 'CLOSED',
    })
    expect(calls()).toEqual([
      { root: 'namespace', variables: { fullPath: 'gitlab-org/gitlab-test' } },
      {
        root: 'workItemCreate',
        variables: {
          input: {
            namespacePath: 'gitlab-org/gitlab-test',
            title: 'Write the regression test',
            workItemTypeId: 'gid://gitlab/WorkItems::Type/5',
            descriptionWidget: { description: 'See #5' },
            assigneesWidget: { assigneeIds: ['gid://gitlab/User/5'] },
            startAndDueDateWidget: { dueDate: '2026-03-01' },
            hierarchyWidget: { parentId: 'gid://gitlab/WorkItem/801' },
            labelsWidget: { labelIds: ['gid://gitlab/Label/11'] },
          },
        },
      },
      {
        root: 'workItemUpdate',
        variables: { input: { id: 'gid://gitlab/WorkItem/901', stateEvent: 'CLOSE' } },
      },
    ])
  })

  it('create_work_item refuses an unknown type (naming the ones there are) and a malformed date', async () => {
    const { run, calls } = setup()
    expect(
      await run('create_work_item', { group_id: 'gitlab-org', title: 't', type_name: 'Incident' }),
    ).toEqual({
      content:
        "Work item type 'Incident' is not available in gitlab-org (available: Epic, Issue, Task, Objective, Key Result)",
      error: true,
    })
    expect(
      await run('create_work_item', {
        group_id: 'gitlab-org',
        title: 't',
        type_name: 'Epic',
        due_date: '1 March',
      }),
    ).toEqual({
      content: 'due_date must be a date as YYYY-MM-DD',
      error: true,
    })
    expect(calls().filter((c) => typeof c === 'object' && c.root === 'workItemCreate')).toEqual([])
  })

  it("GitLab's payload errors become the tool's error", async () => {
    const { run } = setup()
    expect(await run('create_work_item', { group_id: 'gitlab-org', title: ' ', type_name: 'Epic' })).toEqual({
      content: "GitLab refused workItemCreate: Title can't be blank",
      error: true,
    })
  })

  it('update_work_item finds the global id, then adds and removes labels and reopens', async () => {
    const { run, calls, workItems } = setup()
    const outcome = await run('update_work_item', {
      url: `${GITLAB_URL}/gitlab-org/gitlab-test/-/issues/5`,
      add_label_ids: ['gid://gitlab/ProjectLabel/12'],
      remove_label_ids: ['gid://gitlab/ProjectLabel/11'],
      health_status: 'atRisk',
      state: 'opened',
    })
    expect(parsed(outcome).status).toBe('success')
    expect(workItems.items.find((i) => i.id === 801)).toMatchObject({
      labelIds: ['gid://gitlab/ProjectLabel/12'],
      healthStatus: 'atRisk',
    })
    expect(calls()[1]).toEqual({
      root: 'workItemUpdate',
      variables: {
        input: {
          id: 'gid://gitlab/WorkItem/801',
          healthStatusWidget: { healthStatus: 'atRisk' },
          stateEvent: 'REOPEN',
          labelsWidget: {
            addLabelIds: ['gid://gitlab/ProjectLabel/12'],
            removeLabelIds: ['gid://gitlab/ProjectLabel/11'],
          },
        },
      },
    })
    expect(
      await run('update_work_item', { project_id: 'gitlab-org/gitlab-test', work_item_iid: 5 }),
    ).toMatchObject({ error: true, content: expect.stringContaining('Nothing to update') })
  })

  it('create_work_item_note comments, internally, or in the thread of a note', async () => {
    const { run, calls, workItems } = setup()
    expect(
      parsed(
        await run('create_work_item_note', {
          project_id: 'gitlab-org/gitlab-test',
          work_item_iid: 5,
          body: 'Fixed',
          internal: true,
        }),
      ).note.internal,
    ).toBe(true)
    await run('create_work_item_note', {
      project_id: 'gitlab-org/gitlab-test',
      work_item_iid: 5,
      body: 'Thanks',
      note_id: 1001,
    })
    const thread = workItems.items
      .find((i) => i.id === 801)
      ?.discussions.find((d) => d.id === 'gid://gitlab/Discussion/aa11')
    expect(thread?.notes.map((n) => n.body)).toEqual(['I can reproduce this', 'Fix is in !12', 'Thanks'])
    const mutations = calls().filter((c) => typeof c === 'object' && c.root === 'createNote')
    expect(mutations).toEqual([
      {
        root: 'createNote',
        variables: { input: { noteableId: 'gid://gitlab/WorkItem/801', body: 'Fixed', internal: true } },
      },
      {
        root: 'createNote',
        variables: {
          input: {
            noteableId: 'gid://gitlab/WorkItem/801',
            body: 'Thanks',
            discussionId: 'gid://gitlab/Discussion/aa11',
          },
        },
      },
    ])
    expect(
      await run('create_work_item_note', {
        project_id: 'gitlab-org/gitlab-test',
        work_item_iid: 5,
        body: 'x',
        note_id: 1,
      }),
    ).toEqual({
      content: 'Note 1 was not found on work item #5',
      error: true,
    })
  })
})

describe('vulnerabilities', () => {
  it('list_vulnerabilities filters and walks the pages', async () => {
    const { run, calls } = setup()
    const all = parsed(
      await run('list_vulnerabilities', { project_full_path: 'gitlab-org/gitlab-test', per_page: 2 }),
    )
    expect(all.vulnerabilities.map((v: { title: string }) => v.title)).toEqual([
      'SQL injection in login',
      'Leaked key',
      'Old rack',
    ])
    expect(calls()).toEqual([
      { root: 'project', variables: { fullPath: 'gitlab-org/gitlab-test', first: 2, after: null } },
      { root: 'project', variables: { fullPath: 'gitlab-org/gitlab-test', first: 2, after: '2' } },
    ])
    const second = parsed(
      await run('list_vulnerabilities', {
        project_full_path: 'gitlab-org/gitlab-test',
        per_page: 2,
        page: 2,
        fetch_all_pages: false,
      }),
    )
    expect(second).toEqual({
      vulnerabilities: [expect.objectContaining({ title: 'Old rack' })],
      page: 2,
      more_pages: false,
    })
    const critical = parsed(
      await run('list_vulnerabilities', {
        project_full_path: 'gitlab-org/gitlab-test',
        severity: ['CRITICAL'],
        report_type: ['SAST'],
      }),
    )
    expect(critical.vulnerabilities).toHaveLength(1)
    expect(
      await run('list_vulnerabilities', {
        project_full_path: 'gitlab-org/gitlab-test',
        severity: ['SEVERE'],
      }),
    ).toMatchObject({ error: true })
  })

  it('get_vulnerability_details by numeric id', async () => {
    const { run, calls } = setup()
    const vulnerability = parsed(
      await run('get_vulnerability_details', { vulnerability_id: '567' }),
    ).vulnerability
    expect(vulnerability).toMatchObject({
      title: 'SQL injection in login',
      location: { file: 'app/login.rb', startLine: '3' },
      project: { fullPath: 'gitlab-org/gitlab-test' },
    })
    expect(calls()).toEqual([{ root: 'vulnerability', variables: { id: 'gid://gitlab/Vulnerability/567' } }])
    expect(await run('get_vulnerability_details', { vulnerability_id: '1' })).toEqual({
      content: 'Vulnerability 1 was not found, or is not visible to this user',
      error: true,
    })
    expect(await run('get_vulnerability_details', { vulnerability_id: 'f00d-uuid' })).toMatchObject({
      error: true,
    })
  })
})

describe('the fake GraphQL schema is strict', () => {
  it('refuses a field GitLab lacks, as GitLab would', async () => {
    const { context } = setup()
    await expect(
      context.graphql(
        'query { project(fullPath: "gitlab-org/gitlab-test") { workItems { nodes { bogusField } } } }',
      ),
    ).rejects.toThrow(/Cannot query field "bogusField" on type "WorkItem"/)
    await expect(
      context.graphql('mutation($i: WorkItemUpdateInput!) { workItemUpdate(input: $i) { errors } }', {
        i: { id: 'gid://gitlab/Issue/1' },
      }),
    ).rejects.toThrow(/not a valid ID for WorkItem/)
  })
})
