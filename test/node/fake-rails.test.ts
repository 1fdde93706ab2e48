/**
 * The fake Rails itself (test/fakes/rails.ts): the workflow status state machine, the workflow REST
 * entity, routing, extensions and fault injection. Checkpoints and GraphQL: fake-rails-*.test.ts.
 * Expectations are restated from duo-workflow-contract.md §5.6/§7.2, not read from the fake.
 */
import { describe, expect, it } from 'vitest'
import { createFakeRails, type FakeRails } from '../fakes/rails.ts'

const STATUSES = [
  'created',
  'running',
  'paused',
  'finished',
  'failed',
  'stopped',
  'input_required',
  'plan_approval_required',
  'tool_call_approval_required',
] as const
type Status = (typeof STATUSES)[number]

// §5.6: the events, where each may start from, and where it leads.
const AWAITING: Status[] = [
  'paused',
  'input_required',
  'plan_approval_required',
  'tool_call_approval_required',
]
const TABLE: Record<string, { from: Status[]; to: Status }> = {
  start: { from: ['created'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  require_input: { from: ['running'], to: 'input_required' },
  require_plan_approval: { from: ['running'], to: 'plan_approval_required' },
  require_tool_call_approval: { from: ['running'], to: 'tool_call_approval_required' },
  finish: { from: ['running'], to: 'finished' },
  resume: { from: AWAITING, to: 'running' },
  retry: { from: ['running', 'stopped', 'failed'], to: 'running' },
  drop: { from: ['created', 'running', ...AWAITING], to: 'failed' },
  stop: { from: ['created', 'running', ...AWAITING], to: 'stopped' },
}

const WORKFLOWS = '/api/v4/ai/duo_workflows/workflows'

async function call(rails: FakeRails, method: string, path: string, body?: unknown) {
  const response = await rails.handle({
    method,
    path,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  return {
    status: response.statusCode,
    json: JSON.parse(response.body) as Record<string, unknown>,
    text: response.body,
  }
}

describe('workflow status (PATCH …/workflows/:id)', () => {
  it('follows Rails’ transition table for every event from every status', async () => {
    const rails = createFakeRails()
    let checked = 0
    for (const status of STATUSES) {
      for (const [event, rule] of Object.entries(TABLE)) {
        const id = rails.addWorkflow({ status })
        const { status: code, json } = await call(rails, 'PATCH', `${WORKFLOWS}/${id}`, {
          status_event: event,
        })
        const after = (await call(rails, 'GET', `${WORKFLOWS}/${id}`)).json.status
        const label = `${event} from ${status}`
        if (rule.to === status) {
          // "already in status": 200 and nothing changes, even where the event is not allowed (start while running).
          expect(code, label).toBe(200)
          expect(after, label).toBe(status)
          expect(rails.statusEvents(id)[0]?.outcome, label).toBe('already')
        } else if (rule.from.includes(status)) {
          expect(code, label).toBe(200)
          expect(after, label).toBe(rule.to)
          expect((json.workflow as { id: number }).id, label).toBe(Number(id))
        } else {
          expect(code, label).toBe(400)
          expect(json, label).toEqual({
            message: `Can not ${event} workflow that has status ${status.replaceAll('_', ' ')}`,
          })
          expect(after, label).toBe(status)
        }
        checked++
      }
    }
    expect(checked).toBe(90)
  })

  it('words refusals with the human status name, as the contract quotes them', async () => {
    const rails = createFakeRails()
    const patch = async (status: Status, event: string) =>
      (await call(rails, 'PATCH', `${WORKFLOWS}/${rails.addWorkflow({ status })}`, { status_event: event }))
        .json
    expect(await patch('paused', 'retry')).toEqual({
      message: 'Can not retry workflow that has status paused',
    })
    expect(await patch('finished', 'retry')).toEqual({
      message: 'Can not retry workflow that has status finished',
    })
    expect(await patch('created', 'resume')).toEqual({
      message: 'Can not resume workflow that has status created',
    })
    expect(await patch('tool_call_approval_required', 'finish')).toEqual({
      message: 'Can not finish workflow that has status tool call approval required',
    })
  })

  it('walks a chat thread: start, require_input, resume, require_tool_call_approval, resume, stop, retry', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    const events = [
      'start',
      'require_input',
      'resume',
      'require_tool_call_approval',
      'resume',
      'stop',
      'retry',
      'drop',
      'retry',
    ]
    for (const status_event of events)
      expect((await call(rails, 'PATCH', `${WORKFLOWS}/${id}`, { status_event })).status).toBe(200)
    expect(rails.workflow(id).status).toBe('running')
    expect(rails.statusEvents(id).map((e) => `${e.from}>${e.to}`)).toEqual([
      'created>running',
      'running>input_required',
      'input_required>running',
      'running>tool_call_approval_required',
      'tool_call_approval_required>running',
      'running>stopped',
      'stopped>running',
      'running>failed',
      'failed>running',
    ])
  })

  it('answers the success payload with the row, status as stored', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow({ goal: 'Why?' })
    const { json } = await call(rails, 'PATCH', `${WORKFLOWS}/${id}`, { status_event: 'start' })
    expect(json.workflow).toMatchObject({
      id: Number(id),
      user_id: 1,
      project_id: 1,
      status: 1,
      goal: 'Why?',
      workflow_definition: 'chat',
    })
  })

  it('refuses unknown events, bad parameters, other users’ and unknown workflows', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    expect(await call(rails, 'PATCH', `${WORKFLOWS}/${id}`, { status_event: 'explode' })).toMatchObject({
      status: 400,
      json: { message: 'Can not update workflow status, unsupported event: explode' },
    })
    expect(await call(rails, 'PATCH', `${WORKFLOWS}/${id}`, {})).toMatchObject({
      status: 400,
      json: { error: 'status_event is missing' },
    })
    expect(await call(rails, 'PATCH', `${WORKFLOWS}/${id}`, { status_event: ['start'] })).toMatchObject({
      status: 400,
      json: { error: 'status_event is invalid' },
    })
    expect(await call(rails, 'PATCH', `${WORKFLOWS}/abc`, { status_event: 'start' })).toMatchObject({
      status: 400,
      json: { error: 'id is invalid' },
    })
    expect(await call(rails, 'PATCH', `${WORKFLOWS}/999`, { status_event: 'start' })).toMatchObject({
      status: 404,
      json: { message: '404 Not found' },
    })
    const theirs = rails.addWorkflow({ userId: 2 })
    expect(await call(rails, 'PATCH', `${WORKFLOWS}/${theirs}`, { status_event: 'start' })).toMatchObject({
      status: 404,
    })
    const hidden = rails.addWorkflow({ forbidden: true })
    expect(await call(rails, 'PATCH', `${WORKFLOWS}/${hidden}`, { status_event: 'start' })).toMatchObject({
      status: 403,
      json: { message: '403 Forbidden' },
    })
    expect(rails.workflow(id).status).toBe('created')
    expect(rails.workflow(theirs).status).toBe('created')
  })
})

describe('workflow entity (GET …/workflows/:id)', () => {
  it('presents the 18.9 Workflow entity with web chat privileges by default', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow({ mcpEnabled: true })
    expect((await call(rails, 'GET', `${WORKFLOWS}/${id}`)).json).toEqual({
      id: Number(id),
      project_id: 1,
      namespace_id: null,
      agent_privileges: [2, 3],
      agent_privileges_names: ['read_only_gitlab', 'read_write_gitlab'],
      pre_approved_agent_privileges: [2],
      pre_approved_agent_privileges_names: ['read_only_gitlab'],
      workflow_definition: 'chat',
      status: 'created',
      allow_agent_to_request_user: true,
      image: null,
      environment: 'web',
      ai_catalog_item_version_id: null,
      workload: null,
      mcp_enabled: true,
      gitlab_url: 'http://gitlab.example.com',
    })
  })

  it('gives IDE-created workflows all six privileges, two pre-approved', async () => {
    const rails = createFakeRails()
    const { json } = await call(rails, 'GET', `${WORKFLOWS}/${rails.addWorkflow({ client: 'ide' })}`)
    expect(json.agent_privileges).toEqual([1, 2, 3, 4, 5, 6])
    expect(json.pre_approved_agent_privileges_names).toEqual(['read_write_files', 'read_only_gitlab'])
  })

  it('refuses setups Rails would not store', () => {
    const rails = createFakeRails()
    expect(() =>
      rails.addWorkflow({
        agentPrivileges: ['read_only_gitlab'],
        preApprovedAgentPrivileges: ['read_write_files'],
      }),
    ).toThrow(/pre-approved/)
    expect(() => rails.addWorkflow({ agentPrivileges: ['fly' as never] })).toThrow(/unknown agent privilege/)
    expect(() => rails.addWorkflow({ project: {}, namespace: {} })).toThrow(/not both/)
    rails.addWorkflow({ id: 5 })
    expect(() => rails.addWorkflow({ id: 5 })).toThrow(/already/)
  })
})

describe('routing, extensions and faults', () => {
  it('routes extensions with decoded path parameters and Rack-style queries', async () => {
    const rails = createFakeRails()
    rails.extend('GET', '/api/v4/projects/:id/issues/:issue_iid', (ctx) => ({
      statusCode: 200,
      json: { params: ctx.params, query: ctx.query },
    }))
    const { status, json } = await call(
      rails,
      'GET',
      '/api/v4/projects/gitlab-org%2Fdemo/issues/7?labels[]=a&labels[]=b&state=opened',
    )
    expect(status).toBe(200)
    expect(json).toEqual({
      params: { id: 'gitlab-org/demo', issue_iid: '7' },
      query: { labels: ['a', 'b'], state: 'opened' },
    })
  })

  it('answers unknown routes and methods as Grape does, and refuses a body that is not JSON', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    expect(await call(rails, 'GET', '/api/v4/nothing/here')).toMatchObject({
      status: 404,
      json: { error: '404 Not Found' },
    })
    expect(await call(rails, 'DELETE', `${WORKFLOWS}/${id}`)).toMatchObject({
      status: 405,
      json: { error: '405 Not Allowed' },
    })
    expect(await call(rails, 'PATCH', `${WORKFLOWS}/${id}`, '{"status_event": "start"')).toMatchObject({
      status: 400,
      json: { error: 'message body does not match declared format' },
    })
    expect(rails.workflow(id).status).toBe('created')
  })

  it('answers 500 without details when an extension throws, and keeps the error for the test', async () => {
    const rails = createFakeRails()
    rails.extend('GET', '/api/v4/boom', () => {
      throw new Error('secret detail')
    })
    const { status, text } = await call(rails, 'GET', '/api/v4/boom')
    expect(status).toBe(500)
    expect(text).toBe('{"message":"500 Internal Server Error"}')
    expect(rails.errors).toHaveLength(1)
  })

  it('fails the next matching request once, then behaves again', async () => {
    const rails = createFakeRails()
    const id = rails.addWorkflow()
    rails.failNext(`PATCH ${WORKFLOWS}/:id`, { statusCode: 502, body: 'Bad Gateway' })
    const get = await rails.handle({ method: 'GET', path: `${WORKFLOWS}/${id}` })
    expect(get.statusCode).toBe(200)
    const first = await rails.handle({
      method: 'PATCH',
      path: `${WORKFLOWS}/${id}`,
      body: '{"status_event":"start"}',
    })
    expect(first).toEqual({ statusCode: 502, body: 'Bad Gateway' })
    expect(rails.workflow(id).status).toBe('created')
    const second = await rails.handle({
      method: 'PATCH',
      path: `${WORKFLOWS}/${id}`,
      body: '{"status_event":"start"}',
    })
    expect(second.statusCode).toBe(200)
    expect(rails.requests.map((r) => `${r.method} ${r.statusCode}`)).toEqual([
      'GET 200',
      'PATCH 502',
      'PATCH 200',
    ])
    expect(rails.requests[1]?.body).toEqual({ status_event: 'start' })
  })

  it('hangs a request until released, and delays answers by latencyMs', async () => {
    const rails = createFakeRails({ latencyMs: 60 })
    const id = rails.addWorkflow()
    rails.failNext(/^GET .*\/workflows\/\d+$/, 'hang')
    let settled = false
    const hanging = rails
      .handle({ method: 'GET', path: `${WORKFLOWS}/${id}` })
      .then((r) => ((settled = true), r))
    const started = Date.now()
    const other = await rails.handle({ method: 'GET', path: `${WORKFLOWS}/${id}` })
    expect(other.statusCode).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(55)
    expect(settled).toBe(false)
    expect(rails.requests[0]?.statusCode).toBeUndefined()
    expect(rails.releaseHung()).toBe(1)
    expect((await hanging).statusCode).toBe(504)
  })
})
