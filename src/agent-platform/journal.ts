/**
 * A turn's state and where it goes (spec §5.4, §5.6, §7.3): status changes told to Rails as status
 * events, states saved as checkpoints, and the chat shown to the client as `newCheckpoint`s. The
 * order is GitLab's: a state's status event, then its checkpoint, then the client sees it, so what
 * the user saw is what a reload (or the next turn) finds.
 */
import type { Logger } from '../logging.ts'
import type { ActionChannel, RequestOptions } from './channel.ts'
import { compressCheckpointPost, encodeCheckpoint, placeAfter } from './checkpoint.ts'
import type { CheckpointIds } from './checkpoint-ids.ts'
import { RailsError, type Rails } from './rails.ts'
import type { ChatStatus, ChatState } from './state.ts'
import { statusEvent } from './status.ts'
import type { ChatStream } from './streamed-checkpoint.ts'

export interface JournalOptions {
  rails: Rails
  channel: ActionChannel
  workflowId: string
  stream: ChatStream
  ids: CheckpointIds
  /** `duo_workflow_compress_checkpoint`: checkpoints go as `compressed_checkpoint`. */
  compress: boolean
  log: Logger
}

/** Where the thread's checkpoints stand when the turn starts. */
export interface ThreadPosition {
  /** The latest checkpoint's `thread_ts` (null: the thread has none). */
  latestTs: string | null
  /** Its LangGraph step (null: unknown or none). */
  step: number | null
}

export class Journal {
  state: ChatState
  /** The last status event this turn sent to Rails (the turn's start event first): the stream's end details name it. */
  lastEvent: string
  private readonly options: JournalOptions
  /** The thread's latest checkpoint (null: none yet). */
  private previous: { threadTs: string; step: number | null } | null
  /** The status Rails was last told about (through a status event). */
  private toldStatus: ChatStatus

  constructor(state: ChatState, position: ThreadPosition, startEvent: string, options: JournalOptions) {
    this.state = state
    this.options = options
    this.previous = position.latestTs === null ? null : { threadTs: position.latestTs, step: position.step }
    this.toldStatus = state.status
    this.lastEvent = startEvent
  }

  /**
   * The state's status becomes `status`; Rails is told when GitLab's table has an event for the change.
   * @throws RailsError when Rails refuses it
   */
  async setStatus(status: ChatStatus, request: RequestOptions = {}): Promise<void> {
    this.state.status = status
    const event = statusEvent(status, this.toldStatus)
    this.toldStatus = status
    if (!event) return
    const { status: httpStatus, body } = await this.options.rails.statusEvent(
      this.options.workflowId,
      event,
      request,
    )
    if (httpStatus !== 200)
      throw new RailsError(
        `GitLab answered HTTP ${httpStatus} to the status event '${event}': ${body.slice(0, 200)}`,
        httpStatus,
      )
    this.lastEvent = event
  }

  /** Saves the state as the thread's next checkpoint. @throws RailsError when Rails refuses it */
  async save(request: RequestOptions = {}): Promise<void> {
    const { rails, workflowId, ids, compress, log } = this.options
    const place = placeAfter(this.previous, ids)
    const post = encodeCheckpoint(this.state, place)
    await rails.saveCheckpoint(workflowId, compress ? await compressCheckpointPost(post) : post, request)
    log.debug('Checkpoint saved', { thread_ts: place.threadTs, parent_ts: place.parentTs })
    this.previous = { threadTs: place.threadTs, step: place.step }
  }

  /** Shows the state as it stands (its log and status) to the client. */
  show(): void {
    const { stream, channel } = this.options
    stream.saved(this.state.uiLog, this.state.status)
    channel.checkpoint(() => stream.compose())
  }

  /** Shows the model message `messageId` as streamed so far (`text`: all of it). */
  showText(messageId: string, text: string): void {
    const { stream, channel } = this.options
    stream.streaming(messageId, text)
    channel.checkpoint(() => stream.compose())
  }

  /** A step's end: its status (told to Rails), its checkpoint, then the client sees it. */
  async commit(status: ChatStatus, request: RequestOptions = {}): Promise<void> {
    await this.setStatus(status, request)
    await this.save(request)
    this.show()
  }

  /** The end of a stopped turn: `STOPPED` and no entries (the client keeps what it has). */
  showStopped(): void {
    const { stream, channel } = this.options
    channel.checkpoint(() => stream.stopped())
  }
}
