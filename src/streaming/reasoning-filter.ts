/**
 * Hides a reasoning model's thinking from a streamed answer: output that opens with a
 * `<think>…</think>` block (or has an orphan `</think>` within its first characters, GitLab's rule
 * for Qwen) shows only what follows it. Until the first characters tell which, nothing is shown;
 * a short answer still undecided when the output ends comes out of `end()`.
 */
const THINK_OPEN = '<think>'
const THINK_CLOSE = '</think>'
/** An orphan `</think>` this early still ends a reasoning block. */
const ORPHAN_CLOSE_WITHIN = 80

export type ReasoningPhase = 'undecided' | 'thinking' | 'visible'

export class ReasoningFilter {
  /** Where the output stands: its first characters unread yet, inside `<think>`, or visible. */
  phase: ReasoningPhase
  /** The undecided start of the output (a few dozen characters, or whitespace). */
  private head = ''
  /** The last characters searched for `</think>`, so a marker split across deltas is still found. */
  private tail = ''

  /** `active` false: everything is visible at once (a model without reasoning). */
  constructor(active: boolean) {
    this.phase = active ? 'undecided' : 'visible'
  }

  /** The visible text `delta` adds ('' for none yet). */
  push(delta: string): string {
    if (this.phase === 'visible') return delta
    if (this.phase === 'thinking') return this.afterThinking(delta)
    this.head += delta
    return this.decide(false)
  }

  /** The visible text held back when the output ends (a short answer the prefix check was waiting on). */
  end(): string {
    return this.phase === 'undecided' ? this.decide(true) : ''
  }

  private decide(atEnd: boolean): string {
    const head = this.head
    const text = head.trimStart()
    if (text.startsWith(THINK_OPEN)) {
      this.phase = 'thinking'
      this.head = ''
      return this.afterThinking(text.slice(THINK_OPEN.length))
    }
    if (!atEnd && text.length < THINK_OPEN.length && THINK_OPEN.startsWith(text)) return ''
    const orphan = head.indexOf(THINK_CLOSE)
    if (orphan >= 0 && orphan < ORPHAN_CLOSE_WITHIN)
      return this.visible(head.slice(orphan + THINK_CLOSE.length))
    if (!atEnd && head.length < ORPHAN_CLOSE_WITHIN + THINK_CLOSE.length) return ''
    return this.visible(head)
  }

  /** Inside the reasoning block: what follows its `</think>`, once that has come. */
  private afterThinking(text: string): string {
    const window = this.tail + text
    const close = window.indexOf(THINK_CLOSE)
    if (close < 0) {
      this.tail = window.slice(-(THINK_CLOSE.length - 1))
      return ''
    }
    return this.visible(window.slice(close + THINK_CLOSE.length))
  }

  private visible(text: string): string {
    this.phase = 'visible'
    this.head = ''
    this.tail = ''
    return text
  }
}
