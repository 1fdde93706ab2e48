/**
 * One `ExecuteWorkflow` stream as the engine uses it, after its start request (spec §5.5, §5.8,
 * §5.10): actions out, each (but `newCheckpoint`) answered by the `ActionResponse` with its
 * `requestID`; the client's other events read in the background — a `stopWorkflow` or the client
 * closing its side ends the turn (`turn` aborts with the reason), heartbeats and a second start
 * request are ignored, an answer nobody waits for is logged and dropped.
 *
 * Checkpoints are coalesced as GitLab's service does: while one is being sent, only the newest of
 * those queued behind it goes next, so a slow client sees the latest state, not a backlog.
 */
import type { Logger } from '../logging.ts'
import type { Action, ActionResponse, NewCheckpoint, Outgoing } from './contract.ts'
import type { Metadata, WorkflowCall } from './service.ts'

/** Why a turn stopped before it finished. */
export type StopReason =
  | { kind: 'stop'; reason: string } // stopWorkflow (Workhorse: the user closed the chat, or WORKHORSE_SERVER_SHUTDOWN)
  | { kind: 'closed' } // the client half-closed its side of the stream
  | { kind: 'cancelled' } // the call is gone (cancelled, connection lost)
  | { kind: 'shutdown' } // this server is shutting down

/** Whether the client can still answer actions after the turn stopped (it asked for the stop, or we are shutting down). */
export function clientStillThere(stop: StopReason): boolean {
  return stop.kind === 'stop' || stop.kind === 'shutdown'
}

/** An action went unanswered for longer than its caller waits. */
export class ActionTimeout extends Error {
  constructor(kind: string, seconds: number) {
    super(`The client did not answer a ${kind} action within ${seconds} s`)
    this.name = 'ActionTimeout'
  }
}

export interface RequestOptions {
  /** Give up waiting after this long (ActionTimeout); absent: wait as long as the turn lasts. */
  timeoutMs?: number | undefined
  /** Also after the turn stopped, while the client is still there: the wrap-up (PATCH stop, the last checkpoint). */
  wrapUp?: boolean | undefined
}

export class TurnStopped extends Error {
  readonly stop: StopReason
  constructor(stop: StopReason) {
    super(`the turn was stopped (${stop.kind})`)
    this.name = 'TurnStopped'
    this.stop = stop
  }
}

interface Pending {
  resolve(response: ActionResponse): void
  reject(error: unknown): void
  kind: string
  sent: number
}

/** An action was answered, `seconds` after it was sent (metrics). */
export type AnswerListener = (kind: string, seconds: number) => void

export class ActionChannel {
  private readonly call: WorkflowCall
  private readonly log: Logger
  private readonly onAnswer: AnswerListener | undefined
  private readonly pending = new Map<string, Pending>()
  private readonly controller = new AbortController()
  private inFlight: Promise<void> | undefined
  private queued: (() => Outgoing<NewCheckpoint>) | undefined
  private reading: Promise<void> | undefined
  /** Set once the turn must stop; `turn` aborts with a TurnStopped carrying it. */
  stopped: StopReason | undefined

  constructor(call: WorkflowCall, log: Logger, onAnswer?: AnswerListener) {
    this.call = call
    this.log = log
    this.onAnswer = onAnswer
    const onCancel = () => this.halt({ kind: 'cancelled' })
    if (call.signal.aborted) onCancel()
    else call.signal.addEventListener('abort', onCancel, { once: true })
  }

  /** The call's metadata (the session's headers). */
  get metadata(): Metadata {
    return this.call.metadata
  }

  /** Aborted when the turn must stop (its reason is a TurnStopped): pass it to model calls. */
  get turn(): AbortSignal {
    return this.controller.signal
  }

  /** Starts reading the client's events (after the start request, which the session read itself). */
  listen(): void {
    this.reading ??= this.read()
  }

  /**
   * Stops the turn: the work in progress is aborted (`turn`), the actions waiting for an answer
   * fail. A later stop only matters when the client went away meanwhile (the wrap-up then stops too).
   */
  halt(stop: StopReason): void {
    if (this.stopped && (!clientStillThere(this.stopped) || clientStillThere(stop))) return
    this.stopped = stop
    const error = new TurnStopped(stop)
    if (!this.controller.signal.aborted) this.controller.abort(error)
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id)
      waiting.reject(error)
    }
  }

  /**
   * Sends an action and waits for its answer. The action's `requestID` is made here (a UUIDv4, as
   * GitLab's service does).
   * @throws TurnStopped when the turn stops first; ActionTimeout; GrpcStatus when the transport refuses the action.
   */
  async request(
    action: Omit<Outgoing<Action>, 'requestID'>,
    options: RequestOptions = {},
  ): Promise<ActionResponse> {
    if (this.stopped && !(options.wrapUp && clientStillThere(this.stopped)))
      throw new TurnStopped(this.stopped)
    const requestID = crypto.randomUUID()
    const kind = Object.keys(action)[0] ?? 'action'
    let timer: ReturnType<typeof setTimeout> | undefined
    const answer = new Promise<ActionResponse>((resolve, reject) => {
      this.pending.set(requestID, { resolve, reject, kind, sent: performance.now() })
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          if (!this.pending.delete(requestID)) return
          reject(new ActionTimeout(kind, Math.round(options.timeoutMs! / 1000)))
        }, options.timeoutMs)
      }
    }).finally(() => clearTimeout(timer))
    // Sent only after any checkpoint in flight: the client sees actions in the order they were made.
    await this.inFlight
    try {
      await this.call.send({ requestID, ...action })
    } catch (error) {
      this.pending.delete(requestID)
      throw error
    }
    return answer
  }

  /**
   * Sends a `newCheckpoint` (no answer), coalesced with those queued behind the one being sent.
   * `compose` runs when it goes out, and only for the one that goes: a streamed answer does not
   * build a checkpoint per token, and an incremental one is cut from what was really sent.
   */
  checkpoint(compose: () => Outgoing<NewCheckpoint>): void {
    if (this.stopped && !clientStillThere(this.stopped)) return
    if (this.inFlight) {
      this.queued = compose
      return
    }
    this.inFlight = this.sendCheckpoints(compose)
  }

  /** Resolves once every checkpoint made so far is with the transport (before the stream ends). */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight
  }

  private async sendCheckpoints(first: () => Outgoing<NewCheckpoint>): Promise<void> {
    let next: (() => Outgoing<NewCheckpoint>) | undefined = first
    try {
      while (next) {
        this.queued = undefined
        await this.call.send({ requestID: crypto.randomUUID(), newCheckpoint: next() })
        next = this.queued
      }
    } catch (error) {
      this.log.warning('Could not send a checkpoint to the client', {
        error: error instanceof Error ? error.message : String(error),
      })
    } finally {
      this.inFlight = undefined
    }
  }

  private async read(): Promise<void> {
    for (;;) {
      let event
      try {
        event = await this.call.next()
      } catch {
        return this.halt({ kind: 'cancelled' })
      }
      if (!event) return this.halt({ kind: 'closed' })
      if (event.actionResponse) this.answer(event.actionResponse)
      else if (event.stopWorkflow) this.halt({ kind: 'stop', reason: event.stopWorkflow.reason })
      // heartbeats keep the stream alive; a second start request is ignored (spec §5.10)
    }
  }

  private answer(response: ActionResponse): void {
    let id = response.requestID
    // LSP < 8.20 answered without requestID: the oldest waiting action of the matching kind (spec §5.5).
    if (!id)
      id =
        [...this.pending].find(([, waiting]) =>
          response.httpResponse ? waiting.kind === 'runHTTPRequest' : waiting.kind !== 'runHTTPRequest',
        )?.[0] ?? ''
    const waiting = this.pending.get(id)
    if (!waiting) {
      this.log.debug('Request ID not found.', { request_id: response.requestID })
      return
    }
    this.pending.delete(id)
    this.onAnswer?.(waiting.kind, (performance.now() - waiting.sent) / 1000)
    waiting.resolve(response)
  }
}
