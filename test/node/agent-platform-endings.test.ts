/**
 * How Agentic Chat turns end other than with an answer (spec §5.8, §5.9, §3): the user stops the
 * chat, Workhorse or this server shuts down, the client hangs up, the model fails, no model is
 * configured, the caller may not chat, the definition is not served. Each time GitLab must be left
 * consistent (status event, checkpoint) and the user must see what happened; the model call is
 * cancelled whenever nobody waits for it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Status } from '../../src/agent-platform/service.ts'
import { instanceClaims, instanceToken, nowSeconds } from '../contract/gitlab.ts'
import { controlClock } from '../contract/harness.ts'
import { answerStep, mergedLog, startHarness, type Harness } from './agent-platform-harness.ts'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
}, 30_000)
afterAll(() => h?.close())

/** A slow answer: 20 pieces, 150 ms apart (3 s), so the turn can be stopped while it streams. */
const slowAnswer = () =>
  answerStep(
    Array.from({ length: 20 }, (_, i) => `piece ${i} `),
    { delayMs: 150 },
  )
const streaming = (action: { newCheckpoint?: { checkpoint: string } }) =>
  Boolean(action.newCheckpoint?.checkpoint.includes('piece 0'))

describe('the user stops the chat', () => {
  it('stopWorkflow: the model call is cancelled, GitLab told `stop`, the turn ends OK "stopped"', async () => {
    await h.model.script(slowAnswer())
    const id = h.rails.addWorkflow()
    let stopped = false
    const started = performance.now()
    const result = await h.turn(
      { workflowID: id, goal: 'Tell me a long story' },
      {
        observe: (action, turn) => {
          if (!stopped && streaming(action)) {
            stopped = true
            turn.stop('WORKHORSE_WEBSOCKET_CLOSE_1000')
          }
        },
      },
    )
    expect(result.code, result.details).toBe(Status.OK)
    expect(result.details).toBe('workflow execution stopped: stop')
    expect(performance.now() - started).toBeLessThan(2500)
    expect(h.rails.workflow(id).status).toBe('stopped')
    expect(h.rails.statusEvents(id).map((e) => e.event)).toEqual(['start', 'stop'])
    expect(result.checkpoints.at(-1)).toMatchObject({ status: 'STOPPED', log: [] })
    // The stopped state is saved: the next turn finds it.
    const saved = h.rails.checkpoints(id).at(-1)!.checkpoint as { channel_values: { status: string } }
    expect(saved.channel_values.status).toBe('Cancelled')
    expect((await h.model.waitForEarlyClose()).closedEarly).toBe(true)
    expect(h.rails.ruleBreaks(id)).toEqual([])
  })

  it('the next turn after a stop retries and answers', async () => {
    await h.model.script(slowAnswer(), answerStep(['Back again.']))
    const id = h.rails.addWorkflow()
    let stopped = false
    await h.turn(
      { workflowID: id, goal: 'First' },
      {
        observe: (action, turn) =>
          void (
            !stopped &&
            streaming(action) &&
            ((stopped = true), turn.stop('WORKHORSE_WEBSOCKET_CLOSE_1001'))
          ),
      },
    )
    const next = await h.turn({ workflowID: id, goal: 'Second' })
    expect(next.code, next.details).toBe(Status.OK)
    expect(h.rails.statusEvents(id).map((e) => e.event)).toEqual(['start', 'stop', 'retry', 'require_input'])
    expect(mergedLog(next.checkpoints).map((e) => e.content)).toEqual(['First', 'Second', 'Back again.'])
  })

  it("Workhorse's shutdown: the same wrap-up, and the turn ends UNAVAILABLE", async () => {
    await h.model.script(slowAnswer())
    const id = h.rails.addWorkflow()
    let stopped = false
    const result = await h.turn(
      { workflowID: id, goal: 'Long one' },
      {
        observe: (action, turn) =>
          void (!stopped && streaming(action) && ((stopped = true), turn.stop('WORKHORSE_SERVER_SHUTDOWN'))),
      },
    )
    expect(result.code).toBe(Status.UNAVAILABLE)
    expect(result.details).toBe('workflow execution interrupted: stop')
    expect(h.rails.workflow(id).status).toBe('stopped')
  })

  it('a hang-up (the call cancelled): the model call is cancelled at once', async () => {
    await h.model.script(slowAnswer())
    const id = h.rails.addWorkflow()
    let cancelled = false
    const result = await h.turn(
      { workflowID: id, goal: 'Long one' },
      {
        observe: (action, turn) =>
          void (!cancelled && streaming(action) && ((cancelled = true), turn.cancel())),
      },
    )
    expect(result.code).toBe(Status.CANCELLED)
    const closed = await h.model.waitForEarlyClose()
    expect(closed.closedAfterMs!).toBeLessThan(1500)
    // Nobody could be told: Rails keeps `running` (GitLab's stuck-workflow cron fails it later).
    expect(h.rails.workflow(id).status).toBe('running')
  })

  it('a client that half-closes its side: the run is cancelled', async () => {
    await h.model.script(slowAnswer())
    const id = h.rails.addWorkflow()
    let closed = false
    const result = await h.turn(
      { workflowID: id, goal: 'Long one' },
      {
        observe: (action, turn) => void (!closed && streaming(action) && ((closed = true), turn.halfClose())),
      },
    )
    expect(result.code).toBe(Status.CANCELLED)
    expect((await h.model.waitForEarlyClose()).closedEarly).toBe(true)
  })
})

describe('failures are shown in the chat, saved, and GitLab told `drop`', () => {
  it('the model server answers 500', async () => {
    await h.model.script({
      match: '/v1/chat/completions',
      status: 500,
      headers: { 'content-type': 'application/json' },
      chunks: [{ text: '{"error":{"message":"CUDA out of memory"}}' }],
    })
    const id = h.rails.addWorkflow()
    const result = await h.turn({ workflowID: id, goal: 'Hello' })
    expect(result.code).toBe(Status.INTERNAL)
    expect(result.details).toMatch(/^workflow execution failure: UpstreamError: /)
    const last = result.checkpoints.at(-1)!
    expect(last.status).toBe('FAILED')
    const failure = last.log.at(-1)!
    expect(failure).toMatchObject({ message_type: 'agent', status: 'failure' })
    expect(failure.message_id).toMatch(/^error-/)
    expect(failure.content).toContain('500')
    expect(h.rails.workflow(id).status).toBe('failed')
    expect(h.rails.statusEvents(id).map((e) => e.event)).toEqual(['start', 'drop'])
    // The user's message and the failure are in the saved conversation.
    const saved = h.rails.checkpoints(id).at(-1)!.checkpoint as {
      channel_values: { ui_chat_log: { content: string }[] }
    }
    expect(saved.channel_values.ui_chat_log.map((e) => e.content)).toEqual(['Hello', failure.content])
  })

  it('no model configured for Agentic Chat: says so, FAILED_PRECONDITION', async () => {
    const id = h.rails.addWorkflow()
    const before = (await h.model.requests()).length
    const result = await h.turn(
      { workflowID: id, goal: 'Hello' },
      { metadata: { 'x-gitlab-agent-platform-model-metadata': '' } },
    )
    expect(result.code).toBe(Status.FAILED_PRECONDITION)
    expect(result.checkpoints.at(-1)!.log.at(-1)!.content).toMatch(/no model configured/)
    expect((await h.model.requests()).length).toBe(before)
    expect(h.rails.workflow(id).status).toBe('failed')
  })

  it('a GitLab-managed model in the metadata: says what to configure', async () => {
    const id = h.rails.addWorkflow()
    const metadata = JSON.stringify({
      provider: 'gitlab',
      feature_setting: 'duo_agent_platform_agentic_chat',
      identifier: '',
    })
    const result = await h.turn(
      { workflowID: id, goal: 'Hello' },
      { metadata: { 'x-gitlab-agent-platform-model-metadata': metadata } },
    )
    expect(result.code).toBe(Status.FAILED_PRECONDITION)
    expect(result.checkpoints.at(-1)!.log.at(-1)!.content).toMatch(/GitLab-managed model/)
  })

  it('a definition this service does not serve: a visible failure and INVALID_ARGUMENT', async () => {
    const id = h.rails.addWorkflow({ workflowDefinition: 'software_development' })
    const result = await h.turn({
      workflowID: id,
      goal: 'Build it',
      workflowDefinition: 'software_development',
    })
    expect(result.code).toBe(Status.INVALID_ARGUMENT)
    const entry = result.checkpoints.at(-1)!.log.at(-1)!
    expect(entry).toMatchObject({ message_type: 'agent', status: 'failure' })
    expect(entry.content).toMatch(/not supported/)
    expect(h.rails.workflow(id).status).toBe('failed')
  })

  it('a workflow Rails does not know: a visible failure, nothing else changed', async () => {
    const result = await h.turn({ workflowID: '987654', goal: 'Hello' })
    expect(result.code).toBe(Status.INTERNAL)
    expect(result.checkpoints.at(-1)!.log.at(-1)!.content).toMatch(/No workflow found for workflow ID 987654/)
  })

  it('a finished workflow Rails will not retry (400): failure shown, no further status event', async () => {
    const id = h.rails.addWorkflow({ status: 'finished' })
    const result = await h.turn({ workflowID: id, goal: 'Hello' })
    expect(result.code).toBe(Status.INTERNAL)
    expect(result.checkpoints.at(-1)!.log.at(-1)!.content).toMatch(/refused to retry/)
    expect(h.rails.statusEvents(id).map((e) => [e.event, e.statusCode])).toEqual([['retry', 400]])
  })
})

describe('who may chat (spec §3)', () => {
  it('no token: UNAUTHENTICATED before any action', async () => {
    const id = h.rails.addWorkflow()
    const result = await h.turn({ workflowID: id, goal: 'Hello' }, { metadata: { authorization: '' } })
    expect(result.code).toBe(Status.UNAUTHENTICATED)
    expect(result.details).toBe('No authorization header presented')
    expect(result.actions).toEqual([])
  })

  it('a token without duo_chat: PERMISSION_DENIED "Unauthorized to execute chat"', async () => {
    const token = await instanceToken(h.issuer, '18.x', { scopes: ['complete_code', 'duo_agent_platform'] })
    const id = h.rails.addWorkflow()
    const result = await h.turn(
      { workflowID: id, goal: 'Hello' },
      { metadata: { authorization: `Bearer ${token}` } },
    )
    expect(result.code).toBe(Status.PERMISSION_DENIED)
    expect(result.details).toBe('Unauthorized to execute chat')
    expect(result.actions).toEqual([])
  })

  it('an expired token, and one signed by a key GitLab never published: UNAUTHENTICATED', async () => {
    const expired = await instanceToken(h.issuer, '18.x', {
      scopes: ['duo_chat'],
      iat: nowSeconds() - 7200,
      nbf: nowSeconds() - 7200,
      exp: nowSeconds() - 3600,
    })
    const foreign = await h.issuer.sign(instanceClaims(h.issuer, '18.x', { scopes: ['duo_chat'] }), {
      kid: 'thumbprint',
      key: 'foreign',
    })
    for (const token of [expired, foreign]) {
      const result = await h.turn(
        { workflowID: h.rails.addWorkflow(), goal: 'Hello' },
        { metadata: { authorization: `Bearer ${token}` } },
      )
      expect(result.code).toBe(Status.UNAUTHENTICATED)
      expect(result.actions).toEqual([])
    }
  })

  it('a token for the HTTP gateway only (audience): UNAUTHENTICATED', async () => {
    const token = await instanceToken(h.issuer, '18.x', { aud: 'gitlab-ai-gateway', scopes: ['duo_chat'] })
    const result = await h.turn(
      { workflowID: h.rails.addWorkflow(), goal: 'Hello' },
      { metadata: { authorization: `Bearer ${token}` } },
    )
    expect(result.code).toBe(Status.UNAUTHENTICATED)
  })
})

describe('never in a log line', () => {
  it('no token, no OAuth token, no model key', () => {
    const text = h.logs.join('\n')
    expect(text).not.toContain('glpat-oauth-session-token')
    expect(text).not.toContain('model-key-9f8e7d')
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/)
    expect(text).toContain('Starting workflow')
  })
})

describe('this server shutting down (SIGTERM)', () => {
  it('open turns stop: GitLab told `stop`, the state saved, UNAVAILABLE; the model call cancelled', async () => {
    const own = await startHarness()
    try {
      await own.model.script(slowAnswer())
      const id = own.rails.addWorkflow()
      let closing: Promise<void> | undefined
      const result = await own.turn(
        { workflowID: id, goal: 'Long one' },
        { observe: (action) => void (!closing && streaming(action) && (closing = own.server.close(10_000))) },
      )
      expect(result.code).toBe(Status.UNAVAILABLE)
      expect(result.details).toBe('workflow execution interrupted: stop')
      expect(own.rails.workflow(id).status).toBe('stopped')
      const saved = own.rails.checkpoints(id).at(-1)!.checkpoint as { channel_values: { status: string } }
      expect(saved.channel_values.status).toBe('Cancelled')
      expect((await own.model.waitForEarlyClose()).closedEarly).toBe(true)
      await closing
    } finally {
      own.workhorse.close()
    }
  })
})

describe('a key source down at start-up', () => {
  it('the service starts anyway, refuses tokens it cannot check, and serves them once GitLab is back', async () => {
    const clock = controlClock() // before the start: the gateway keeps the `Date.now` it finds
    let own: Harness | undefined
    try {
      own = await startHarness({ issuerDown: true })
      const down = await own.turn({ workflowID: own.rails.addWorkflow(), goal: 'Hello' })
      expect(down.code).toBe(Status.UNAUTHENTICATED)
      await own.issuer.setState({ status: 200 })
      // The origin is asked at most once per 30 s, so a flood of tokens cannot hammer a GitLab that is down.
      clock.advance(31_000)
      await own.model.script(answerStep(['Back.']))
      const up = await own.turn({ workflowID: own.rails.addWorkflow(), goal: 'Hello' })
      expect(up.code, up.details).toBe(Status.OK)
    } finally {
      vi.useRealTimers()
      await own?.close()
    }
  })
})
