/**
 * Agentic Chat end to end, with every part real: the gateway's Node entry (HTTP and gRPC ports),
 * the fake GitLab issuer signing real instance tokens, the fake model server speaking OpenAI's
 * streamed chat completions with tool calls, a fake Workhorse that is a real gRPC client, and the
 * fake Rails behind it answering the `runHTTPRequest` actions as Workhorse would relay them.
 */
import { inject } from 'vitest'
import type {
  Action,
  ActionResponse,
  NewCheckpoint,
  Outgoing,
  StartWorkflowRequest,
} from '../../src/agent-platform/contract.ts'
import type { UiLogEntry } from '../../src/agent-platform/state.ts'
import { startServer, type RunningServer } from '../../node-entry/server.ts'
import { createFakeRails, type FakeRails, type FakeRailsOptions } from '../fakes/rails.ts'
import { dialWorkhorse, type CallResult, type FakeWorkhorse } from '../fakes/workhorse.ts'
import { GLOBAL_USER_ID, INSTANCE_ID, instanceToken } from '../contract/gitlab.ts'
import { newIssuer, type Tenant } from '../contract/issuer-client.ts'
import { newModelServer, type ModelServer, type Step } from '../contract/model-server-client.ts'
import { sseFrame } from '../contract/wire/sse.ts'
import { freePort } from './processes.ts'

export const WEB_CAPABILITIES = ['incremental_streaming']

export interface HarnessOptions {
  env?: Record<string, string>
  /** Measure and serve Prometheus metrics (on a free port). */
  metrics?: boolean
  /** GitLab's key endpoints answer 500 from before the gateway starts (the test brings them back). */
  issuerDown?: boolean
  rails?: FakeRailsOptions
}

export interface TurnOptions {
  /** Metadata overrides (a key set to '' is left out). */
  metadata?: Record<string, string>
  /** Answers a client action Workhorse would forward to the IDE (runReadFile, runMCPTool...). */
  client?: (
    action: Action,
  ) => Outgoing<ActionResponse> | undefined | Promise<Outgoing<ActionResponse> | undefined>
  /** Answers trackLlmCallForSelfHosted (default: Workhorse's "authenticated"). */
  billing?: (action: Action) => Outgoing<ActionResponse> | undefined
  /** Called for every action before it is answered (to stop or cancel mid-turn). */
  observe?: (action: Action, turn: TurnHandle) => void
}

export interface TurnHandle {
  stop(reason: string): void
  cancel(): void
  halfClose(): void
}

export interface TurnResult extends CallResult<never> {
  actions: Action[]
  /** The newCheckpoint actions, parsed. */
  checkpoints: ShownCheckpoint[]
  /** What Workhorse was asked to run against Rails, in order: `METHOD path`. */
  http: string[]
}

export interface ShownCheckpoint {
  status: string
  goal: string
  log: UiLogEntry[]
}

export interface Harness {
  server: RunningServer
  workhorse: FakeWorkhorse
  rails: FakeRails
  model: ModelServer
  issuer: Tenant
  /** Every log line the process wrote (debug and up). */
  logs: string[]
  /** The metadata Workhorse sends for a web chat turn (token, model metadata, GitLab version...). */
  metadata(overrides?: Record<string, string>): Promise<Record<string, string>>
  /** Runs one turn to its end. */
  turn(start: Outgoing<StartWorkflowRequest>, options?: TurnOptions): Promise<TurnResult>
  close(): Promise<void>
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const issuer = await newIssuer()
  if (options.issuerDown) await issuer.setState({ status: 500 })
  const model = await newModelServer()
  const rails = createFakeRails(options.rails)
  const logs: string[] = []
  const server = await startServer({
    env: {
      AIGW_GITLAB_URL: issuer.url,
      AIGW_CUSTOMER_PORTAL_URL: '',
      AIGW_SELF_SIGNED_JWT__SIGNING_KEY: inject('gatewayKeys').signing,
      AIGW_LOGGING__LEVEL: 'debug',
      AIGW_FASTAPI__METRICS_HOST: '127.0.0.1',
      AIGW_FASTAPI__METRICS_PORT: options.metrics ? String(await freePort()) : '0',
      ...options.env,
    },
    host: '127.0.0.1',
    port: 0,
    grpcHost: '127.0.0.1',
    grpcPort: 0,
    logSink: (line) => logs.push(line),
    ...(options.metrics ? { metrics: true } : {}),
  })
  const workhorse = dialWorkhorse({ address: server.agentPlatform!.address })

  const metadata = async (overrides: Record<string, string> = {}) => {
    const token = await instanceToken(issuer, '18.x', {
      scopes: ['duo_chat', 'duo_agent_platform', 'complete_code'],
    })
    const all: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'x-gitlab-authentication-type': 'oidc',
      'x-gitlab-realm': 'self-managed',
      'x-gitlab-instance-id': INSTANCE_ID,
      'x-gitlab-global-user-id': GLOBAL_USER_ID,
      'x-gitlab-user-id': '1',
      'x-gitlab-host-name': 'gitlab.example.com',
      'x-gitlab-version': '18.9.0',
      'x-gitlab-client-type': 'browser',
      'x-gitlab-enabled-feature-flags': 'use_duo_context_exclusion',
      'x-gitlab-oauth-token': 'glpat-oauth-session-token',
      'x-gitlab-self-hosted-dap-billing-enabled': 'false',
      'x-gitlab-agent-platform-model-metadata': JSON.stringify({
        provider: 'openai',
        name: 'gpt',
        endpoint: `${model.url}/v1`,
        api_key: 'model-key-9f8e7d',
        identifier: 'custom_openai/Qwen/Qwen3-32B',
      }),
      ...overrides,
    }
    return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== ''))
  }

  const turn = async (
    start: Outgoing<StartWorkflowRequest>,
    turnOptions: TurnOptions = {},
  ): Promise<TurnResult> => {
    const http: string[] = []
    let handle: TurnHandle | undefined
    const run = workhorse.executeWorkflow(
      await metadata(turnOptions.metadata),
      webStart(start),
      async (action) => {
        turnOptions.observe?.(action, handle!)
        if (action.runHTTPRequest) {
          const { method, path, body } = action.runHTTPRequest
          http.push(`${method} ${path}`)
          const answer = await rails.handle({ method, path, ...(body ? { body } : {}) })
          return { httpResponse: { statusCode: answer.statusCode, body: answer.body } }
        }
        if (action.trackLlmCallForSelfHosted)
          return turnOptions.billing
            ? turnOptions.billing(action)
            : { plainTextResponse: { response: 'authenticated' } }
        if (action.newCheckpoint) return undefined
        return turnOptions.client?.(action)
      },
    )
    handle = {
      stop: (reason) => run.stop(reason),
      cancel: () => run.cancel(),
      halfClose: () => run.halfClose(),
    }
    const status = await run.done
    return { ...status, actions: run.actions, checkpoints: shown(run.actions), http }
  }

  return {
    server,
    workhorse,
    rails,
    model,
    issuer,
    logs,
    metadata,
    turn,
    close: async () => {
      workhorse.close()
      await server.close(1000)
    },
  }
}

/** What the web UI sends (spec §5.1), with the test's fields. */
export function webStart(start: Outgoing<StartWorkflowRequest>): Outgoing<StartWorkflowRequest> {
  return {
    clientVersion: '1.0',
    workflowDefinition: 'chat',
    workflowMetadata: '{"extended_logging":false,"is_team_member":false}',
    clientCapabilities: WEB_CAPABILITIES,
    approval: {},
    additional_context: [
      {
        category: 'repository',
        content:
          '<current_gitlab_page_url>http://gitlab.example.com/gitlab-org/demo</current_gitlab_page_url>\n<current_gitlab_page_title>demo</current_gitlab_page_title>',
        metadata: '{}',
      },
    ],
    ...start,
  }
}

export function shown(actions: readonly Action[]): ShownCheckpoint[] {
  return actions
    .filter((action): action is Action & { newCheckpoint: NewCheckpoint } => Boolean(action.newCheckpoint))
    .map(({ newCheckpoint }) => ({
      status: newCheckpoint.status,
      goal: newCheckpoint.goal,
      log: (JSON.parse(newCheckpoint.checkpoint) as { channel_values: { ui_chat_log: UiLogEntry[] } })
        .channel_values.ui_chat_log,
    }))
}

/** The chat as the web UI ends up showing it: entries merged by message_id, in order. */
export function mergedLog(
  checkpoints: readonly ShownCheckpoint[],
  initial: readonly UiLogEntry[] = [],
): UiLogEntry[] {
  const log = [...initial]
  for (const checkpoint of checkpoints) {
    for (const entry of checkpoint.log) {
      const at =
        entry.message_id === null
          ? -1
          : log.findIndex((e) => e.message_id === entry.message_id && e.message_type === entry.message_type)
      if (at >= 0) log[at] = entry
      else log.push(entry)
    }
  }
  return log
}

// ---- the model's side: OpenAI streamed chat completions

type Json = Record<string, unknown>

function chunk(delta: Json, finishReason: string | null = null): Json {
  return {
    id: 'chatcmpl-dap',
    object: 'chat.completion.chunk',
    created: 1_765_000_000,
    model: 'Qwen/Qwen3-32B',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  }
}

/** A streamed answer: text pieces, then usage and [DONE]. */
export function answerStep(
  texts: readonly string[],
  options: { delayMs?: number; finishReason?: string } = {},
): Step {
  const frames = [
    chunk({ role: 'assistant', content: '' }),
    ...texts.map((text) => chunk({ content: text })),
    chunk({}, options.finishReason ?? 'stop'),
    {
      id: 'chatcmpl-dap',
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
    },
  ]
  return sseStep(frames, options.delayMs)
}

export interface ScriptedToolCall {
  id: string
  name: string
  arguments: Record<string, unknown> | string
}

/** A streamed tool-calling answer (optional text first), each call's arguments in two pieces. */
export function toolCallStep(
  calls: readonly ScriptedToolCall[],
  options: { text?: string; finishReason?: string } = {},
): Step {
  const frames: Json[] = [chunk({ role: 'assistant', content: options.text ?? '' })]
  calls.forEach((call, index) => {
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments)
    const half = Math.floor(args.length / 2)
    frames.push(
      chunk({
        tool_calls: [
          {
            index,
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: args.slice(0, half) },
          },
        ],
      }),
    )
    frames.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] }))
  })
  frames.push(chunk({}, options.finishReason ?? 'tool_calls'))
  return sseStep(frames)
}

function sseStep(frames: readonly Json[], delayMs = 0): Step {
  return {
    match: '/v1/chat/completions',
    times: 1,
    headers: { 'content-type': 'text/event-stream' },
    chunks: [
      ...frames.map((frame) => ({ text: sseFrame({ data: JSON.stringify(frame) }), delayMs })),
      { text: 'data: [DONE]\n\n' },
    ],
  }
}
