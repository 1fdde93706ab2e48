/**
 * Fitting the conversation into the model's context window (spec §8.5). GitLab's service trims at
 * 70 % of a 400,000-token default; here the budget is the model's own window: 70 % of it, and never
 * more than what leaves room for the answer. Everything sent counts against it: the two system
 * messages and the tool definitions first (always sent), then the history.
 *
 * Sizes are `tokenBound`, one token per UTF-8 byte, which no byte-level tokenizer exceeds: a
 * prompt that fits here fits the model, whatever its tokenizer (English text is about four bytes a
 * token, so the bound is cautious; an over-long prompt fails the whole turn, a cautious one only
 * forgets sooner).
 *
 * Two steps, as GitLab's: a single message over 65 % of the room left for the history is shortened
 * (a tool result keeps its start and says so, the newest user message keeps its start and end,
 * older messages become a placeholder); then the most recent blocks that fit are kept, the newest
 * user message always. The current turn comes first: when its tool round trips do not all fit, the
 * oldest of them go, and nothing before the user message is kept. The kept history starts with a
 * user message (providers expect one first).
 */
import { keepEnd, keepStart, tokenBound } from '../../code/context-window.ts'
import type { ChatMessage } from '../../providers/types.ts'
import type { Block } from './history.ts'

/** Of the context window, the share a prompt may fill (GitLab's trimming threshold). */
export const WINDOW_SHARE = 0.7
/** Of the room for the history, the most one message may take before it is shortened. */
export const MESSAGE_SHARE = 0.65
/** Per message, for the role and separators a chat template adds around its text. */
export const MESSAGE_OVERHEAD = 8
/** The newest user message keeps at least this much, even when the system messages and tools leave less. */
const MIN_LAST_USER = 2048

const CUT_TOOL_RESULT = '\n\n[The rest of this tool result was left out to fit the model\'s context window.]'
const CUT_USER_MESSAGE = '\n\n[… part of this message was left out to fit the model\'s context window …]\n\n'
const LEFT_OUT_USER = '[An earlier message from the user was left out: it was too long for the model\'s context window.]'
const LEFT_OUT_ANSWER = '[An earlier answer was left out: it was too long for the model\'s context window.]'

/** The most a prompt (system messages, tools and history) may take, in `tokenBound` tokens. */
export function promptBudget(contextWindow: number, maxOutputTokens: number): number {
  return Math.max(0, Math.min(Math.floor(contextWindow * WINDOW_SHARE), contextWindow - maxOutputTokens))
}

export function messageTokens(message: ChatMessage): number {
  let tokens = MESSAGE_OVERHEAD + tokenBound(message.content)
  if (message.role === 'assistant' && message.toolCalls?.length) tokens += tokenBound(JSON.stringify(message.toolCalls))
  if (message.role === 'tool') tokens += tokenBound(message.toolCallId) + tokenBound(message.toolName)
  return tokens
}

export interface Trimmed {
  blocks: Block[]
  /** Messages of the history not sent. */
  leftOut: number
  /** Messages sent shortened or as a placeholder. */
  shortened: number
}

/** The blocks that fit in `room` tokens (the budget less the system messages and tools). */
export function trimHistory(blocks: readonly Block[], room: number): Trimmed {
  const lastUser = blocks.findLastIndex((block) => block.kind === 'user')
  const limit = Math.floor(Math.max(0, room) * MESSAGE_SHARE)
  const sized = blocks.map((block, index) => {
    const cap = index === lastUser ? Math.max(limit, MIN_LAST_USER) : limit
    let shortened = 0
    const messages = block.messages.map((message) => {
      if (messageTokens(message) <= cap) return message
      shortened++
      return shorten(message, cap, index === lastUser)
    })
    return { block: { kind: block.kind, messages }, tokens: messages.reduce((sum, message) => sum + messageTokens(message), 0), shortened }
  })

  const keep = new Array<boolean>(sized.length).fill(false)
  let used = 0
  const take = (i: number): boolean => {
    if (used + sized[i]!.tokens > room) return false
    keep[i] = true
    used += sized[i]!.tokens
    return true
  }
  if (lastUser >= 0) {
    keep[lastUser] = true
    used += sized[lastUser]!.tokens
  }
  // The current turn's blocks, newest first; the earlier conversation only when all of them fit.
  let whole = true
  for (let i = sized.length - 1; i > lastUser && whole; i--) whole = take(i)
  if (whole) for (let i = lastUser - 1; i >= 0; i--) if (!take(i)) break
  // Start on a user message: kept blocks before the first kept user block go too.
  const firstUser = sized.findIndex((entry, i) => keep[i] && entry.block.kind === 'user')
  for (let i = 0; i < firstUser; i++) keep[i] = false

  let sent = 0
  let shortened = 0
  const kept: Block[] = []
  sized.forEach((entry, i) => {
    if (!keep[i]) return
    kept.push(entry.block)
    sent += entry.block.messages.length
    shortened += entry.shortened
  })
  const all = blocks.reduce((sum, block) => sum + block.messages.length, 0)
  return { blocks: kept, leftOut: all - sent, shortened }
}

/** A message cut to at most `cap` tokens (an assistant message keeps its tool calls whatever their size). */
function shorten(message: ChatMessage, cap: number, newestUser: boolean): ChatMessage {
  const room = (notice: string) => Math.max(0, cap - (messageTokens(message) - tokenBound(message.content)) - tokenBound(notice))
  switch (message.role) {
    case 'tool':
      return { ...message, content: keepStart(message.content, room(CUT_TOOL_RESULT)) + CUT_TOOL_RESULT }
    case 'user': {
      if (!newestUser) return { ...message, content: LEFT_OUT_USER }
      // The question may come first or last (the context goes before it): keep both ends.
      const left = room(CUT_USER_MESSAGE)
      const head = Math.ceil(left / 2)
      return { ...message, content: keepStart(message.content, head) + CUT_USER_MESSAGE + keepEnd(message.content, left - head) }
    }
    case 'assistant':
      return { ...message, content: LEFT_OUT_ANSWER }
    default:
      return message
  }
}
