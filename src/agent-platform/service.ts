/**
 * The port between the gRPC transport (node-entry/agent-platform/) and the Agent Platform engine:
 * the engine implements AgentPlatformHandlers against plain contract objects and never sees the
 * gRPC library, so it stays Web-standard and testable without a socket.
 */
import type {
  Action,
  ClientEvent,
  GenerateTokenRequest,
  GenerateTokenResponse,
  ListFlowsRequest,
  ListFlowsResponse,
  ListToolsRequest,
  ListToolsResponse,
  Outgoing,
} from './contract.ts'

/** gRPC status codes (grpc/doc/statuscodes.md). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const
export type StatusCode = (typeof Status)[keyof typeof Status]

/** A call's end: thrown by handlers for a non-OK end; `details` goes to the client as grpc-message. */
export class GrpcStatus extends Error {
  readonly code: StatusCode
  readonly details: string

  constructor(code: StatusCode, details: string) {
    super(details)
    this.name = 'GrpcStatus'
    this.code = code
    this.details = details
  }
}

/** Metadata as received: keys lower-cased, `-bin` keys and pseudo-headers left out. */
export type Metadata = Readonly<Record<string, string>>

export interface WorkflowCall {
  readonly metadata: Metadata
  /**
   * Aborted when the call ends before the handler has returned: the client cancels it, the
   * connection drops, the server shuts down hard, or the transport ended it (an action too large
   * to send, a malformed client message). The reason is a GrpcStatus.
   */
  readonly signal: AbortSignal
  /** The next client event; undefined once the client half-closed (or the call is over). */
  next(): Promise<ClientEvent | undefined>
  /**
   * Sends one action; resolves when the transport has taken it (back-pressure). Rejects with
   * GrpcStatus RESOURCE_EXHAUSTED 'Outgoing message too large.' when it encodes to more than the
   * maximum message size (the call then ends with that status), and with CANCELLED once the call
   * is gone.
   */
  send(action: Outgoing<Action>): Promise<void>
}

export interface AgentPlatformHandlers {
  /** Resolves with the OK end's details text (e.g. 'workflow execution success'); throws GrpcStatus otherwise. */
  executeWorkflow(call: WorkflowCall): Promise<string>
  generateToken(request: GenerateTokenRequest, metadata: Metadata): Promise<Outgoing<GenerateTokenResponse>>
  listTools(request: ListToolsRequest, metadata: Metadata): Promise<Outgoing<ListToolsResponse>>
  listFlows(request: ListFlowsRequest, metadata: Metadata): Promise<Outgoing<ListFlowsResponse>>
  /** Told once when the server starts shutting down: open sessions should stop (save and end). */
  shutdown?(): void
}
