/**
 * Agentic Chat turns end to end (spec §5, §12.1): a fake Workhorse drives the real Node entry's
 * gRPC port, the fake Rails answers what Workhorse relays, and the fake model server streams
 * OpenAI chat completions with tool calls. What GitLab sees is checked on the wire: the actions
 * and their order, the chat shown, the status events, the checkpoints Rails stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Status } from '../../src/agent-platform/service.ts'
import { bodyOf } from '../contract/model-server-client.ts'
import { createToolData } from '../fakes/rails/tool-data.ts'
import { installToolEndpoints } from '../fakes/rails/tool-endpoints.ts'
import { installWorkItemsGraphql } from '../fakes/rails/work-items-graphql.ts'
import { answerStep, mergedLog, startHarness, toolCallStep, type Harness } from './agent-platform-harness.ts'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
  // A read tool's REST endpoint as Rails serves it.
  h.rails.extend('GET', '/api/v4/projects/:id/merge_requests/:merge_request_iid', ({ params }) => ({
    statusCode: 200,
    json: {
      id: 501,
      iid: Number(params.merge_request_iid),
      project_id: 1,
      title: 'Fix pipeline cache misses',
      description: 'Keys the cache on the lock file.',
      state: 'opened',
    },
  }))
}, 30_000)
afterAll(() => h?.close())

describe('a first question without tools', () => {
  it('bootstraps, saves the input, streams the answer, ends input_required with OK', async () => {
    await h.model.script(answerStep(['Pipelines ', 'run your ', 'CI jobs.']))
    const id = h.rails.addWorkflow()
    const result = await h.turn({ workflowID: id, goal: 'What is a pipeline?' })

    expect(result.code, result.details).toBe(Status.OK)
    expect(result.details).toBe('workflow execution success')
    // GitLab's order: the workflow query, the start event, the input checkpoint ... require_input, the last checkpoint, the read.
    expect(result.http[0]).toBe('POST /api/graphql')
    expect(result.http[1]).toBe(`PATCH /api/v4/ai/duo_workflows/workflows/${id}`)
    expect(result.http[2]).toBe(`POST /api/v4/ai/duo_workflows/workflows/${id}/checkpoints`)
    expect(result.http.slice(-3)).toEqual([
      `PATCH /api/v4/ai/duo_workflows/workflows/${id}`,
      `POST /api/v4/ai/duo_workflows/workflows/${id}/checkpoints`,
      `GET /api/v4/ai/duo_workflows/workflows/${id}`,
    ])
    expect(h.rails.statusEvents(id).map((e) => e.event)).toEqual(['start', 'require_input'])
    expect(h.rails.workflow(id).status).toBe('input_required')
    expect(h.rails.ruleBreaks(id)).toEqual([])

    const first = result.checkpoints[0]!
    expect(first.status).toBe('CREATED')
    expect(first.goal).toBe('What is a pipeline?')
    expect(first.log).toEqual([
      expect.objectContaining({ message_type: 'user', content: 'What is a pipeline?', status: 'success' }),
    ])
    const last = result.checkpoints.at(-1)!
    expect(last.status).toBe('INPUT_REQUIRED')
    const log = mergedLog(result.checkpoints)
    expect(log.map((e) => [e.message_type, e.content, e.status])).toEqual([
      ['user', 'What is a pipeline?', 'success'],
      ['agent', 'Pipelines run your CI jobs.', 'success'],
    ])
    // Streamed pieces carry the final entry's id, with status null.
    const agentId = log[1]!.message_id
    expect(agentId).toMatch(/^lc_run--/)
    const partials = result.checkpoints
      .flatMap((c) => c.log)
      .filter((e) => e.message_id === agentId && e.status === null)
    expect(partials.length).toBeGreaterThan(0)

    // The model call GitLab's service makes (spec Appendix D.11).
    const request = await h.model.onlyRequest()
    expect(request.path).toBe('/v1/chat/completions')
    expect(request.headers.authorization).toBe('Bearer model-key-9f8e7d')
    const body = bodyOf(request)
    expect(body).toMatchObject({ model: 'Qwen/Qwen3-32B', stream: true, max_tokens: 4096, temperature: 0 })
    const messages = body.messages as { role: string; content: string }[]
    expect(messages.slice(0, 2).map((m) => m.role)).toEqual(['system', 'system'])
    expect(messages.at(-1)).toMatchObject({ role: 'user' })
    expect(messages.at(-1)!.content).toContain('What is a pipeline?')
    expect((body.tools as unknown[]).length).toBeGreaterThan(5)

    // The stored checkpoint continues the thread: the answer is in the conversation.
    const stored = h.rails.checkpoints(id).at(-1)!
    const values = (stored.checkpoint as { channel_values: Record<string, unknown> }).channel_values
    expect(values.status).toBe('input_required')
    expect((values.conversation_history as Record<string, unknown[]>)['Chat Agent']).toHaveLength(2)
  })

  it('a follow-up turn resumes from the saved conversation', async () => {
    await h.model.script(answerStep(['First answer.']), answerStep(['Second answer.']))
    const id = h.rails.addWorkflow()
    expect((await h.turn({ workflowID: id, goal: 'First question' })).code).toBe(Status.OK)
    const second = await h.turn({ workflowID: id, goal: 'Second question' })
    expect(second.code, second.details).toBe(Status.OK)
    expect(h.rails.statusEvents(id).map((e) => e.event)).toEqual([
      'start',
      'require_input',
      'resume',
      'require_input',
    ])
    // The resumed stream first shows the whole conversation (incremental streaming starts from the beginning).
    expect(second.checkpoints[0]!.status).toBe('RUNNING')
    expect(second.checkpoints[0]!.log.map((e) => e.content)).toEqual([
      'First question',
      'First answer.',
      'Second question',
    ])
    const requests = await h.model.requests()
    const messages = bodyOf(requests.at(-1)!).messages as { role: string; content: string }[]
    expect(messages.slice(2).map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
    expect(messages[3]!.content).toBe('First answer.')
  })
})

describe('tools', () => {
  it('reads an issue through get_work_item (GitLab GraphQL through Workhorse) and answers', async () => {
    // Its own harness: the tool endpoints replace the fake Rails' default answers the other tests use.
    const own = await startHarness()
    try {
      const data = createToolData('http://gitlab.example.com')
      installToolEndpoints(own.rails, data)
      installWorkItemsGraphql(own.rails, data)
      await own.model.script(
        toolCallStep([
          {
            id: 'call_wi',
            name: 'get_work_item',
            arguments: { url: 'http://gitlab.example.com/gitlab-org/gitlab-test/-/issues/5' },
          },
        ]),
        answerStep(['Issue 5: login fails for nil users.']),
      )
      const id = own.rails.addWorkflow()
      const result = await own.turn({ workflowID: id, goal: 'Summarize issue #5' })
      expect(result.code, result.details).toBe(Status.OK)
      const graphqlCalls = result.http.filter((line) => line === 'POST /api/graphql')
      expect(graphqlCalls.length).toBe(2) // the workflow query, then the tool's
      const log = mergedLog(result.checkpoints)
      expect(log.map((e) => e.message_type)).toEqual(['user', 'tool', 'agent'])
      expect(log[1]).toMatchObject({ message_sub_type: 'get_work_item', status: 'success' })
      const messages = bodyOf((await own.model.requests()).at(-1)!).messages as Record<string, unknown>[]
      expect(String(messages.find((m) => m.role === 'tool')!.content)).toContain('Login fails for nil users')
    } finally {
      await own.close()
    }
  })

  it('runs a pre-approved read tool through Workhorse and answers with its result', async () => {
    await h.model.script(
      toolCallStep(
        [{ id: 'call_1', name: 'get_merge_request', arguments: { project_id: 1, merge_request_iid: 7 } }],
        { text: 'Let me look.' },
      ),
      answerStep(['MR 7 fixes cache misses.']),
    )
    const id = h.rails.addWorkflow()
    const result = await h.turn({ workflowID: id, goal: 'Summarize MR 7' })
    expect(result.code, result.details).toBe(Status.OK)
    expect(result.http).toContain('GET /api/v4/projects/1/merge_requests/7')
    const log = mergedLog(result.checkpoints)
    expect(log.map((e) => e.message_type)).toEqual(['user', 'agent', 'tool', 'agent'])
    const tool = log[2]!
    expect(tool).toMatchObject({
      message_sub_type: 'get_merge_request',
      status: 'success',
      message_id: 'call_1',
    })
    expect(tool.tool_info).toMatchObject({
      name: 'get_merge_request',
      args: { project_id: 1, merge_request_iid: 7 },
    })
    // The second model call carries the call and its result.
    const second = bodyOf((await h.model.requests()).at(-1)!)
    const messages = second.messages as Record<string, unknown>[]
    const assistant = messages.find((m) => m.role === 'assistant')!
    expect(assistant.tool_calls).toEqual([
      {
        id: 'call_1',
        type: 'function',
        function: { name: 'get_merge_request', arguments: '{"project_id":1,"merge_request_iid":7}' },
      },
    ])
    const toolMessage = messages.find((m) => m.role === 'tool')!
    expect(toolMessage.tool_call_id).toBe('call_1')
    expect(String(toolMessage.content)).toContain('Fix pipeline cache misses')
    expect(h.rails.statusEvents(id).map((e) => e.event)).toEqual(['start', 'require_input'])
  })

  it('asks before a write tool, runs it once approved, and answers', async () => {
    h.rails.extend('POST', '/api/v4/projects/:id/merge_requests/:merge_request_iid/notes', ({ params }) => ({
      statusCode: 201,
      json: { id: 9001, body: 'LGTM', noteable_iid: Number(params.merge_request_iid) },
    }))
    await h.model.script(
      toolCallStep([
        {
          id: 'call_w',
          name: 'create_merge_request_note',
          arguments: { project_id: 1, merge_request_iid: 3, body: 'LGTM' },
        },
      ]),
      answerStep(['Comment posted.']),
    )
    const id = h.rails.addWorkflow()
    const asking = await h.turn({ workflowID: id, goal: 'Approve MR 3 with a comment' })
    expect(asking.code, asking.details).toBe(Status.OK)
    expect(asking.checkpoints.at(-1)!.status).toBe('TOOL_CALL_APPROVAL_REQUIRED')
    const request = mergedLog(asking.checkpoints).at(-1)!
    expect(request).toMatchObject({
      message_type: 'request',
      message_id: 'request-call_w',
      tool_info: { name: 'create_merge_request_note' },
    })
    expect(asking.http.some((line) => line.includes('/notes'))).toBe(false)
    expect(h.rails.workflow(id).status).toBe('tool_call_approval_required')

    const approved = await h.turn({ workflowID: id, goal: '', approval: { approval: {} } })
    expect(approved.code, approved.details).toBe(Status.OK)
    expect(approved.http).toContain('POST /api/v4/projects/1/merge_requests/3/notes')
    expect(mergedLog(approved.checkpoints).at(-1)).toMatchObject({
      message_type: 'agent',
      content: 'Comment posted.',
    })
    expect(h.rails.statusEvents(id).map((e) => e.event)).toEqual([
      'start',
      'require_tool_call_approval',
      'resume',
      'require_input',
    ])
  })

  it('a denied call is not run; the model reads the refusal and the comment', async () => {
    await h.model.script(
      toolCallStep([
        {
          id: 'call_d',
          name: 'create_merge_request_note',
          arguments: { project_id: 1, merge_request_iid: 3, body: 'Ship it' },
        },
      ]),
      answerStep(['Understood, I will not comment.']),
    )
    const id = h.rails.addWorkflow()
    await h.turn({ workflowID: id, goal: 'Comment on MR 3' })
    const denied = await h.turn({
      workflowID: id,
      goal: '',
      approval: { rejection: { message: 'Not yet, wait for review' } },
    })
    expect(denied.code, denied.details).toBe(Status.OK)
    expect(denied.http.some((line) => line.includes('/notes'))).toBe(false)
    const messages = bodyOf((await h.model.requests()).at(-1)!).messages as Record<string, unknown>[]
    const toolMessage = messages.find((m) => m.role === 'tool')!
    expect(String(toolMessage.content)).toContain('Not yet, wait for review')
    expect(mergedLog(denied.checkpoints).map((e) => [e.message_type, e.content])).toContainEqual([
      'user',
      'Not yet, wait for review',
    ])
  })
})
