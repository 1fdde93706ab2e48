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
import type { ChatMessage } from '../../model-call/types.ts'
import type { Block } from './history.ts'
import { messageTokens } from './tokens.ts'

/** Of the context window, the share a prompt may fill (GitLab's trimming threshold). */
export const WINDOW_SHARE = 0.7
/** Of the room for the history, the most one message may take before it is shortened. */
export const MESSAGE_SHARE = 0.65
/** The newest user message keeps at least this much, even when the system messages and tools leave less. */
const MIN_LAST_USER = 2048

const CUT_TOOL_RESULT = "\n\n[The rest of this tool result was left out to fit the model's context window.]"
const CUT_USER_MESSAGE = "\n\n[… part of this message was left out to fit the model's context window …]\n\n"
const LEFT_OUT_USER =
  "[An earlier message from the user was left out: it was too long for the model's context window.]"
const LEFT_OUT_ANSWER = "[An earlier answer was left out: it was too long for the model's context window.]"

/** The most a prompt (system messages, tools and history) may take, in `tokenBound` tokens. */
export function promptBudget(contextWindow: number, maxOutputTokens: number): number {
  return Math.max(0, Math.min(Math.floor(contextWindow * WINDOW_SHARE), contextWindow - maxOutputTokens))
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
  const capOf = (index: number) => (index === lastUser ? Math.max(limit, MIN_LAST_USER) : limit)
  // A message over its cap counts as what it is shortened to at most; only the kept ones are shortened.
  const sizes = blocks.map((block, index) => {
    const cap = capOf(index)
    const after = (message: ChatMessage, i: number) =>
      sizeAfter(message, block.sizes[i]!, block.contentSizes[i]!, cap, index === lastUser)
    return block.messages.reduce((sum, message, i) => sum + after(message, i), 0)
  })

  const keep = new Array<boolean>(blocks.length).fill(false)
  let used = 0
  const take = (i: number): boolean => {
    if (used + sizes[i]! > room) return false
    keep[i] = true
    used += sizes[i]!
    return true
  }
  if (lastUser >= 0) {
    keep[lastUser] = true
    used += sizes[lastUser]!
  }
  // The current turn's blocks, newest first; the earlier conversation only when all of them fit.
  let whole = true
  for (let i = blocks.length - 1; i > lastUser && whole; i--) whole = take(i)
  if (whole) for (let i = lastUser - 1; i >= 0; i--) if (!take(i)) break
  // Start on a user message: kept blocks before the first kept user block go too.
  const firstUser = blocks.findIndex((block, i) => keep[i] && block.kind === 'user')
  for (let i = 0; i < firstUser; i++) keep[i] = false

  let sent = 0
  let shortened = 0
  const kept: Block[] = []
  blocks.forEach((block, index) => {
    if (!keep[index]) return
    sent += block.messages.length
    const cap = capOf(index)
    if (block.sizes.every((size) => size <= cap)) return void kept.push(block)
    const messages = block.messages.map((message, i) => {
      if (block.sizes[i]! <= cap) return message
      shortened++
      return shorten(message, block.sizes[i]! - block.contentSizes[i]!, cap, index === lastUser)
    })
    const contentSizes = messages.map((message, i) =>
      message === block.messages[i] ? block.contentSizes[i]! : tokenBound(message.content),
    )
    kept.push({
      kind: block.kind,
      messages,
      contentSizes,
      sizes: messages.map((message, i) => messageTokens(message, contentSizes[i])),
    })
  })
  const all = blocks.reduce((sum, block) => sum + block.messages.length, 0)
  return { blocks: kept, leftOut: all - sent, shortened }
}

/**
 * What a message of `size` tokens (`content` of them its text) takes once shortened to `cap`: the cap,
 * unless what is not cut (a tool result's ids, an answer's tool calls) and the notice alone take more.
 */
function sizeAfter(
  message: ChatMessage,
  size: number,
  content: number,
  cap: number,
  newestUser: boolean,
): number {
  if (size <= cap) return size
  const rest = size - content
  if (message.role === 'tool') return Math.max(cap, rest + tokenBound(CUT_TOOL_RESULT))
  if (message.role === 'user' && newestUser) return Math.max(cap, rest + tokenBound(CUT_USER_MESSAGE))
  return rest + tokenBound(message.role === 'user' ? LEFT_OUT_USER : LEFT_OUT_ANSWER)
}

/** A message cut to at most `cap` tokens, `rest` of which are not its text (an assistant message keeps its tool calls). */
function shorten(message: ChatMessage, rest: number, cap: number, newestUser: boolean): ChatMessage {
  const room = (notice: string) => Math.max(0, cap - rest - tokenBound(notice))
  switch (message.role) {
    case 'tool':
      return { ...message, content: keepStart(message.content, room(CUT_TOOL_RESULT)) + CUT_TOOL_RESULT }
    case 'user': {
      if (!newestUser) return { ...message, content: LEFT_OUT_USER }
      // The question may come first or last (the context goes before it): keep both ends.
      const left = room(CUT_USER_MESSAGE)
      const head = Math.ceil(left / 2)
      return {
        ...message,
        content: keepStart(message.content, head) + CUT_USER_MESSAGE + keepEnd(message.content, left - head),
      }
    }
    case 'assistant':
      return { ...message, content: LEFT_OUT_ANSWER }
    default:
      return message
  }
}
