/**
 * A user message as the model reads it (spec §8.2 item 4): the prompt's user template around it
 * (the link rules, then the message's additional context in an `<additional_context>` block, then
 * the text, a slash command expanded), applied to every user message of the history, not only the
 * newest, so an old question reads the same on every call.
 *
 * The web UI attaches the page the user is on to every message, so the same context repeats down
 * a conversation: an item that a later message carries again is left out of the earlier one (the
 * later copy is the one closest to the question, and the one trimming keeps longest); an item
 * repeated within one message is kept once.
 */
import Mustache from 'mustache'
import type { AdditionalContextItem, ConversationMessage } from '../state.ts'
import { expandSlashCommand } from './slash-commands.ts'

type UserMessage = Extract<ConversationMessage, { role: 'user' }>

const RAW = { escape: (value: unknown) => String(value) }

export function renderUserMessage(template: string, message: UserMessage): string {
  const context = (message.additionalContext ?? []).map((item) => ({
    // An empty id wraps nothing: the content goes in as it is.
    id: item.id || null,
    content: item.content ?? '',
  }))
  return Mustache.render(
    template,
    { has_context: context.length > 0, context, message: expandSlashCommand(message.content) },
    {},
    RAW,
  )
}

/**
 * The history with every additional-context item that a later user message repeats left out of
 * the earlier message (the stored history is not changed: the messages that change are copies).
 */
export function dedupeContext(history: readonly ConversationMessage[]): ConversationMessage[] {
  const seen = new Set<string>()
  const result = history.slice()
  for (let i = result.length - 1; i >= 0; i--) {
    const message = result[i]!
    if (message.role !== 'user' || !message.additionalContext?.length) continue
    const kept = message.additionalContext.filter((item) => {
      const key = contextKey(item)
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    if (kept.length !== message.additionalContext.length) result[i] = { ...message, additionalContext: kept }
  }
  return result
}

/** What makes two items the same: what the model reads of them (category and metadata are not rendered). */
function contextKey(item: AdditionalContextItem): string {
  return JSON.stringify([item.id || null, item.content ?? ''])
}
