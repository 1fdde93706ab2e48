/**
 * What the user reads when a turn fails, and the gRPC status the stream ends with (spec §5.9).
 * GitLab's service shows one of two generic sentences and ends with UNKNOWN; here the chat says
 * what went wrong in words an administrator can act on (which host answered what, which setting
 * is missing), and the stream ends INTERNAL, or FAILED_PRECONDITION / INVALID_ARGUMENT when the
 * request or the configuration is the cause. Every message here is safe to show: the errors it
 * reads from are built without tokens, keys or request bodies.
 */
import { GatewayError } from '../errors.ts'
import { ModelStreamError } from '../model-call/types.ts'
import { UpstreamError } from '../model-call/upstream-error.ts'
import { ActionTimeout } from './channel.ts'
import { RailsError } from './rails.ts'
import { ModelNotConfigured } from './session-model.ts'
import { GrpcStatus, Status, type StatusCode } from './service.ts'

/** A turn that cannot go on, with the sentence the chat shows and the status the stream ends with. */
export class TurnFailed extends Error {
  readonly code: StatusCode
  readonly userMessage: string

  constructor(userMessage: string, code: StatusCode = Status.INTERNAL, name = 'TurnFailed') {
    super(userMessage)
    this.name = name
    this.code = code
    this.userMessage = userMessage
  }
}

export interface Failure {
  /** For the chat's failure entry. */
  userMessage: string
  /** The stream's end. */
  status: GrpcStatus
  /** For the log: the error's class. */
  errorType: string
  /** Worth an error-level log line (a fault of ours or unexpected), rather than a warning. */
  unexpected: boolean
}

const GENERIC =
  'Something went wrong in the GitLab Duo Agent Platform service while processing your request. Please try again; if it persists, ask your administrator to check the service logs.'

export function describeFailure(error: unknown): Failure {
  const errorType = error instanceof Error ? error.name : typeof error
  const end = (userMessage: string, code: StatusCode = Status.INTERNAL, unexpected = false): Failure => ({
    userMessage,
    status: new GrpcStatus(code, `workflow execution failure: ${errorType}: ${userMessage}`),
    errorType,
    unexpected,
  })
  if (error instanceof TurnFailed) return end(error.userMessage, error.code)
  if (error instanceof ModelNotConfigured) return end(error.message, Status.FAILED_PRECONDITION)
  if (error instanceof UpstreamError) return end(`The model could not answer. ${error.message}`)
  if (error instanceof ModelStreamError)
    return end(`The model server reported an error while answering: ${error.message}`)
  if (error instanceof GatewayError)
    return end(
      `The model call could not be made: ${error.message}`,
      error.status < 500 ? Status.FAILED_PRECONDITION : Status.INTERNAL,
    )
  if (error instanceof RailsError)
    return end(`GitLab could not complete a request of this chat: ${error.message}`)
  if (error instanceof ActionTimeout) return end(`${error.message}; the chat was stopped.`)
  // Unexpected: its message may hold internals, so neither the chat nor the status carries it (the log does).
  return {
    userMessage: GENERIC,
    status: new GrpcStatus(Status.INTERNAL, `workflow execution failure: ${errorType}`),
    errorType,
    unexpected: true,
  }
}
