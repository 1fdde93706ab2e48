/**
 * Chat messages in LangChain's JSON encoding, as GitLab's service stores them in a checkpoint's
 * `conversation_history["Chat Agent"]` and in a tool entry's `tool_response` (spec §7.5): the
 * message class's fields (langchain-core 1.x `model_dump()`) plus `"type"` set to the class name.
 * Writing: key for key what GitLab's service wrote (test/fixtures/agent-platform). Reading: any
 * object with `type` and `content` whose type is a message class is a message; whatever is missing
 * is defaulted and whatever cannot be used is skipped with a warning, never an exception.
 */
import type { InvalidToolCall, ToolCall, Usage } from '../model-call/types.ts'
import type { AdditionalContextItem, ConversationMessage } from './state.ts'

type JsonObject = Record<string, unknown>
type Assistant = Extract<ConversationMessage, { role: 'assistant' }>

export interface MessageEncoding {
  /** The model that wrote the assistant messages (`response_metadata.model_name`); left out when unknown. */
  modelName?: string | undefined
}

export function encodeMessage(message: ConversationMessage, encoding: MessageEncoding = {}): JsonObject {
  switch (message.role) {
    case 'user':
      return {
        content: message.content,
        additional_kwargs: {
          additional_context: message.additionalContext
            ? encodeAdditionalContext(message.additionalContext)
            : null,
        },
        response_metadata: {},
        type: 'HumanMessage',
        name: null,
        id: null,
      }
    case 'assistant':
      return encodeAssistant(message, encoding)
    case 'tool':
      return encodeToolMessage(message)
  }
}

function encodeAssistant(message: Assistant, encoding: MessageEncoding): JsonObject {
  const calls = message.toolCalls ?? []
  const responseMetadata: JsonObject = {}
  if (encoding.modelName !== undefined) responseMetadata.model_name = encoding.modelName
  if (message.finishReason !== undefined) responseMetadata.finish_reason = message.finishReason
  return {
    content: message.content,
    // LangChain's OpenAI client keeps the calls in the wire form too; GitLab's checkpoints have them.
    additional_kwargs: calls.length
      ? {
          tool_calls: calls.map((call, index) => ({
            id: call.id,
            function: { arguments: JSON.stringify(call.arguments), name: call.name },
            type: 'function',
            index,
          })),
        }
      : {},
    response_metadata: responseMetadata,
    type: 'AIMessage',
    name: null,
    id: message.id,
    tool_calls: calls.map((call) => ({
      name: call.name,
      args: call.arguments,
      id: call.id,
      type: 'tool_call',
    })),
    invalid_tool_calls: (message.invalidToolCalls ?? []).map((call) => ({
      name: call.name,
      args: call.arguments,
      id: call.id,
      error: call.reason,
      type: 'invalid_tool_call',
    })),
    usage_metadata: message.usage ? encodeUsage(message.usage) : null,
  }
}

const encodeUsage = (usage: Usage) => {
  const input = usage.inputTokens ?? 0
  const output = usage.outputTokens ?? 0
  return { input_tokens: input, output_tokens: output, total_tokens: input + output }
}

/** A ToolMessage; also the form of a tool entry's `tool_info.tool_response`. */
export function encodeToolMessage(
  message: Omit<Extract<ConversationMessage, { role: 'tool' }>, 'role'>,
): JsonObject {
  return {
    content: message.content,
    additional_kwargs: {},
    response_metadata: {},
    type: 'ToolMessage',
    name: message.toolName,
    id: null,
    tool_call_id: message.toolCallId,
    artifact: null,
    status: message.status,
  }
}

/** GitLab's `AdditionalContext` model, as in a human message and a user entry. */
export function encodeAdditionalContext(items: readonly AdditionalContextItem[]): JsonObject[] {
  return items.map(({ category, id, content, metadata }) => ({
    category,
    id,
    content,
    metadata,
    type: 'AdditionalContext',
  }))
}

// ---- reading

const MESSAGE_TYPES = new Set(['HumanMessage', 'AIMessage', 'ToolMessage', 'SystemMessage'])

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null)
const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined

/**
 * A message's content as text: a string as is, content blocks (`[{"type": "text", "text": ...}]`,
 * Anthropic's form) joined, other blocks (`tool_use`...) left out since the calls are kept apart.
 * `keepOther` writes non-text content as JSON rather than dropping it (a tool's result must not vanish).
 */
export function contentText(content: unknown, keepOther = false): string {
  if (typeof content === 'string') return content
  if (content === null || content === undefined) return ''
  if (Array.isArray(content)) {
    const parts = content.map((block) => {
      if (typeof block === 'string') return block
      return isObject(block) && block.type === 'text' ? (text(block.text) ?? '') : null
    })
    const joined = parts.filter((part) => part !== null).join('')
    if (joined || !keepOther || content.length === 0) return joined
  }
  return keepOther ? JSON.stringify(content) : ''
}

/** The `additional_context` of a human message or user entry; `metadata` as an object (`{}` when absent or not JSON). */
export function decodeAdditionalContext(value: unknown): AdditionalContextItem[] | undefined {
  if (!Array.isArray(value)) return undefined
  return value.filter(isObject).map((item) => ({
    category: text(item.category) ?? '',
    id: text(item.id),
    content: text(item.content),
    metadata: objectOrParsed(item.metadata),
  }))
}

function objectOrParsed(value: unknown): JsonObject {
  if (isObject(value)) return value
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value)
      if (isObject(parsed)) return parsed
    } catch {
      // Not JSON: as GitLab's web UI would have sent, an empty object.
    }
  }
  return {}
}

export interface DecodedMessages {
  messages: ConversationMessage[]
  warnings: string[]
}

/** A stored conversation; entries that are not usable messages are skipped and named in `warnings`. */
export function decodeMessages(
  list: unknown,
  newId: () => string = () => `lc_run--${crypto.randomUUID()}`,
): DecodedMessages {
  const warnings: string[] = []
  const messages: ConversationMessage[] = []
  if (!Array.isArray(list)) {
    if (list !== undefined && list !== null) warnings.push('the conversation is not a list: started afresh')
    return { messages, warnings }
  }
  // A ToolMessage made by GitLab's service itself (a cancellation, "Tool x not found") has no name: it is the call's.
  const callNames = new Map<string, string>()
  list.forEach((entry, index) => {
    const type = isObject(entry) && 'content' in entry ? entry.type : undefined
    if (!isObject(entry) || typeof type !== 'string' || !MESSAGE_TYPES.has(type)) {
      warnings.push(`conversation message ${index} is not a message: skipped`)
      return
    }
    if (type === 'HumanMessage') {
      const kwargs = isObject(entry.additional_kwargs) ? entry.additional_kwargs : {}
      const additionalContext = decodeAdditionalContext(kwargs.additional_context)
      messages.push({
        role: 'user',
        content: contentText(entry.content),
        ...(additionalContext ? { additionalContext } : {}),
      })
    } else if (type === 'AIMessage') {
      const message = decodeAssistant(entry, newId, warnings, index)
      for (const call of [...(message.toolCalls ?? []), ...(message.invalidToolCalls ?? [])])
        callNames.set(call.id, call.name)
      messages.push(message)
    } else if (type === 'ToolMessage') {
      const toolCallId = text(entry.tool_call_id) ?? ''
      messages.push({
        role: 'tool',
        toolCallId,
        toolName: text(entry.name) ?? callNames.get(toolCallId) ?? '',
        content: contentText(entry.content, true),
        status: entry.status === 'error' ? 'error' : 'success',
      })
    } else {
      // The chat never stores a system message: the prompt is rebuilt every turn.
      warnings.push(`conversation message ${index} is a system message: skipped`)
    }
  })
  return { messages, warnings }
}

function decodeAssistant(
  entry: JsonObject,
  newId: () => string,
  warnings: string[],
  index: number,
): Assistant {
  let id = text(entry.id)
  if (!id) {
    // The chat log's streamed entries are matched by this id, so it must exist.
    warnings.push(`conversation message ${index} has no id: given one`)
    id = newId()
  }
  const message: Assistant = { role: 'assistant', id, content: contentText(entry.content) }
  const toolCalls: ToolCall[] = []
  const invalid: InvalidToolCall[] = []
  const kwargs = isObject(entry.additional_kwargs) ? entry.additional_kwargs : {}
  if (Array.isArray(entry.tool_calls)) {
    for (const call of entry.tool_calls.filter(isObject)) {
      readCall(text(call.id) ?? '', text(call.name) ?? '', call.args, toolCalls, invalid)
    }
  } else if (Array.isArray(kwargs.tool_calls)) {
    // Only the wire form (an older writer): `{id, function: {name, arguments}}`.
    for (const call of kwargs.tool_calls.filter(isObject)) {
      const fn = isObject(call.function) ? call.function : {}
      readCall(text(call.id) ?? '', text(fn.name) ?? '', fn.arguments, toolCalls, invalid)
    }
  }
  if (Array.isArray(entry.invalid_tool_calls)) {
    for (const call of entry.invalid_tool_calls.filter(isObject)) {
      const args =
        typeof call.args === 'string'
          ? call.args
          : call.args === undefined || call.args === null
            ? ''
            : JSON.stringify(call.args)
      const reason = text(call.error) ?? 'invalid tool call'
      invalid.push({ id: text(call.id) ?? '', name: text(call.name) ?? '', arguments: args, reason })
    }
  }
  if (toolCalls.length) message.toolCalls = toolCalls
  if (invalid.length) message.invalidToolCalls = invalid
  const usage = isObject(entry.usage_metadata) ? entry.usage_metadata : undefined
  if (usage) {
    const inputTokens = count(usage.input_tokens)
    const outputTokens = count(usage.output_tokens)
    message.usage = {
      ...(inputTokens === undefined ? {} : { inputTokens }),
      ...(outputTokens === undefined ? {} : { outputTokens }),
    }
  }
  const metadata = isObject(entry.response_metadata) ? entry.response_metadata : {}
  const finish = text(metadata.finish_reason) ?? text(metadata.stop_reason)
  if (finish) message.finishReason = finish
  return message
}

/** A stored call's arguments: an object is a call; JSON text of an object too; anything else an invalid call. */
function readCall(
  id: string,
  name: string,
  args: unknown,
  calls: ToolCall[],
  invalid: InvalidToolCall[],
): void {
  let parsed = args
  if (typeof args === 'string') {
    try {
      parsed = args.trim() === '' ? {} : JSON.parse(args)
    } catch {
      parsed = undefined
    }
  } else if (args === undefined || args === null) {
    parsed = {}
  }
  if (isObject(parsed)) calls.push({ id, name, arguments: parsed })
  else {
    const written = typeof args === 'string' ? args : JSON.stringify(args)
    invalid.push({ id, name, arguments: written, reason: 'the arguments are not a JSON object' })
  }
}
