/**
 * Reads a ReAct answer as it streams (spec features §5.2; the model continues the `Thought:`
 * prefill): from the moment `Final Answer:` has been written, every delta yields the answer's new
 * characters, whitespace-trimmed (leading whitespace is dropped, trailing whitespace waits until
 * more text follows). At the end, the whole output says what the model did: answered, picked a
 * tool (`Action:` + `Action Input:`), or neither.
 *
 * Memory is bounded: once the answer has begun nothing more is kept (its characters go out as they
 * come), and until then at most `maxChars` of output are held; past that `overLimit` turns true and
 * the caller ends the turn (AIGW_UPSTREAM__MAX_RESPONSE_BYTES).
 */

import { ReasoningFilter } from '../streaming/reasoning-filter.ts'

export type ReactOutcome =
  | { kind: 'final_answer' }
  | { kind: 'action'; tool: string; toolInput: string; thought: string }
  | { kind: 'unknown'; text: string }

const FINAL_ANSWER = 'Final Answer:'
/** `Action: <tool>` then `Action Input: <input>`; GitLab tolerates a `-` or spaces before the second `Action`. */
const ACTION = /Action:[ \t]*(.*?)[\s-]*Action Input:[ \t]*(.*)/s

export class ReactStreamParser {
  private readonly maxChars: number
  /** Hides a reasoning model's `<think>` block (GitLab strips it from ReAct output). */
  private readonly reasoning: ReasoningFilter
  /**
   * The output so far, in pieces joined once at the end: appending to one string and searching it
   * on every delta made V8 copy the whole text each time (quadratic on a long thought).
   */
  private rawParts: string[] = []
  private rawChars = 0
  /** The visible output (without its reasoning block), in pieces. */
  private visibleParts: string[] = []
  /** The last visible characters already searched, so that a marker split across deltas is still found. */
  private tail = ''
  private answering = false
  private answerBegun = false
  private heldWhitespace = ''

  constructor(options: { stripReasoning?: boolean; maxChars?: number } = {}) {
    this.maxChars = options.maxChars ?? Infinity
    this.reasoning = new ReasoningFilter(options.stripReasoning ?? false)
  }

  /** The final answer's new characters that `delta` reveals ('' for none). */
  push(delta: string): string {
    // The answer's own text is never kept: only what decides between answer, tool and neither is.
    if (this.answering) return this.answerText(delta)
    this.rawParts.push(delta)
    this.rawChars += delta.length
    const fresh = this.reasoning.push(delta)
    return fresh ? this.search(fresh) : ''
  }

  /** The answer's characters still held when the output ends (a short one a reasoning model's prefix check was waiting on). */
  end(): string {
    if (this.answering) return ''
    const fresh = this.reasoning.end()
    return fresh ? this.search(fresh) : ''
  }

  /** More output than `maxChars` is held without an answer having begun: the caller must stop reading. */
  get overLimit(): boolean {
    return !this.answering && this.rawChars > this.maxChars
  }

  /** Whether `Final Answer:` has been seen. */
  get answered(): boolean {
    return this.answering
  }

  /** What the whole output amounts to (after `end()`). */
  finish(): ReactOutcome {
    if (this.answering) return { kind: 'final_answer' }
    const { phase } = this.reasoning
    const text =
      phase === 'visible' ? this.visibleParts.join('') : phase === 'thinking' ? '' : this.rawParts.join('')
    if (text.includes(FINAL_ANSWER)) return { kind: 'final_answer' }
    const action = ACTION.exec(text)
    if (action) {
      const tool = toolName(action[1]!)
      // Without a stop sequence (GPT) a model may go on to invent the observation itself.
      const toolInput = action[2]!.split(/\n\s*Observation:/)[0]!.trim()
      // `Action: DirectAnswer` is the answer format's marker, not a tool; without its Final Answer it says nothing.
      if (tool && tool !== 'direct_answer')
        return { kind: 'action', tool, toolInput, thought: thoughtOf(text.slice(0, action.index)) }
    }
    return { kind: 'unknown', text }
  }

  /** Appends newly visible text and looks for `Final Answer:` in it (and the tail before it). */
  private search(fresh: string): string {
    this.visibleParts.push(fresh)
    const window = this.tail + fresh
    const at = window.indexOf(FINAL_ANSWER)
    if (at < 0) {
      this.tail = window.slice(-(FINAL_ANSWER.length - 1))
      return ''
    }
    this.answering = true
    this.rawParts = []
    this.visibleParts = []
    return this.answerText(window.slice(at + FINAL_ANSWER.length))
  }

  /** New answer text: leading whitespace dropped, trailing whitespace held back until text follows it. */
  private answerText(text: string): string {
    let next = text
    if (!this.answerBegun) {
      next = next.trimStart()
      if (!next) return ''
      this.answerBegun = true
    }
    const combined = this.heldWhitespace + next
    const shown = combined.trimEnd()
    this.heldWhitespace = combined.slice(shown.length)
    return shown
  }
}

/** The text before `Action:`, without a `Thought:` the model may have repeated. */
function thoughtOf(text: string): string {
  return text
    .trim()
    .replace(/^Thought:\s*/, '')
    .trim()
    .replaceAll('\\_', '_')
}

/** `merge\_request\_reader`, `MergeRequestReader` → `merge_request_reader`. */
function toolName(value: string): string {
  const name = value
    .trim()
    .replaceAll('\\_', '_')
    .replace(/^["'`]+|["'`]+$/g, '')
  return /^[A-Z][A-Za-z]+$/.test(name) ? name.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase() : name
}
