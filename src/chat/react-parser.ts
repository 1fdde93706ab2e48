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

export type ReactOutcome =
  | { kind: 'final_answer' }
  | { kind: 'action'; tool: string; toolInput: string; thought: string }
  | { kind: 'unknown'; text: string }

const FINAL_ANSWER = 'Final Answer:'
/** `Action: <tool>` then `Action Input: <input>`; GitLab tolerates a `-` or spaces before the second `Action`. */
const ACTION = /Action:[ \t]*(.*?)[\s-]*Action Input:[ \t]*(.*)/s
const THINK_OPEN = '<think>'
const THINK_CLOSE = '</think>'
/** An orphan `</think>` this early still ends a reasoning block (GitLab's rule for Qwen). */
const ORPHAN_CLOSE_WITHIN = 80

export class ReactStreamParser {
  private readonly stripReasoning: boolean
  private readonly maxChars: number
  private raw = ''
  /** The output without its reasoning block; undefined while it cannot be told yet. */
  private visible: string | undefined
  private searchedUpTo = 0
  private answering = false
  private answerBegun = false
  private heldWhitespace = ''

  constructor(options: { stripReasoning?: boolean; maxChars?: number } = {}) {
    this.stripReasoning = options.stripReasoning ?? false
    this.maxChars = options.maxChars ?? Infinity
    if (!this.stripReasoning) this.visible = ''
  }

  /** The final answer's new characters that `delta` reveals ('' for none). */
  push(delta: string): string {
    // The answer's own text is never kept: only what decides between answer, tool and neither is.
    if (this.answering) return this.answerText(delta)
    this.raw += delta
    if (this.visible === undefined) {
      this.visible = withoutReasoning(this.raw)
      if (this.visible === undefined) return ''
    } else {
      this.visible += delta
    }
    const at = this.visible.indexOf(FINAL_ANSWER, Math.max(0, this.searchedUpTo - FINAL_ANSWER.length))
    if (at < 0) {
      this.searchedUpTo = this.visible.length
      return ''
    }
    this.answering = true
    const answer = this.visible.slice(at + FINAL_ANSWER.length)
    this.raw = ''
    this.visible = ''
    return this.answerText(answer)
  }

  /** More output than `maxChars` is held without an answer having begun: the caller must stop reading. */
  get overLimit(): boolean {
    return !this.answering && this.raw.length > this.maxChars
  }

  /** Whether `Final Answer:` has been seen. */
  get answered(): boolean {
    return this.answering
  }

  /** What the whole output amounts to. */
  finish(): ReactOutcome {
    if (this.answering) return { kind: 'final_answer' }
    const text = this.visible ?? withoutReasoning(this.raw, true) ?? this.raw
    if (text.includes(FINAL_ANSWER)) return { kind: 'final_answer' }
    const action = ACTION.exec(text)
    if (action) {
      const tool = toolName(action[1]!)
      // Without a stop sequence (GPT) a model may go on to invent the observation itself.
      const toolInput = action[2]!.split(/\n\s*Observation:/)[0]!.trim()
      // `Action: DirectAnswer` is the answer format's marker, not a tool; without its Final Answer it says nothing.
      if (tool && tool !== 'direct_answer') return { kind: 'action', tool, toolInput, thought: thoughtOf(text.slice(0, action.index)) }
    }
    return { kind: 'unknown', text }
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

/**
 * The output after a leading `<think>…</think>` block (or an early orphan `</think>`); undefined
 * while that cannot be decided yet, unless `atEnd`.
 */
function withoutReasoning(raw: string, atEnd = false): string | undefined {
  const text = raw.trimStart()
  if (text.startsWith(THINK_OPEN)) {
    const close = text.indexOf(THINK_CLOSE)
    return close >= 0 ? text.slice(close + THINK_CLOSE.length) : atEnd ? '' : undefined
  }
  if (text.length < THINK_OPEN.length && THINK_OPEN.startsWith(text)) return atEnd ? raw : undefined
  const orphan = raw.indexOf(THINK_CLOSE)
  if (orphan >= 0 && orphan < ORPHAN_CLOSE_WITHIN) return raw.slice(orphan + THINK_CLOSE.length)
  if (raw.length < ORPHAN_CLOSE_WITHIN + THINK_CLOSE.length && !atEnd) return undefined
  return raw
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
  const name = value.trim().replaceAll('\\_', '_').replace(/^["'`]+|["'`]+$/g, '')
  return /^[A-Z][A-Za-z]+$/.test(name) ? name.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase() : name
}
