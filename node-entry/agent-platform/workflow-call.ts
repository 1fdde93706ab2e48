/**
 * One ExecuteWorkflow stream as the engine sees it (WorkflowCall): client events pulled one at a
 * time (the stream pauses while the engine is busy, so a fast client cannot pile up memory),
 * actions pushed with back-pressure, and a signal that aborts when the call ends under the
 * engine's feet. The call ends exactly once: by the handler (OK or its GrpcStatus), or by the
 * transport (client gone, action too large, malformed client message).
 */
import type * as grpc from '@grpc/grpc-js'
import type { Action, ClientEvent, Outgoing } from '../../src/agent-platform/contract.ts'
import { GrpcStatus, Status, type StatusCode, type WorkflowCall } from '../../src/agent-platform/service.ts'
import type { MessageCodec } from './codec.ts'
import { MALFORMED, metadataRecord, toBuffer } from './wire.ts'

export type IncomingEvent = ClientEvent | typeof MALFORMED
export type WorkflowStream = grpc.ServerDuplexStream<IncomingEvent, Buffer>

export const TOO_LARGE = 'Outgoing message too large.'

export class WorkflowSession {
  readonly call: WorkflowCall
  #stream: WorkflowStream
  #controller = new AbortController()
  /** Client events read but not yet asked for (at most one: the stream pauses behind it). */
  #queued: IncomingEvent[] = []
  #waiting: ((event: IncomingEvent | undefined) => void) | undefined
  #readEnded = false
  #over = false
  #ending: Error | undefined

  constructor(stream: WorkflowStream, codec: MessageCodec<Action>, maxMessageBytes: number) {
    this.#stream = stream
    // Events, not an async iterator: an iterator waiting for the next message destroys the stream
    // when the call is ended with a status (grpc-js ends it by an 'error' event), and the status
    // then never reaches the client.
    stream.on('data', (event: IncomingEvent) => this.#arrived(event))
    stream.on('end', () => this.#readDone())
    // grpc-js emits 'cancelled' for a client cancel, a dropped connection, a passed deadline and a
    // forced server shutdown: in every case the call is gone.
    stream.on('cancelled', () => this.#gone(new GrpcStatus(Status.CANCELLED, 'The call was cancelled.')))
    // A write after the call is gone errors the stream (the status is settled already); the
    // status this session emits to end the call is no such error.
    stream.on('error', (error) => {
      if (error !== this.#ending) this.#gone(new GrpcStatus(Status.CANCELLED, 'The call is over.'))
    })
    const session = this
    this.call = {
      metadata: metadataRecord(stream.metadata),
      signal: this.#controller.signal,
      next: () => session.#next(),
      send: (action) => session.#send(codec, maxMessageBytes, action),
    }
  }

  get over(): boolean {
    return this.#over
  }

  /** Ends the call with this status, unless it is over already. */
  end(code: StatusCode, details: string): void {
    if (this.#over) return
    this.#over = true
    // grpc-js's documented way to end a server stream with a status is to emit it as an 'error'
    // (ServerErrorResponse); it takes code 0 too, which is how an OK end carries its details.
    this.#ending = Object.assign(new Error(details), { code, details })
    this.#stream.emit('error', this.#ending)
  }

  /** Ended by the transport while the handler may still run: tell it through the signal. */
  #endEarly(status: GrpcStatus): void {
    this.end(status.code, status.details)
    this.#controller.abort(status)
  }

  #gone(reason: GrpcStatus): void {
    this.#over = true
    if (!this.#controller.signal.aborted) this.#controller.abort(reason)
    this.#readDone()
  }

  #arrived(event: IncomingEvent): void {
    const waiting = this.#waiting
    if (waiting) {
      this.#waiting = undefined
      return waiting(event)
    }
    this.#queued.push(event)
    // Nobody asked yet: no more until somebody does (a fast client cannot pile up memory).
    this.#stream.pause()
  }

  #readDone(): void {
    this.#readEnded = true
    const waiting = this.#waiting
    this.#waiting = undefined
    waiting?.(undefined)
  }

  async #next(): Promise<ClientEvent | undefined> {
    if (this.#over) return undefined
    let event = this.#queued.shift()
    if (event !== undefined) {
      if (!this.#queued.length) this.#stream.resume()
    } else {
      if (this.#readEnded) return undefined
      event = await new Promise<IncomingEvent | undefined>((resolve) => (this.#waiting = resolve))
    }
    if (event === undefined || this.#over) return undefined // the client's half ended, or the call is gone (the signal says so)
    if (event === MALFORMED) {
      this.#endEarly(new GrpcStatus(Status.INVALID_ARGUMENT, 'Malformed ClientEvent.'))
      return undefined
    }
    return event
  }

  async #send(codec: MessageCodec<Action>, maxMessageBytes: number, action: Outgoing<Action>): Promise<void> {
    if (this.#over) throw new GrpcStatus(Status.CANCELLED, 'The call is over.')
    const bytes = codec.encode(action)
    if (bytes.byteLength > maxMessageBytes) {
      const status = new GrpcStatus(Status.RESOURCE_EXHAUSTED, TOO_LARGE)
      this.#endEarly(status)
      throw status
    }
    if (this.#stream.write(toBuffer(bytes))) return
    await new Promise<void>((resolve, reject) => {
      const settle = () => {
        this.#stream.off('drain', settle)
        this.#stream.off('close', settle)
        if (this.#over && !this.#stream.writable)
          reject(new GrpcStatus(Status.CANCELLED, 'The call is over.'))
        else resolve()
      }
      this.#stream.on('drain', settle)
      this.#stream.on('close', settle)
    })
  }
}
