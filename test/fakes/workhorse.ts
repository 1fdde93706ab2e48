/**
 * A fake GitLab Workhorse: a real gRPC client of the Agent Platform port (spec
 * duo-workflow-contract.md §6.7). It dials like Workhorse (h2c or TLS, 4 MiB messages, keepalive
 * pings every 20 s even without calls), opens ExecuteWorkflow with a metadata record, and hands
 * the actions it receives to `onAction` strictly one at a time: like Workhorse it reads nothing
 * more while one executes, and `newCheckpoint` gets no response.
 *
 * Messages go through @grpc/proto-loader from the same .proto files, not through the server's
 * codec, so a mapping mistake on the server shows here; the byte-level tests pin the encoding.
 */
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { fileURLToPath } from 'node:url'
import type {
  Action,
  ActionResponse,
  ClientEvent,
  GenerateTokenRequest,
  GenerateTokenResponse,
  ListFlowsRequest,
  ListFlowsResponse,
  ListToolsResponse,
  Outgoing,
  StartWorkflowRequest,
} from '../../src/agent-platform/contract.ts'

const PROTO_DIR = fileURLToPath(new URL('../../node-entry/agent-platform/', import.meta.url))
const MiB = 1024 * 1024

// Decoded objects in the contract's shape: proto names, int64 as numbers, enums by name, defaults filled.
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: false,
  arrays: true,
  objects: true,
}

export interface DialOptions {
  /** host:port */
  address: string
  /** Verify the server with this CA (PEM) instead of dialling plaintext. */
  tls?: { caPem: string; serverName?: string }
  /** Workhorse: 4 MiB each way; -1 = no limit (to send an oversized message on purpose). */
  maxSendBytes?: number
  maxReceiveBytes?: number
  keepaliveMs?: number
}

export interface CallResult<T> {
  code: number
  details: string
  response?: T
}

export interface WorkflowRun {
  /** Every action received, in order. */
  readonly actions: Action[]
  /** Sends one client event (after the start request: action responses are sent for you). */
  send(event: Outgoing<ClientEvent>): void
  /** Sends `stopWorkflow{reason}`, as Workhorse does when the browser closes the socket or on its own shutdown. */
  stop(reason: string): void
  /** CloseSend: the client's half of the stream ends. */
  halfClose(): void
  /** Cancels the call (RST_STREAM CANCEL), like a torn-down connection. */
  cancel(): void
  /** The final status. */
  readonly done: Promise<CallResult<never>>
  /** Resolves with the first action (already received or still to come) that matches. */
  waitForAction(match: (action: Action) => boolean): Promise<Action>
}

export type ActionHandler = (
  action: Action,
) => Promise<Outgoing<ActionResponse> | undefined> | Outgoing<ActionResponse> | undefined

export interface FakeWorkhorse {
  /** The underlying grpc-js client, for calls the helpers do not cover (raw bytes, odd paths). */
  readonly client: grpc.Client
  executeWorkflow(
    metadata: Record<string, string>,
    start: Outgoing<StartWorkflowRequest> | undefined,
    onAction?: ActionHandler,
  ): WorkflowRun
  generateToken(
    metadata: Record<string, string>,
    request?: Outgoing<GenerateTokenRequest>,
  ): Promise<CallResult<GenerateTokenResponse>>
  listTools(metadata: Record<string, string>): Promise<CallResult<ListToolsResponse>>
  listFlows(
    metadata: Record<string, string>,
    request?: Outgoing<ListFlowsRequest>,
  ): Promise<CallResult<ListFlowsResponse>>
  healthCheck(service?: string): Promise<CallResult<{ status: string }>>
  close(): void
}

interface LoadedService {
  new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ClientOptions): grpc.Client
  service: grpc.ServiceDefinition
}

let loaded: { duoWorkflow: LoadedService; health: LoadedService } | undefined

function services() {
  if (loaded) return loaded
  const contract = grpc.loadPackageDefinition(
    protoLoader.loadSync(`${PROTO_DIR}contract.proto`, LOADER_OPTIONS),
  )
  const health = grpc.loadPackageDefinition(protoLoader.loadSync(`${PROTO_DIR}health.proto`, LOADER_OPTIONS))
  const healthNamespace = (health.grpc as grpc.GrpcObject).health as grpc.GrpcObject
  loaded = {
    duoWorkflow: contract.DuoWorkflow as unknown as LoadedService,
    health: (healthNamespace.v1 as grpc.GrpcObject).Health as unknown as LoadedService,
  }
  return loaded
}

export function dialWorkhorse(options: DialOptions): FakeWorkhorse {
  const { duoWorkflow, health } = services()
  const credentials = options.tls
    ? grpc.credentials.createSsl(Buffer.from(options.tls.caPem))
    : grpc.credentials.createInsecure()
  const channelOptions: grpc.ClientOptions = {
    'grpc.max_send_message_length': options.maxSendBytes ?? 4 * MiB,
    'grpc.max_receive_message_length': options.maxReceiveBytes ?? 4 * MiB,
    'grpc.keepalive_time_ms': options.keepaliveMs ?? 20_000,
    'grpc.keepalive_permit_without_calls': 1,
    ...(options.tls?.serverName ? { 'grpc.ssl_target_name_override': options.tls.serverName } : {}),
  }
  const client = new duoWorkflow(options.address, credentials, channelOptions)
  const healthClient = new health(options.address, credentials, channelOptions)

  const unary = <Response>(
    target: grpc.Client,
    name: string,
    request: unknown,
    metadata: Record<string, string>,
  ) => {
    const method = (target as unknown as Record<string, Function>)[name]!.bind(target)
    return new Promise<CallResult<Response>>((resolve) => {
      method(request, toMetadata(metadata), (error: grpc.ServiceError | null, response: Response) => {
        resolve(
          error
            ? { code: error.code, details: error.details }
            : { code: grpc.status.OK, details: 'OK', response },
        )
      })
    })
  }

  return {
    client,
    executeWorkflow: (metadata, start, onAction) => runWorkflow(client, metadata, start, onAction),
    generateToken: (metadata, request = {}) => unary(client, 'GenerateToken', request, metadata),
    listTools: async (metadata) => {
      const result = await unary<{ tools: unknown[]; eval_dataset: unknown[] }>(
        client,
        'ListTools',
        {},
        metadata,
      )
      if (!result.response) return result as CallResult<ListToolsResponse>
      const { tools, eval_dataset } = result.response
      return {
        ...result,
        response: { tools: tools.map(structToJson), eval_dataset: eval_dataset.map(structToJson) },
      }
    },
    listFlows: async (metadata, request = {}) => {
      const result = await unary<{ configs: unknown[] }>(client, 'ListFlows', request, metadata)
      if (!result.response) return result as CallResult<ListFlowsResponse>
      return { ...result, response: { configs: result.response.configs.map(structToJson) } }
    },
    healthCheck: (service = '') => unary(healthClient, 'Check', { service }, {}),
    close: () => {
      client.close()
      healthClient.close()
    },
  }
}

function runWorkflow(
  client: grpc.Client,
  metadata: Record<string, string>,
  start: Outgoing<StartWorkflowRequest> | undefined,
  onAction?: ActionHandler,
): WorkflowRun {
  const call = (
    client as unknown as {
      ExecuteWorkflow(metadata: grpc.Metadata): grpc.ClientDuplexStream<unknown, Action>
    }
  ).ExecuteWorkflow(toMetadata(metadata))
  const actions: Action[] = []
  const waiters: { match: (action: Action) => boolean; resolve: (action: Action) => void }[] = []
  const done = new Promise<CallResult<never>>((resolve) =>
    call.on('status', (status: grpc.StatusObject) => resolve({ code: status.code, details: status.details })),
  )
  call.on('error', () => {}) // the status event carries it

  // One action at a time: the stream is paused while onAction runs, as Workhorse does not read the next one.
  call.on('data', (action: Action) => {
    actions.push(action)
    for (const waiter of [...waiters]) {
      if (waiter.match(action)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(action)
      }
    }
    if (!onAction) return
    call.pause()
    Promise.resolve(onAction(action))
      .then((response) => {
        if (response && !action.newCheckpoint && call.writable)
          call.write({ actionResponse: { requestID: action.requestID, ...response } })
      })
      .finally(() => call.resume())
  })

  if (start) call.write({ startRequest: start })
  return {
    actions,
    send: (event) => call.write(event),
    stop: (reason) => call.write({ stopWorkflow: { reason } }),
    halfClose: () => call.end(),
    cancel: () => call.cancel(),
    done,
    waitForAction: (match) => {
      const seen = actions.find(match)
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }))
    },
  }
}

function toMetadata(record: Record<string, string>): grpc.Metadata {
  const metadata = new grpc.Metadata()
  for (const [key, value] of Object.entries(record)) metadata.set(key, value)
  return metadata
}

interface LoadedValue {
  nullValue?: string
  numberValue?: number
  stringValue?: string
  boolValue?: boolean
  structValue?: { fields: Record<string, LoadedValue> }
  listValue?: { values: LoadedValue[] }
}

/** google.protobuf.Struct as proto-loader gives it → the JSON object. */
export function structToJson(struct: unknown): Record<string, unknown> {
  const fields = (struct as { fields?: Record<string, LoadedValue> }).fields ?? {}
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, valueToJson(value)]))
}

function valueToJson(value: LoadedValue): unknown {
  if (value.numberValue !== undefined) return value.numberValue
  if (value.stringValue !== undefined) return value.stringValue
  if (value.boolValue !== undefined) return value.boolValue
  if (value.structValue) return structToJson(value.structValue)
  if (value.listValue) return value.listValue.values.map(valueToJson)
  return null
}
