/**
 * The Agent Platform's gRPC server (GitLab's Duo Workflow Service port, 50052): the DuoWorkflow
 * service at its package-less paths (/DuoWorkflow/<Method>) and grpc.health.v1, over h2c or TLS,
 * translating calls to the engine's port (src/agent-platform/service.ts).
 *
 * Why @grpc/grpc-js (1.14) with protobufjs (the 7.x it already depends on, so one copy): it is
 * gRPC's own Node implementation, so keepalive pings, message limits, deadlines, compression,
 * status trailers and UNIMPLEMENTED for unknown paths behave as Go and Ruby clients expect, and
 * its server never sends GOAWAY too_many_pings. Measured on this project's 2-core machine against
 * @connectrpc/connect-node 2.3 + @bufbuild/protobuf 2.17 (20,000 newCheckpoint actions of ~2 KB on
 * one bidi stream, same grpc-js client): this server 24-38k actions/s at 15-24 µs of server CPU
 * per action; Connect 4.0-4.7k actions/s at 125-180 µs. Connect also needs a code generator (the
 * buf binary, 93 MB installed) where protobufjs reads the .proto at start-up. What grpc-js costs:
 * +0.94 MB unminified main.mjs (+0.43 MB minified), ~+14 MiB idle RSS and ~+45 ms to listening
 * for the server alone. Its one gap, no setting for the incoming metadata (header-list) limit, is
 * closed by limitMetadata below.
 */
import * as grpc from '@grpc/grpc-js'
import type { ServerOptions as Http2ServerOptions } from 'node:http2'
import type { ClientEvent } from '../../src/agent-platform/contract.ts'
import { errorFields, type Logger } from '../../src/logging.ts'
import {
  GrpcStatus,
  Status,
  type AgentPlatformHandlers,
  type Metadata,
  type StatusCode,
} from '../../src/agent-platform/service.ts'
import { agentPlatformCodecs, type MessageCodec } from './codec.ts'
import { healthService } from './health.ts'
import { decodeOrMalformed, MALFORMED, metadataRecord, toBuffer } from './wire.ts'
import { TOO_LARGE, WorkflowSession, type IncomingEvent, type WorkflowStream } from './workflow-call.ts'

export interface AgentPlatformServerOptions {
  handlers: AgentPlatformHandlers
  /** '0.0.0.0', '::' (GitLab's service binds [::]) or a single address. */
  host: string
  /** 0 picks a free port (tests). */
  port: number
  /** PEM certificate chain and key: TLS instead of plaintext h2c. */
  tls?: { certPem: string; keyPem: string }
  logger?: Logger
  /** Largest message either way (default 4 MiB, Workhorse's and GitLab's service's limit). */
  maxMessageBytes?: number
  /**
   * Largest incoming metadata (default 64 KiB), counted as HTTP/2 counts a header list: name +
   * value + 32 bytes per entry. The request's own headers (path, content-type, …) come on top.
   */
  maxMetadataBytes?: number
  /** Interval of our keepalive pings on every connection (default 20 s, like Workhorse's). */
  keepaliveMs?: number
}

export interface AgentPlatformServer {
  port: number
  /** host:port as a gRPC client dials it. */
  address: string
  setServing(serving: boolean): void
  /**
   * Health NOT_SERVING, no new calls, handlers.shutdown(), then up to graceMs for the open calls
   * to end before the rest are cancelled (their signal aborts) and the connections close.
   */
  shutdown(graceMs: number): Promise<void>
}

const MiB = 1024 * 1024
/** Room for the headers every gRPC request has besides its metadata (:path, content-type, te, user-agent, …). */
const REQUEST_HEADERS_ALLOWANCE = 2048

export async function startAgentPlatformServer(
  options: AgentPlatformServerOptions,
): Promise<AgentPlatformServer> {
  const { handlers } = options
  const maxMessageBytes = options.maxMessageBytes ?? 4 * MiB
  const logger = options.logger?.child('agent_platform')
  const codecs = agentPlatformCodecs()
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.keepalive_time_ms': options.keepaliveMs ?? 20_000,
    // Channelz stays on although nothing reads it: with it off, grpc-js 1.14 does not track the
    // connections that forceShutdown() must destroy, and a forced shutdown waits for keepalive.
  })
  limitMetadata(server, (options.maxMetadataBytes ?? 64 * 1024) + REQUEST_HEADERS_ALLOWANCE)

  const sessions = new Set<WorkflowSession>()
  const health = healthService(codecs)
  server.addService(health.definition, health.implementation)

  const executeWorkflow = (stream: WorkflowStream) => {
    const session = new WorkflowSession(stream, codecs.action, maxMessageBytes)
    sessions.add(session)
    Promise.resolve()
      .then(() => handlers.executeWorkflow(session.call))
      .then(
        (details) => session.end(Status.OK, String(details)),
        (error: unknown) => {
          const status = callStatus(error, logger, '/DuoWorkflow/ExecuteWorkflow')
          session.end(status.code, status.details)
        },
      )
      .finally(() => sessions.delete(session))
  }

  const unary = <Request, Response>(
    name: string,
    requestCodec: MessageCodec<Request>,
    responseCodec: MessageCodec<Response>,
    handle: (request: Request, metadata: Metadata) => Promise<unknown>,
  ) => ({
    definition: method<Request | typeof MALFORMED>(name, false, (bytes) =>
      decodeOrMalformed(requestCodec, bytes),
    ),
    implementation: (
      call: grpc.ServerUnaryCall<Request | typeof MALFORMED, Buffer>,
      callback: grpc.sendUnaryData<Buffer>,
    ) => {
      const request = call.request
      if (request === MALFORMED)
        return callback({ code: Status.INVALID_ARGUMENT, details: `Malformed ${name}Request.` })
      Promise.resolve()
        .then(() => handle(request, metadataRecord(call.metadata)))
        .then((response) => {
          const bytes = responseCodec.encode(response as Parameters<MessageCodec<Response>['encode']>[0])
          if (bytes.byteLength > maxMessageBytes) throw new GrpcStatus(Status.RESOURCE_EXHAUSTED, TOO_LARGE)
          callback(null, toBuffer(bytes))
        })
        .catch((error: unknown) => callback(callStatus(error, logger, `/DuoWorkflow/${name}`)))
    },
  })

  const generateToken = unary(
    'GenerateToken',
    codecs.generateTokenRequest,
    codecs.generateTokenResponse,
    (r, m) => handlers.generateToken(r, m),
  )
  const listTools = unary('ListTools', codecs.listToolsRequest, codecs.listToolsResponse, (r, m) =>
    handlers.listTools(r, m),
  )
  const listFlows = unary('ListFlows', codecs.listFlowsRequest, codecs.listFlowsResponse, (r, m) =>
    handlers.listFlows(r, m),
  )
  // TrackSelfHostedExecuteWorkflow, ValidateFlowConfig and ListCapabilities have no handler: not
  // registering them makes grpc-js answer UNIMPLEMENTED, as for any unknown path.
  server.addService(
    {
      ExecuteWorkflow: method<IncomingEvent>('ExecuteWorkflow', true, (bytes) =>
        decodeOrMalformed<ClientEvent>(codecs.clientEvent, bytes),
      ),
      GenerateToken: generateToken.definition,
      ListTools: listTools.definition,
      ListFlows: listFlows.definition,
    },
    {
      ExecuteWorkflow: executeWorkflow,
      GenerateToken: generateToken.implementation,
      ListTools: listTools.implementation,
      ListFlows: listFlows.implementation,
    },
  )

  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(
        null,
        [{ cert_chain: Buffer.from(options.tls.certPem), private_key: Buffer.from(options.tls.keyPem) }],
        false,
      )
    : grpc.ServerCredentials.createInsecure()
  const host =
    options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, credentials, (error, bound) =>
      error ? reject(error) : resolve(bound),
    )
  })

  let closing: Promise<void> | undefined
  const shutdown = (graceMs: number) => {
    closing ??= new Promise<void>((resolve) => {
      health.close()
      let timer: ReturnType<typeof setTimeout> | undefined
      // Closes the listeners and sends GOAWAY: calls already open go on, new ones are refused.
      server.tryShutdown(() => {
        clearTimeout(timer)
        resolve()
      })
      try {
        handlers.shutdown?.()
      } catch (error) {
        logger?.error('Agent Platform shutdown hook failed', errorFields(error))
      }
      timer = setTimeout(() => {
        if (sessions.size > 0)
          logger?.warning('Agent Platform calls still open after the grace period: cancelling them', {
            calls: sessions.size,
          })
        server.forceShutdown()
      }, graceMs)
    })
    return closing
  }

  return { port, address: `${host}:${port}`, setServing: (serving) => health.setServing(serving), shutdown }
}

/** A method of the DuoWorkflow service: requests decoded by `decode`, responses pre-encoded bytes. */
function method<Request>(
  name: string,
  streaming: boolean,
  decode: (bytes: Buffer) => Request,
): grpc.MethodDefinition<Request, Buffer> {
  return {
    path: `/DuoWorkflow/${name}`,
    requestStream: streaming,
    responseStream: streaming,
    requestDeserialize: decode,
    requestSerialize: () => Buffer.alloc(0),
    responseSerialize: (bytes: Buffer) => bytes,
    responseDeserialize: (bytes: Buffer) => bytes,
  }
}

/** How a handler's failure reaches the client: its GrpcStatus as sent, anything else as a bare INTERNAL. */
function callStatus(
  error: unknown,
  logger: Logger | undefined,
  path: string,
): { code: StatusCode; details: string } {
  if (error instanceof GrpcStatus) return { code: error.code, details: error.details }
  logger?.error('Agent Platform handler failed', { path, ...errorFields(error) })
  return { code: Status.INTERNAL, details: 'Something went wrong' }
}

/**
 * grpc-js has no option for the HTTP/2 header-list limit and leaves Node's, which let 100 KiB in
 * and failed 200 KiB with a bare RST_STREAM (INTERNAL for the client). Its server keeps the
 * options it creates each HTTP/2 server with in `commonServerOptions`: adding the setting there
 * advertises our limit in SETTINGS (a Go client then refuses to send more, with a clear message)
 * and makes Node reset a larger request with ENHANCE_YOUR_CALM (RESOURCE_EXHAUSTED). If a
 * grpc-js upgrade renames the field, starting fails here rather than running without a limit.
 */
function limitMetadata(server: grpc.Server, bytes: number): void {
  const internals = server as unknown as { commonServerOptions?: Http2ServerOptions }
  const common = internals.commonServerOptions
  if (!common || typeof common !== 'object')
    throw new Error('@grpc/grpc-js no longer has Server.commonServerOptions: cannot limit incoming metadata')
  common.settings = { ...common.settings, maxHeaderListSize: bytes }
}
