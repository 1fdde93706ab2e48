/**
 * The Agent Platform gRPC transport (node-entry/agent-platform/grpc-server.ts) on a real port,
 * called by the fake Workhorse (a grpc-js client, test/fakes/workhorse.ts) and, where the HTTP/2
 * layer itself is the subject, by a bare node:http2 session. The handlers are stubs: what is
 * tested is what reaches the engine and what reaches the client.
 */
import * as grpc from '@grpc/grpc-js'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ClientEvent } from '../../src/agent-platform/contract.ts'
import {
  GrpcStatus,
  Status,
  type AgentPlatformHandlers,
  type Metadata,
  type WorkflowCall,
} from '../../src/agent-platform/service.ts'
import { createLogger } from '../../src/logging.ts'
import {
  startAgentPlatformServer,
  type AgentPlatformServer,
} from '../../node-entry/agent-platform/grpc-server.ts'
import { dialWorkhorse, type FakeWorkhorse } from '../fakes/workhorse.ts'

const MiB = 1024 * 1024
const logLines: string[] = []
const logger = createLogger({ level: 'debug', json: true, sink: (line) => logLines.push(line) })

/** Each test sets the handler it needs; the others answer UNAUTHENTICATED like an engine without a token. */
let execute: (call: WorkflowCall) => Promise<string> = async () => 'workflow execution success'
let lastUnary: { request: unknown; metadata: Metadata } | undefined
const handlers: AgentPlatformHandlers = {
  executeWorkflow: (call) => execute(call),
  generateToken: async (request, metadata) => {
    lastUnary = { request, metadata }
    if (metadata.authorization !== 'Bearer good')
      throw new GrpcStatus(Status.UNAUTHENTICATED, 'No authorization header presented')
    return { token: 'eyJ.x.y', expiresAt: 1_760_003_600 }
  },
  listTools: async (request, metadata) => {
    lastUnary = { request, metadata }
    if (metadata.authorization === 'Bearer boom') throw new Error('database exploded at /srv/secret/path')
    return {
      tools: [
        { name: 'get_issue', description: 'Gets an issue', parameters: { type: 'object', required: ['id'] } },
      ],
    }
  },
  listFlows: async (request) => ({ configs: [{ echo: request.filters?.flow_identifier ?? [] }] }),
}

let server: AgentPlatformServer
let workhorse: FakeWorkhorse

beforeAll(async () => {
  server = await startAgentPlatformServer({ handlers, host: '127.0.0.1', port: 0, logger })
  workhorse = dialWorkhorse({ address: server.address })
})
afterAll(async () => {
  workhorse.close()
  await server.shutdown(0)
})
afterEach(() => {
  execute = async () => 'workflow execution success'
  logLines.length = 0
})

/** A promise and its resolver, to hold a handler at a point the test chooses. */
function gate<T = void>() {
  let open!: (value: T) => void
  const opened = new Promise<T>((resolve) => (open = resolve))
  return { open, opened }
}

/** A call with raw bytes both ways (a malformed message, a path the fake has no helper for). */
function rawUnary(client: grpc.Client, path: string, body: Buffer, metadata = new grpc.Metadata()) {
  return new Promise<{ code: number; details: string; body?: Buffer }>((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      (error, response) =>
        resolve(
          error ? { code: error.code, details: error.details } : { code: 0, details: 'OK', body: response },
        ),
    )
  })
}

describe('ExecuteWorkflow', () => {
  it('start request in, actions out, responses back, handled one at a time; OK with the handler details', async () => {
    const received: (ClientEvent | undefined)[] = []
    execute = async (call) => {
      received.push(await call.next())
      const goal = received[0]?.startRequest?.goal
      await call.send({
        requestID: 'c1',
        newCheckpoint: { status: 'RUNNING', checkpoint: '{"channel_values":{}}', goal },
      })
      await call.send({ requestID: 'a1', runReadFile: { filepath: 'src/app.ts' } })
      await call.send({ requestID: 'a2', runHTTPRequest: { method: 'GET', path: '/api/v4/projects/1' } })
      received.push(await call.next(), await call.next())
      await call.send({ requestID: 'c2', newCheckpoint: { status: 'INPUT_REQUIRED' } })
      return 'workflow execution success'
    }
    let running = 0
    let maxRunning = 0
    const run = workhorse.executeWorkflow(
      { authorization: 'Bearer x', 'x-gitlab-realm': 'self-managed' },
      {
        clientVersion: '1.0',
        workflowID: '1234',
        workflowDefinition: 'chat',
        goal: 'Why is the pipeline red?',
        approval: {},
        clientCapabilities: ['shell_command'],
      },
      async (action) => {
        maxRunning = Math.max(maxRunning, ++running)
        await new Promise((resolve) => setTimeout(resolve, 30))
        running--
        if (action.runHTTPRequest) return { httpResponse: { statusCode: 200, body: '{"id":1}' } }
        return { plainTextResponse: { response: `done ${action.requestID}` } } // ignored for newCheckpoint
      },
    )
    expect(await run.done).toEqual({ code: Status.OK, details: 'workflow execution success' })
    expect(maxRunning).toBe(1)
    expect(run.actions.map((action) => action.requestID)).toEqual(['c1', 'a1', 'a2', 'c2'])
    expect(run.actions[0]?.newCheckpoint).toEqual({
      status: 'RUNNING',
      checkpoint: '{"channel_values":{}}',
      goal: 'Why is the pipeline red?',
      errors: [],
      agent_context_usage: {},
    })
    expect(run.actions[1]).toMatchObject({ requestID: 'a1', runReadFile: { filepath: 'src/app.ts' } })
    expect(received[0]?.startRequest).toMatchObject({
      workflowID: '1234',
      goal: 'Why is the pipeline red?',
      approval: {},
      clientCapabilities: ['shell_command'],
      mcpTools: [],
    })
    // newCheckpoint got no response: the two responses are for a1 and a2.
    expect(received[1]).toEqual({
      actionResponse: { requestID: 'a1', plainTextResponse: { response: 'done a1', error: '' } },
    })
    expect(received[2]).toEqual({
      actionResponse: {
        requestID: 'a2',
        httpResponse: { headers: {}, statusCode: 200, body: '{"id":1}', error: '' },
      },
    })
  })

  it('a client half-close makes next() resolve undefined', async () => {
    const events: (ClientEvent | undefined)[] = []
    execute = async (call) => {
      events.push(await call.next(), await call.next(), await call.next())
      return 'half-closed'
    }
    const run = workhorse.executeWorkflow({}, { goal: 'a' })
    run.send({ heartbeat: { timestamp: 1_760_000_000_123 } })
    run.halfClose()
    expect(await run.done).toEqual({ code: Status.OK, details: 'half-closed' })
    expect(events).toEqual([
      expect.objectContaining({ startRequest: expect.objectContaining({ goal: 'a' }) }),
      { heartbeat: { timestamp: 1_760_000_000_123 } },
      undefined,
    ])
  })

  it('a client cancel aborts the signal; next() is undefined and send() rejects CANCELLED afterwards', async () => {
    const started = gate()
    const observed = gate<{ reason: unknown; next: unknown; send: unknown }>()
    execute = async (call) => {
      await call.next()
      started.open()
      await new Promise((resolve) => call.signal.addEventListener('abort', resolve))
      const send = await call.send({ requestID: 'late', newCheckpoint: {} }).catch((error: unknown) => error)
      observed.open({ reason: call.signal.reason, next: await call.next(), send })
      return 'ignored'
    }
    const run = workhorse.executeWorkflow({}, { goal: 'a' })
    await started.opened
    run.cancel()
    expect((await run.done).code).toBe(Status.CANCELLED)
    const { reason, next, send } = await observed.opened
    expect(reason).toBeInstanceOf(GrpcStatus)
    expect((reason as GrpcStatus).code).toBe(Status.CANCELLED)
    expect(next).toBeUndefined()
    expect((send as GrpcStatus).code).toBe(Status.CANCELLED)
  })

  it('the end reaches the client while the handler still waits for a client event (the engine always does)', async () => {
    for (const ending of ['ok', 'status'] as const) {
      execute = async (call) => {
        await call.next()
        // The engine reads the client's events in the background for the whole turn (stops, answers).
        void (async () => {
          while (await call.next());
        })()
        await call.send({ requestID: 'cp', newCheckpoint: { status: 'INPUT_REQUIRED', checkpoint: '{}' } })
        if (ending === 'ok') return 'workflow execution success'
        throw new GrpcStatus(Status.INTERNAL, 'workflow execution failure: X')
      }
      const run = workhorse.executeWorkflow({}, { goal: 'x' }, () => undefined)
      const timeout = new Promise((resolve) => setTimeout(() => resolve('no status within 3 s'), 3000))
      expect(await Promise.race([run.done, timeout])).toEqual(
        ending === 'ok'
          ? { code: Status.OK, details: 'workflow execution success' }
          : { code: Status.INTERNAL, details: 'workflow execution failure: X' },
      )
    }
  })

  it('a thrown GrpcStatus arrives with its code and details as sent', async () => {
    const cases: [number, string][] = [
      [Status.UNAUTHENTICATED, 'Forbidden by auth provider'],
      [Status.PERMISSION_DENIED, 'Unauthorized to execute chat'],
      [Status.UNAVAILABLE, 'workflow execution interrupted: stop'],
      [Status.INVALID_ARGUMENT, 'Unsupported workflow definition: «nope»\nsecond line 100%'],
    ]
    for (const [code, details] of cases) {
      execute = async (call) => {
        await call.next()
        throw new GrpcStatus(code as GrpcStatus['code'], details)
      }
      expect(await workhorse.executeWorkflow({}, { goal: 'x' }).done).toEqual({ code, details })
    }
  })

  it('any other throw ends INTERNAL "Something went wrong": the stack is logged, never sent', async () => {
    execute = async () => {
      throw new Error('model client crashed reading /srv/secret/config')
    }
    const result = await workhorse.executeWorkflow({}, { goal: 'x' }).done
    expect(result).toEqual({ code: Status.INTERNAL, details: 'Something went wrong' })
    const logged = logLines
      .map((line) => JSON.parse(line))
      .find((line) => line.message === 'Agent Platform handler failed')
    expect(logged).toMatchObject({
      level: 'error',
      path: '/DuoWorkflow/ExecuteWorkflow',
      exception_message: 'model client crashed reading /srv/secret/config',
    })
    expect(logged.exception_backtrace).toContain('agent-platform-transport.test.ts')
  })

  it('a malformed client message ends the call INVALID_ARGUMENT, tells the handler, and the server keeps serving', async () => {
    const aborted = gate<unknown>()
    execute = async (call) => {
      const event = await call.next()
      aborted.open({
        event,
        aborted: call.signal.aborted,
        reason: (call.signal.reason as GrpcStatus | undefined)?.code,
      })
      return 'unreached'
    }
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = workhorse.client.makeBidiStreamRequest(
        '/DuoWorkflow/ExecuteWorkflow',
        (b: Buffer) => b,
        (b: Buffer) => b,
        new grpc.Metadata(),
      )
      call.on('status', resolve)
      call.on('error', () => {})
      call.write(Buffer.from([0x0a, 0x05, 0x01])) // startRequest, 5 bytes long, 1 byte there
    })
    expect({ code: status.code, details: status.details }).toEqual({
      code: Status.INVALID_ARGUMENT,
      details: 'Malformed ClientEvent.',
    })
    expect(await aborted.opened).toEqual({ event: undefined, aborted: true, reason: Status.INVALID_ARGUMENT })
    execute = async () => 'still serving'
    expect(await workhorse.executeWorkflow({}, { goal: 'x' }).done).toEqual({
      code: Status.OK,
      details: 'still serving',
    })
  })

  it('an incoming message over 4 MiB is RESOURCE_EXHAUSTED; the server keeps serving', async () => {
    const reckless = dialWorkhorse({ address: server.address, maxSendBytes: -1 })
    try {
      execute = async (call) => String((await call.next())?.startRequest?.goal.length)
      const result = await reckless.executeWorkflow({}, { goal: 'x'.repeat(4 * MiB) }).done
      expect(result.code).toBe(Status.RESOURCE_EXHAUSTED)
      expect(await reckless.executeWorkflow({}, { goal: 'x'.repeat(4 * MiB - 16) }).done).toEqual({
        code: Status.OK,
        details: String(4 * MiB - 16),
      })
    } finally {
      reckless.close()
    }
  })

  it('an outgoing action over 4 MiB: send() rejects and the call ends RESOURCE_EXHAUSTED "Outgoing message too large."', async () => {
    const outcome = gate<unknown>()
    execute = async (call) => {
      await call.next()
      await call.send({ requestID: 'ok', newCheckpoint: { checkpoint: 'y'.repeat(4 * MiB - 64) } })
      const error = await call
        .send({ requestID: 'big', newCheckpoint: { checkpoint: 'y'.repeat(4 * MiB) } })
        .catch((e: unknown) => e)
      outcome.open({ error, aborted: call.signal.aborted })
      return 'workflow execution success' // too late: the call has ended
    }
    const run = workhorse.executeWorkflow({}, { goal: 'x' })
    expect(await run.done).toEqual({
      code: Status.RESOURCE_EXHAUSTED,
      details: 'Outgoing message too large.',
    })
    const { error, aborted } = (await outcome.opened) as { error: GrpcStatus; aborted: boolean }
    expect(error).toBeInstanceOf(GrpcStatus)
    expect([error.code, error.details, aborted]).toEqual([
      Status.RESOURCE_EXHAUSTED,
      'Outgoing message too large.',
      true,
    ])
    expect(run.actions.map((action) => action.requestID)).toEqual(['ok'])
  })
})

describe('metadata', () => {
  const NAMESPACE_IDS = 'x-gitlab-feature-enabled-by-namespace-ids'

  it('reaches the handler lower-cased, without -bin keys or pseudo-headers', async () => {
    const metadata = new grpc.Metadata()
    metadata.set('Authorization', 'Bearer good')
    metadata.set('X-Gitlab-Realm', 'self-managed')
    metadata.set('trace-bin', Buffer.from([1, 2, 3]))
    const result = await rawUnary(workhorse.client, '/DuoWorkflow/GenerateToken', Buffer.alloc(0), metadata)
    expect(result.code).toBe(Status.OK)
    expect(lastUnary?.metadata).toMatchObject({
      authorization: 'Bearer good',
      'x-gitlab-realm': 'self-managed',
    })
    expect(
      Object.keys(lastUnary?.metadata ?? {}).filter(
        (key) => key.startsWith(':') || key.endsWith('-bin') || key !== key.toLowerCase(),
      ),
    ).toEqual([])
  })

  it('accepts 64 KiB; beyond the limit a clean RESOURCE_EXHAUSTED, and the next call is served', async () => {
    let seen = 0
    execute = async (call) => {
      seen = call.metadata[NAMESPACE_IDS]?.length ?? 0
      return 'ok'
    }
    const sixtyKiB = '1234567,'.repeat(60 * 128)
    expect(await workhorse.executeWorkflow({ [NAMESPACE_IDS]: sixtyKiB }, { goal: 'x' }).done).toEqual({
      code: Status.OK,
      details: 'ok',
    })
    expect(seen).toBe(60 * 1024)
    // 64 KiB exactly as HTTP/2 counts a header list (name + value + 32), in two entries.
    const half = 'x'.repeat(32 * 1024 - NAMESPACE_IDS.length - 32)
    expect(
      await workhorse.executeWorkflow(
        { [NAMESPACE_IDS]: half, [`${NAMESPACE_IDS}-2`]: half.slice(2) },
        { goal: 'x' },
      ).done,
    ).toEqual({ code: Status.OK, details: 'ok' })
    const over = await workhorse.executeWorkflow(
      { [NAMESPACE_IDS]: half, [`${NAMESPACE_IDS}-2`]: half + 'x'.repeat(3 * 1024) },
      { goal: 'x' },
    ).done
    expect(over).toEqual({
      code: Status.RESOURCE_EXHAUSTED,
      details: 'Bandwidth exhausted or memory limit exceeded',
    })
    expect(await workhorse.executeWorkflow({ [NAMESPACE_IDS]: '1' }, { goal: 'x' }).done).toEqual({
      code: Status.OK,
      details: 'ok',
    })
  })

  it('one value over 64 KiB (after HPACK) is refused by nghttp2 itself; the server keeps serving', async () => {
    // Node's HTTP/2 (nghttp2) rejects a single header field that large as COMPRESSION_ERROR before
    // any list limit applies; a Go client never sends it, as it checks our SETTINGS first.
    const result = await workhorse.listTools({ [NAMESPACE_IDS]: 'x'.repeat(100 * 1024) })
    expect(result.code).toBe(Status.INTERNAL)
    expect((await workhorse.listTools({ [NAMESPACE_IDS]: '1' })).code).toBe(Status.OK)
  })

  it('the limit is ours: maxMetadataBytes 8 KiB refuses 10 KiB', async () => {
    const small = await startAgentPlatformServer({
      handlers,
      host: '127.0.0.1',
      port: 0,
      maxMetadataBytes: 8 * 1024,
    })
    const client = dialWorkhorse({ address: small.address })
    try {
      expect((await client.listTools({ [NAMESPACE_IDS]: 'x'.repeat(6 * 1024) })).code).toBe(Status.OK)
      expect((await client.listTools({ [NAMESPACE_IDS]: 'x'.repeat(10 * 1024) })).code).toBe(
        Status.RESOURCE_EXHAUSTED,
      )
    } finally {
      client.close()
      await small.shutdown(0)
    }
  })
})

describe('unary RPCs', () => {
  it('GenerateToken, ListTools and ListFlows map requests and responses', async () => {
    expect(
      await workhorse.generateToken({ authorization: 'Bearer good' }, { workflowDefinition: 'chat' }),
    ).toEqual({
      code: Status.OK,
      details: 'OK',
      response: { token: 'eyJ.x.y', expiresAt: 1_760_003_600, server_capabilities: [] },
    })
    expect(lastUnary?.request).toEqual({ workflowDefinition: 'chat' })
    expect((await workhorse.listTools({})).response).toEqual({
      tools: [
        { name: 'get_issue', description: 'Gets an issue', parameters: { type: 'object', required: ['id'] } },
      ],
      eval_dataset: [],
    })
    expect((await workhorse.listFlows({}, { filters: { flow_identifier: ['chat'] } })).response).toEqual({
      configs: [{ echo: ['chat'] }],
    })
  })

  it('a thrown GrpcStatus as sent; any other throw INTERNAL without the error; malformed request INVALID_ARGUMENT', async () => {
    expect(await workhorse.generateToken({})).toEqual({
      code: Status.UNAUTHENTICATED,
      details: 'No authorization header presented',
    })
    expect(await workhorse.listTools({ authorization: 'Bearer boom' })).toEqual({
      code: Status.INTERNAL,
      details: 'Something went wrong',
    })
    expect(logLines.join('\n')).toContain('database exploded')
    expect(await rawUnary(workhorse.client, '/DuoWorkflow/ListFlows', Buffer.from([0x0a, 0x7f]))).toEqual({
      code: Status.INVALID_ARGUMENT,
      details: 'Malformed ListFlowsRequest.',
    })
    expect((await workhorse.listFlows({})).code).toBe(Status.OK)
  })

  it('the RPCs without a handler and unknown paths are UNIMPLEMENTED', async () => {
    const paths = [
      '/DuoWorkflow/TrackSelfHostedExecuteWorkflow',
      '/DuoWorkflow/ValidateFlowConfig',
      '/DuoWorkflow/ListCapabilities',
      '/duo_workflow.DuoWorkflow/ExecuteWorkflow',
      '/DuoWorkflow/Nope',
      '/Nope/ListTools',
    ]
    for (const path of paths)
      expect((await rawUnary(workhorse.client, path, Buffer.alloc(0))).code, path).toBe(Status.UNIMPLEMENTED)
  })
})

describe('health', () => {
  it('SERVING for "" and DuoWorkflow, NOT_FOUND for others, NOT_SERVING after setServing(false); no handler involved', async () => {
    lastUnary = undefined
    expect(await workhorse.healthCheck('')).toEqual({
      code: Status.OK,
      details: 'OK',
      response: { status: 'SERVING' },
    })
    expect((await workhorse.healthCheck('DuoWorkflow')).response).toEqual({ status: 'SERVING' })
    expect((await workhorse.healthCheck('Other')).code).toBe(Status.NOT_FOUND)
    server.setServing(false)
    try {
      expect((await workhorse.healthCheck('')).response).toEqual({ status: 'NOT_SERVING' })
      expect((await workhorse.healthCheck('DuoWorkflow')).response).toEqual({ status: 'NOT_SERVING' })
    } finally {
      server.setServing(true)
    }
    expect((await workhorse.healthCheck('')).response).toEqual({ status: 'SERVING' })
    expect(lastUnary).toBeUndefined()
  })
})
