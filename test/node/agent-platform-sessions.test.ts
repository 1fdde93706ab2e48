/**
 * What the different clients and settings of an Agentic Chat session change (spec §4, §5, §6, §8,
 * §10): self-hosted billing, incremental streaming, a conversation GitLab's own service started,
 * the web UI's reconnect, slash commands, an approval the user moves past, the IDE's local tools,
 * MCP tools, approvals remembered by GitLab, malformed tool calls, and the unary RPCs GitLab's admin
 * health check and IDE token flow call.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { argumentsHash } from '../../src/agent-platform/approvals.ts'
import type { Action } from '../../src/agent-platform/contract.ts'
import { Status } from '../../src/agent-platform/service.ts'
import { fixture } from '../contract/agent-platform-checkpoint.cases.ts'
import { bodyOf } from '../contract/model-server-client.ts'
import { answerStep, mergedLog, startHarness, toolCallStep, type Harness } from './agent-platform-harness.ts'

let h: Harness
beforeAll(async () => {
  h = await startHarness({
    env: { DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY: inject('gatewayKeys').signing },
  })
  h.rails.extend('GET', '/api/v4/projects/:id/merge_requests/:merge_request_iid', ({ params }) => ({
    statusCode: 200,
    json: { id: 77, iid: Number(params.merge_request_iid), title: 'Cache fix', state: 'opened' },
  }))
  h.rails.extend('POST', '/api/v4/projects/:id/merge_requests/:merge_request_iid/notes', () => ({
    statusCode: 201,
    json: { id: 1, body: 'ok' },
  }))
}, 30_000)
afterAll(() => h?.close())

const kinds = (actions: readonly Action[]) =>
  actions.map((a) =>
    a.runHTTPRequest
      ? `${a.runHTTPRequest.method} ${a.runHTTPRequest.path.split('?')[0]}`
      : Object.keys(a).find((k) => k !== 'requestID' && a[k as keyof Action]),
  )

describe('self-hosted billing (spec §10)', () => {
  it('header true: trackLlmCallForSelfHosted before every model call, answered before the model is called', async () => {
    await h.model.script(
      toolCallStep([
        { id: 'c1', name: 'get_merge_request', arguments: { project_id: 1, merge_request_iid: 2 } },
      ]),
      answerStep(['Done.']),
    )
    const id = h.rails.addWorkflow()
    const result = await h.turn(
      { workflowID: id, goal: 'MR 2?' },
      { metadata: { 'x-gitlab-self-hosted-dap-billing-enabled': 'TRUE' } },
    )
    expect(result.code, result.details).toBe(Status.OK)
    const tracks = result.actions.filter((a) => a.trackLlmCallForSelfHosted)
    expect(tracks).toHaveLength(2)
    expect(tracks[0]!.trackLlmCallForSelfHosted).toEqual({
      workflowID: id,
      featureQualifiedName: 'chat',
      featureAiCatalogItem: false,
    })
    // Each one comes before the model call it bills: after the input checkpoint, and after the tool ran.
    const sequence = kinds(result.actions).filter((k) => k !== 'newCheckpoint')
    expect(sequence.indexOf('trackLlmCallForSelfHosted')).toBeLessThan(
      sequence.indexOf('GET /api/v4/projects/1/merge_requests/2'),
    )
    expect(sequence.lastIndexOf('trackLlmCallForSelfHosted')).toBeGreaterThan(
      sequence.indexOf('GET /api/v4/projects/1/merge_requests/2'),
    )
  })

  it('header false or absent: never', async () => {
    for (const value of ['false', '']) {
      await h.model.script(answerStep(['Hi.']))
      const result = await h.turn(
        { workflowID: h.rails.addWorkflow(), goal: 'Hi' },
        { metadata: { 'x-gitlab-self-hosted-dap-billing-enabled': value } },
      )
      expect(result.code).toBe(Status.OK)
      expect(result.actions.some((a) => a.trackLlmCallForSelfHosted)).toBe(false)
    }
  })

  it('a billing call GitLab cannot record fails the turn rather than calling the model unbilled', async () => {
    const id = h.rails.addWorkflow()
    const before = (await h.model.requests()).length
    const result = await h.turn(
      { workflowID: id, goal: 'Hi' },
      {
        metadata: { 'x-gitlab-self-hosted-dap-billing-enabled': 'true' },
        billing: () => ({
          plainTextResponse: { response: '', error: 'cloud service stream not initialized' },
        }),
      },
    )
    expect(result.code).toBe(Status.INTERNAL)
    expect(result.checkpoints.at(-1)!.log.at(-1)!.content).toMatch(
      /billing.*cloud service stream not initialized/,
    )
    expect((await h.model.requests()).length).toBe(before)
  })
})

describe('streaming (spec §5.4)', () => {
  it('without incremental_streaming every checkpoint carries the whole log', async () => {
    await h.model.script(answerStep(['One ', 'two ', 'three.']))
    const result = await h.turn({ workflowID: h.rails.addWorkflow(), goal: 'Count', clientCapabilities: [] })
    for (const checkpoint of result.checkpoints.slice(1))
      expect(checkpoint.log[0]).toMatchObject({ message_type: 'user', content: 'Count' })
  })

  it('with it, each checkpoint starts at the entry sent last', async () => {
    await h.model.script(answerStep(['One ', 'two ', 'three.'], { delayMs: 30 }))
    const result = await h.turn({ workflowID: h.rails.addWorkflow(), goal: 'Count' })
    expect(result.checkpoints.length).toBeGreaterThan(2)
    // Each checkpoint repeats only the entry sent last (it may have grown), then what is new.
    for (const [i, checkpoint] of result.checkpoints.entries()) {
      if (i === 0) continue
      expect(checkpoint.log[0]!.message_id).toBe(result.checkpoints[i - 1]!.log.at(-1)!.message_id)
    }
    expect(result.checkpoints.at(-1)!.log.map((e) => e.message_type)).toEqual(['agent'])
  })
})

describe('continuing conversations', () => {
  it("a thread GitLab's own service wrote goes on here: the model sees its history", async () => {
    await h.model.script(answerStep(['Still about the cache.']))
    const id = h.rails.addWorkflow({ status: 'input_required', checkpoints: [fixture] })
    const result = await h.turn({ workflowID: id, goal: 'And the fix?' })
    expect(result.code, result.details).toBe(Status.OK)
    const messages = bodyOf((await h.model.requests()).at(-1)!).messages as Record<string, unknown>[]
    expect(messages.find((m) => m.role === 'assistant' && Array.isArray(m.tool_calls))).toMatchObject({
      tool_calls: [{ id: 'call_hz1', function: { name: 'get_work_item' } }],
    })
    expect(messages.at(-1)!.content).toContain('And the fix?')
    // The first checkpoint shown is the whole conversation, GitLab's entries first.
    expect(result.checkpoints[0]!.log[0]!.message_id).toBe('user-86f9b0f4-8320-4c5b-91de-8eba7585df66')
    expect(h.rails.ruleBreaks(id)).toEqual([])
  })

  it("the web UI's reconnect (empty goal, status running): nothing added, no model call for an answered conversation", async () => {
    const id = h.rails.addWorkflow({ status: 'running', checkpoints: [fixture] })
    const before = (await h.model.requests()).length
    const result = await h.turn({ workflowID: id, goal: '' })
    expect(result.code, result.details).toBe(Status.OK)
    expect((await h.model.requests()).length).toBe(before)
    expect(h.rails.statusEvents(id).map((e) => e.event)).toEqual(['retry', 'require_input'])
    expect(mergedLog(result.checkpoints).filter((e) => e.message_type === 'user')).toHaveLength(2)
  })

  it('an unknown slash command is answered without a model call', async () => {
    const before = (await h.model.requests()).length
    const result = await h.turn({ workflowID: h.rails.addWorkflow(), goal: '/frobnicate the build' })
    expect(result.code).toBe(Status.OK)
    expect(mergedLog(result.checkpoints).at(-1)!.content).toBe("The command '/frobnicate' does not exist.")
    expect((await h.model.requests()).length).toBe(before)
  })

  it('a new message instead of an approval: the waiting call is answered "cancelled" and the model answers the message', async () => {
    await h.model.script(
      toolCallStep([
        {
          id: 'pend',
          name: 'create_merge_request_note',
          arguments: { project_id: 1, merge_request_iid: 3, body: 'x' },
        },
      ]),
      answerStep(['Sure, something else.']),
    )
    const id = h.rails.addWorkflow()
    await h.turn({ workflowID: id, goal: 'Comment' })
    const result = await h.turn({ workflowID: id, goal: 'Never mind, what time is it?' })
    expect(result.code, result.details).toBe(Status.OK)
    const messages = bodyOf((await h.model.requests()).at(-1)!).messages as Record<string, unknown>[]
    const cancelled = messages.find((m) => m.role === 'tool' && m.tool_call_id === 'pend')!
    expect(String(cancelled.content)).toMatch(/cancelled/)
    expect(result.http.some((line) => line.includes('/notes'))).toBe(false)
  })
})

describe('approvals GitLab remembers (toolCallApprovals)', () => {
  it('a call whose arguments the user approved before runs without asking', async () => {
    const args = { project_id: 1, merge_request_iid: 3, body: 'Looks good — ✓' }
    await h.model.script(
      toolCallStep([{ id: 'ok1', name: 'create_merge_request_note', arguments: args }]),
      answerStep(['Posted.']),
    )
    const id = h.rails.addWorkflow({
      toolCallApprovals: { create_merge_request_note: { call_args: [await argumentsHash(args)] } },
    })
    const result = await h.turn({ workflowID: id, goal: 'Comment' })
    expect(result.code, result.details).toBe(Status.OK)
    expect(result.http).toContain('POST /api/v4/projects/1/merge_requests/3/notes')
    expect(result.checkpoints.at(-1)!.status).toBe('INPUT_REQUIRED')
  })

  it('other arguments still ask', async () => {
    await h.model.script(
      toolCallStep([
        {
          id: 'ok2',
          name: 'create_merge_request_note',
          arguments: { project_id: 1, merge_request_iid: 3, body: 'other' },
        },
      ]),
    )
    const id = h.rails.addWorkflow({
      toolCallApprovals: { create_merge_request_note: { call_args: [await argumentsHash({ body: 'x' })] } },
    })
    const result = await h.turn({ workflowID: id, goal: 'Comment' })
    expect(result.checkpoints.at(-1)!.status).toBe('TOOL_CALL_APPROVAL_REQUIRED')
  })
})

describe('the IDE and MCP (spec §12.2)', () => {
  it("the IDE's read_file runs as a client action (pre-approved for IDE workflows)", async () => {
    await h.model.script(
      toolCallStep([{ id: 'rf', name: 'read_file', arguments: { file_path: 'src/app.ts' } }]),
      answerStep(['It exports an app.']),
    )
    const id = h.rails.addWorkflow({ client: 'ide' })
    const result = await h.turn(
      {
        workflowID: id,
        goal: 'What is in src/app.ts?',
        clientCapabilities: ['incremental_streaming', 'shell_command'],
      },
      {
        metadata: { 'x-gitlab-client-type': 'vscode', 'x-gitlab-language-server-version': '8.60.0' },
        client: (action) =>
          action.runReadFile
            ? { plainTextResponse: { response: 'export const app = 1\n', error: '' } }
            : undefined,
      },
    )
    expect(result.code, result.details).toBe(Status.OK)
    expect(result.actions.find((a) => a.runReadFile)!.runReadFile).toMatchObject({ filepath: 'src/app.ts' })
    const messages = bodyOf((await h.model.requests()).at(-1)!).messages as Record<string, unknown>[]
    expect(String(messages.find((m) => m.role === 'tool')!.content)).toContain('export const app = 1')
  })

  it('a path on the deny list is refused without asking the client', async () => {
    await h.model.script(
      toolCallStep([{ id: 'env', name: 'read_file', arguments: { file_path: '.env' } }]),
      answerStep(['I may not read it.']),
    )
    const result = await h.turn(
      { workflowID: h.rails.addWorkflow({ client: 'ide' }), goal: 'Show .env' },
      {
        metadata: { 'x-gitlab-language-server-version': '8.60.0' },
        client: () => ({ plainTextResponse: { response: 'SECRET=1', error: '' } }),
      },
    )
    expect(result.code).toBe(Status.OK)
    expect(result.actions.some((a) => a.runReadFile)).toBe(false)
    expect(mergedLog(result.checkpoints).find((e) => e.message_type === 'tool')).toMatchObject({
      status: 'failure',
    })
  })

  it('a language server older than 7.43.0 gets no tools', async () => {
    await h.model.script(answerStep(['No tools here.']))
    await h.turn(
      { workflowID: h.rails.addWorkflow({ client: 'ide' }), goal: 'Hi' },
      { metadata: { 'x-gitlab-language-server-version': '7.42.9' } },
    )
    expect(bodyOf((await h.model.requests()).at(-1)!).tools).toBeUndefined()
  })

  it("an MCP tool from the start request runs as runMCPTool under its own name, after the user's approval", async () => {
    await h.model.script(
      toolCallStep([{ id: 'm1', name: 'jira_get-ticket', arguments: { key: 'OPS-1' } }]),
      answerStep(['OPS-1 is open.']),
    )
    const id = h.rails.addWorkflow({ mcpEnabled: true })
    const mcpTools = [
      {
        name: 'jira.get-ticket',
        description: 'Reads a Jira ticket',
        inputSchema: '{"type":"object","properties":{"key":{"type":"string"}}}',
      },
    ]
    const asked = await h.turn({ workflowID: id, goal: 'OPS-1?', mcpTools })
    expect(asked.checkpoints.at(-1)!.status).toBe('TOOL_CALL_APPROVAL_REQUIRED')
    const offered = bodyOf((await h.model.requests()).at(-1)!).tools as {
      function: { name: string; description: string }
    }[]
    const mcp = offered.find((t) => t.function.name === 'jira_get-ticket')!
    expect(mcp.function.description).toContain('Reads a Jira ticket')
    const approved = await h.turn(
      { workflowID: id, goal: '', approval: { approval: {} }, mcpTools },
      {
        client: (action) =>
          action.runMCPTool ? { plainTextResponse: { response: '{"status":"open"}', error: '' } } : undefined,
      },
    )
    expect(approved.code, approved.details).toBe(Status.OK)
    expect(approved.actions.find((a) => a.runMCPTool)!.runMCPTool).toEqual({
      name: 'jira.get-ticket',
      args: '{"key":"OPS-1"}',
    })
  })

  it('MCP tools pre-approved by name (Workhorse) run without asking', async () => {
    await h.model.script(
      toolCallStep([{ id: 'm2', name: 'search_docs', arguments: { q: 'x' } }]),
      answerStep(['Found.']),
    )
    const id = h.rails.addWorkflow({ mcpEnabled: true })
    const result = await h.turn(
      {
        workflowID: id,
        goal: 'Search',
        mcpTools: [{ name: 'search_docs', description: 'Search', inputSchema: '{}' }],
        preapproved_tools: ['search_docs'],
      },
      {
        client: (action) =>
          action.runMCPTool ? { plainTextResponse: { response: 'hit', error: '' } } : undefined,
      },
    )
    expect(result.code).toBe(Status.OK)
    expect(result.actions.find((a) => a.runMCPTool)!.runMCPTool).toEqual({
      name: 'search_docs',
      args: '{"q":"x"}',
    })
    expect(result.checkpoints.at(-1)!.status).toBe('INPUT_REQUIRED')
  })
})

describe('what the model gets wrong', () => {
  it('arguments that are not JSON: the model is told, the chat shows a failed call, the turn goes on', async () => {
    await h.model.script(
      toolCallStep([
        { id: 'bad', name: 'get_merge_request', arguments: '{"project_id": 1, "merge_request_iid": ' },
      ]),
      answerStep(['Let me retry differently.']),
    )
    const result = await h.turn({ workflowID: h.rails.addWorkflow(), goal: 'MR?' })
    expect(result.code, result.details).toBe(Status.OK)
    const tool = mergedLog(result.checkpoints).find((e) => e.message_type === 'tool')!
    expect(tool).toMatchObject({ status: 'failure', message_id: 'bad' })
    const messages = bodyOf((await h.model.requests()).at(-1)!).messages as Record<string, unknown>[]
    expect(String(messages.find((m) => m.role === 'tool')!.content)).toMatch(/not valid JSON/)
  })

  it('a tool it made up: answered "not found", no chat entry', async () => {
    await h.model.script(
      toolCallStep([{ id: 'x', name: 'launch_rockets', arguments: {} }]),
      answerStep(['Sorry.']),
    )
    const result = await h.turn({ workflowID: h.rails.addWorkflow(), goal: 'Go' })
    expect(result.code).toBe(Status.OK)
    expect(
      mergedLog(result.checkpoints).some((e) => e.message_type === 'tool' || e.message_type === 'request'),
    ).toBe(false)
    const messages = bodyOf((await h.model.requests()).at(-1)!).messages as Record<string, unknown>[]
    expect(messages.find((m) => m.role === 'tool')!.content).toBe('Tool launch_rockets not found')
  })
})

describe('unary RPCs through the Node entry (spec §9)', () => {
  it("ListTools (GitLab's admin health check) lists the tools in OpenAI format; ListFlows none", async () => {
    const metadata = await h.metadata()
    const tools = await h.workhorse.listTools(metadata)
    expect(tools.code).toBe(Status.OK)
    const names = tools.response!.tools.map((t) => (t.function as { name: string }).name)
    expect(names).toEqual(
      expect.arrayContaining([
        'get_merge_request',
        'create_merge_request_note',
        'read_file',
        'run_command',
        'gitlab_documentation_search',
      ]),
    )
    expect(tools.response!.tools[0]).toMatchObject({
      type: 'function',
      function: { parameters: { type: 'object' } },
    })
    expect((await h.workhorse.listFlows(metadata)).response).toEqual({ configs: [] })
    expect((await h.workhorse.listTools({})).code).toBe(Status.UNAUTHENTICATED)
  })

  it('GenerateToken mints a token ExecuteWorkflow accepts for the same user', async () => {
    const rails = await h.metadata({ 'x-gitlab-client-type': 'gitlab-rails' })
    const minted = await h.workhorse.generateToken(rails)
    expect(minted.code, minted.details).toBe(Status.OK)
    await h.model.script(answerStep(['Hello from the IDE.']))
    const result = await h.turn(
      { workflowID: h.rails.addWorkflow(), goal: 'Hi' },
      { metadata: { authorization: `Bearer ${minted.response!.token}` } },
    )
    expect(result.code, result.details).toBe(Status.OK)
  })
})
