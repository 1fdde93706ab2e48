/**
 * The chat as streamed to the client in `newCheckpoint` actions (spec §5.4, Appendix D.3): not the
 * stored checkpoint but `{"channel_values": {"ui_chat_log": [...], "plan": {"steps": []}}}`, with
 * the status of the last saved state and the turn's goal.
 *
 * One ChatStream per ExecuteWorkflow stream. It keeps its own copy of the chat log: each saved
 * state replaces it (`saved`), each streamed piece of model text updates or appends that message's
 * entry (`streaming`, status null). With the client capability `incremental_streaming` a checkpoint
 * carries the log only from the entry last sent (inclusive: it may have grown since) to the end,
 * and the stream's first checkpoint the whole log (after a resume: the whole conversation), as
 * GitLab's clients expect: they find the first entry by `message_id` and merge from there, or from
 * the start when they do not know it. When the entry last sent is gone (a streamed piece the saved
 * state did not keep), the whole log goes again, which the client merges harmlessly.
 */
import type { NewCheckpoint, Outgoing } from './contract.ts'
import type { ChatStatus, UiLogEntry } from './state.ts'
import { checkpointStatus } from './status.ts'
import { streamingAgentEntry, type EntryOptions } from './ui-log.ts'

export interface ChatStreamOptions {
  /** This request's goal (`startRequest.goal`), sent in every `NewCheckpoint.goal`. */
  goal: string
  /** The session's capabilities include `incremental_streaming` (and GitLab is 18.7 or later). */
  incremental: boolean
  /** The status of the state the turn starts from (default: Not Started). */
  status?: ChatStatus
}

export class ChatStream {
  readonly #goal: string
  readonly #incremental: boolean
  #status: ChatStatus
  #log: UiLogEntry[] = []
  /** The last entry sent: its id, and its index for entries without one. */
  #sent: { id: string | null; index: number } | undefined

  constructor(options: ChatStreamOptions) {
    this.#goal = options.goal
    this.#incremental = options.incremental
    this.#status = options.status ?? 'Not Started'
  }

  /** A saved state: its log becomes the log streamed, its status the status shown. */
  saved(log: readonly UiLogEntry[], status: ChatStatus): void {
    this.#log = [...log]
    this.#status = status
  }

  /**
   * A streamed piece of the model message `messageId`: `text` is its whole text so far. The
   * message's entry keeps its first timestamp; the status shown does not change until it is saved.
   * No entry is made while the text is empty: a model turn that only calls tools has none, and
   * GitLab's service left an empty bubble in the client's store for it (Appendix D.3).
   */
  streaming(messageId: string, text: string, options: EntryOptions = {}): void {
    const index = this.#log.findLastIndex((e) => e.message_id === messageId && e.message_type === 'agent')
    const current = this.#log[index]
    // A new object: the entries may be the engine's state's own.
    if (current) this.#log[index] = { ...current, content: text }
    else if (text !== '') this.#log.push(streamingAgentEntry(messageId, text, options))
  }

  /** The log as it stands (the engine's copy is authoritative; this one includes streamed pieces). */
  get log(): readonly UiLogEntry[] {
    return this.#log
  }

  /**
   * The `newCheckpoint` to send now. Advances the stream's position: call it only for a checkpoint
   * that is sent (when several are queued and only the newest goes, compose that one alone).
   */
  compose(): Outgoing<NewCheckpoint> {
    const from = this.#incremental ? this.#resumeIndex() : 0
    const last = this.#log.length - 1
    if (last >= 0) this.#sent = { id: this.#log[last]?.message_id ?? null, index: last }
    return this.#checkpoint(this.#log.slice(from), checkpointStatus(this.#status))
  }

  /** The checkpoint a stopped turn ends with: `STOPPED` and an empty log (the client keeps what it has). */
  stopped(): Outgoing<NewCheckpoint> {
    return this.#checkpoint([], 'STOPPED')
  }

  #resumeIndex(): number {
    const sent = this.#sent
    if (!sent) return 0
    if (sent.id === null)
      return sent.index < this.#log.length && this.#log[sent.index]?.message_id === null ? sent.index : 0
    const index = this.#log.findLastIndex((e) => e.message_id === sent.id)
    return index < 0 ? 0 : index
  }

  #checkpoint(entries: UiLogEntry[], status: string): Outgoing<NewCheckpoint> {
    return {
      status,
      goal: this.#goal,
      checkpoint: JSON.stringify({ channel_values: { ui_chat_log: entries, plan: { steps: [] } } }),
    }
  }
}
