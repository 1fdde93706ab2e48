/**
 * The fake Rails' GraphQL endpoint (test/fakes/rails.ts): the `duoWorkflowWorkflows` query GitLab's
 * service sends to 18.9 (duo-workflow-contract.md §7.1), answered for a workflow seeded with the
 * checkpoint GitLab's own service wrote; strictness on what GitLab would refuse; extensions.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createFakeRails, type FakeRails } from '../fakes/rails.ts'

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/agent-platform/gitlab-checkpoint-18.9.json', import.meta.url), 'utf8'),
) as {
  goal: string
  checkpoint: {
    thread_ts: string
    parent_ts: string
    checkpoint: Record<string, unknown>
    metadata: Record<string, unknown>
  }
}

// §7.1, every field for GitLab 18.9 (all versions + ≥ 18.3 + ≥ 18.8 + ≥ 18.9).
const QUERY_18_9 = `
query($workflowId: AiDuoWorkflowsWorkflowID!) {
  duoWorkflowWorkflows(workflowId: $workflowId) {
    nodes {
      statusName
      projectId
      project {
        id name description httpUrlToRepo
        languages { name share }
        webUrl
        statisticsDetailsPaths { repository }
        duoContextExclusionSettings { exclusionRules }
        rootGroup { aiSettings { promptInjectionProtectionLevel } }
      }
      namespaceId
      namespace { id name description webUrl rootNamespace { aiSettings { promptInjectionProtectionLevel } } }
      agentPrivilegesNames
      preApprovedAgentPrivilegesNames
      mcpEnabled
      allowAgentToRequestUser
      latestCheckpoint { threadTs parentTs metadata checkpoint }
      toolCallApprovals
    }
  }
}`

const gid = (id: string) => `gid://gitlab/Ai::DuoWorkflows::Workflow/${id}`

async function graphql(rails: FakeRails, query: string, variables?: unknown) {
  const response = await rails.handle({
    method: 'POST',
    path: '/api/graphql',
    body: JSON.stringify({ query, variables }),
  })
  expect(response.statusCode).toBe(200)
  return JSON.parse(response.body) as {
    data?: { duoWorkflowWorkflows: { nodes: Record<string, unknown>[] } }
    errors?: { message: string }[]
  }
}

describe('duoWorkflowWorkflows', () => {
  it('answers the 18.9 query for a workflow seeded with GitLab’s checkpoint, checkpoint and metadata as JSON strings', async () => {
    const rails = createFakeRails()
    const approvals = {
      create_issue: { call_args: ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'] },
    }
    const id = rails.addWorkflow({
      status: 'input_required',
      toolCallApprovals: approvals,
      checkpoints: [fixture.checkpoint],
    })
    const answer = await graphql(rails, QUERY_18_9, { workflowId: gid(id) })
    expect(answer.errors).toBeUndefined()
    const [node] = answer.data?.duoWorkflowWorkflows.nodes ?? []
    expect(node).toEqual({
      statusName: 'input_required',
      projectId: 'gid://gitlab/Project/1',
      project: {
        id: 'gid://gitlab/Project/1',
        name: 'demo',
        description: 'Demo project',
        httpUrlToRepo: 'http://gitlab.example.com/gitlab-org/demo.git',
        languages: [{ name: 'Ruby', share: 100 }],
        webUrl: 'http://gitlab.example.com/gitlab-org/demo',
        statisticsDetailsPaths: { repository: 'http://gitlab.example.com/gitlab-org/demo/-/tree/main' },
        duoContextExclusionSettings: { exclusionRules: [] },
        rootGroup: { aiSettings: { promptInjectionProtectionLevel: 'LOG_ONLY' } },
      },
      namespaceId: null,
      namespace: null,
      agentPrivilegesNames: ['read_only_gitlab', 'read_write_gitlab'],
      preApprovedAgentPrivilegesNames: ['read_only_gitlab'],
      mcpEnabled: false,
      allowAgentToRequestUser: true,
      latestCheckpoint: {
        threadTs: fixture.checkpoint.thread_ts,
        parentTs: fixture.checkpoint.parent_ts,
        metadata: expect.any(String),
        checkpoint: expect.any(String),
      },
      toolCallApprovals: approvals,
    })
    const latest = node?.latestCheckpoint as { metadata: string; checkpoint: string }
    expect(JSON.parse(latest.checkpoint)).toEqual(fixture.checkpoint.checkpoint)
    expect(JSON.parse(latest.metadata)).toEqual(fixture.checkpoint.metadata)
    // Stored as jsonb: shorter keys first, whatever order the writer used.
    expect(latest.checkpoint.startsWith('{"v":4,"id":"1f1f232a-7844-65be-8004-aa4747afab7b","ts":')).toBe(
      true,
    )
  })

  it('answers a null latestCheckpoint before any checkpoint, then the greatest thread_ts', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    const latest = async () =>
      (await graphql(rails, QUERY_18_9, { workflowId: gid(id) })).data?.duoWorkflowWorkflows.nodes[0]
        ?.latestCheckpoint
    expect(await latest()).toBeNull()
    for (const thread_ts of [
      '1f1f232a-769d-63f5-8003-acf92708fa2f',
      '1f1f232a-7844-65be-8004-aa4747afab7b',
      '1f1f232a-6000-6000-8002-000000000000',
    ]) {
      const body = JSON.stringify({ thread_ts, checkpoint: { thread_ts }, metadata: { step: 1 } })
      await rails.handle({
        method: 'POST',
        path: `/api/v4/ai/duo_workflows/workflows/${id}/checkpoints`,
        body,
      })
    }
    expect(await latest()).toMatchObject({
      threadTs: '1f1f232a-7844-65be-8004-aa4747afab7b',
      metadata: '{"step":1}',
    })
  })

  it('answers namespace-level and IDE workflows with their own container and privileges', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow({
      client: 'ide',
      namespace: { id: 9, path: 'platform', name: 'Platform' },
      promptInjectionProtectionLevel: 'INTERRUPT',
    })
    const [node] =
      (await graphql(rails, QUERY_18_9, { workflowId: gid(id) })).data?.duoWorkflowWorkflows.nodes ?? []
    expect(node).toMatchObject({
      projectId: null,
      project: null,
      namespaceId: 'gid://gitlab/Namespace/9',
      namespace: {
        id: 'gid://gitlab/Group/9',
        name: 'Platform',
        webUrl: 'http://gitlab.example.com/groups/platform',
        rootNamespace: { aiSettings: { promptInjectionProtectionLevel: 'INTERRUPT' } },
      },
      agentPrivilegesNames: [
        'read_write_files',
        'read_only_gitlab',
        'read_write_gitlab',
        'run_commands',
        'use_git',
        'run_mcp_tools',
      ],
      preApprovedAgentPrivilegesNames: ['read_write_files', 'read_only_gitlab'],
    })
  })

  it('gives empty nodes for an unknown workflow, another user’s, or one the user may not read', async () => {
    const rails = createFakeRails()
    const theirs = rails.addWorkflow({ userId: 2 })
    const hidden = rails.addWorkflow({ forbidden: true })
    for (const id of ['999', theirs, hidden]) {
      expect(await graphql(rails, QUERY_18_9, { workflowId: gid(id) })).toEqual({
        data: { duoWorkflowWorkflows: { nodes: [] } },
      })
    }
  })

  it('refuses what GitLab’s schema refuses, with an errors member', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    const refused = async (query: string, variables: unknown) => {
      const answer = await graphql(rails, query, variables)
      expect(answer.errors?.length, query).toBeGreaterThan(0)
      return answer.errors?.map((e) => e.message).join('\n')
    }
    const unknownField = QUERY_18_9.replace('mcpEnabled', 'mcpEnabled\n      secretSauce')
    expect(await refused(unknownField, { workflowId: gid(id) })).toContain('secretSauce')
    expect(
      await refused(QUERY_18_9.replace('AiDuoWorkflowsWorkflowID!', 'ID!'), { workflowId: gid(id) }),
    ).toContain('$workflowId')
    expect(await refused(QUERY_18_9, { workflowId: id })).toContain('is not a valid Global ID')
    expect(await refused(QUERY_18_9, { workflowId: `gid://gitlab/Project/${id}` })).toContain(
      'is not a valid ID for Ai::DuoWorkflows::Workflow',
    )
    expect(await refused(QUERY_18_9, {})).toContain('$workflowId')
    expect(await refused('query { duoWorkflowWorkflows { nodes { project } } }', {})).toContain('project')
    expect(await refused('query { duoWorkflowWorkflows(', {})).toContain('Syntax Error')
    expect(await refused('query { workItem(id: "gid://gitlab/WorkItem/1") { title } }', {})).toContain(
      'workItem',
    )
    expect(await refused('', {})).toBe('No query string was present')
  })
})

describe('onGraphql', () => {
  it('lets a test answer other root fields, and sees the request', async () => {
    const rails = createFakeRails()
    const seen: unknown[] = []
    rails.onGraphql('workItem', (request) => {
      seen.push({ fields: request.rootFields, operation: request.operation, variables: request.variables })
      return { data: { item: { title: 'Cache misses <again>' } } }
    })
    const answer = await rails.handle({
      method: 'POST',
      path: '/api/graphql',
      body: JSON.stringify({
        query: 'query($id: WorkItemID!) { item: workItem(id: $id) { title } }',
        variables: { id: 'gid://gitlab/WorkItem/101' },
      }),
    })
    expect(answer).toEqual({
      statusCode: 200,
      body: '{"data":{"item":{"title":"Cache misses \\u003cagain\\u003e"}}}',
    })
    expect(seen).toEqual([
      { fields: ['workItem'], operation: 'query', variables: { id: 'gid://gitlab/WorkItem/101' } },
    ])
  })

  it('matches mutations by predicate, and leaves the workflow query to the built-in schema', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    rails.onGraphql(
      (request) => request.operation === 'mutation',
      () => ({ errors: [{ message: 'The resource that you are attempting to access does not exist' }] }),
    )
    const mutation = await graphql(rails, 'mutation { createNote(input: {}) { errors } }')
    expect(mutation).toEqual({
      errors: [{ message: 'The resource that you are attempting to access does not exist' }],
    })
    expect(
      (await graphql(rails, QUERY_18_9, { workflowId: gid(id) })).data?.duoWorkflowWorkflows.nodes,
    ).toHaveLength(1)
  })
})
