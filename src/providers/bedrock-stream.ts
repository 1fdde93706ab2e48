/**
 * ConverseStream's events as neutral model events: `contentBlockDelta` text as `text` events, tool
 * use blocks (`contentBlockStart` with the call's id and name, `contentBlockDelta` pieces of its
 * input's JSON, `contentBlockStop`) through the ToolCallAssembler, `messageStop` as the finish
 * reason, `metadata` as usage, and exception frames as a ModelStreamError.
 */
import {
  ModelStreamError,
  type FinishReason,
  type ModelCall,
  type ModelEvent,
  type StreamLimits,
  type Usage,
} from '../model-call/types.ts'
import { headerString, mapEventStream, payloadText, type Message } from './bedrock-event-stream.ts'
import { isObject as isRecord } from './json.ts'
import { ToolCallAssembler } from './tool-calls.ts'

/** The upstream body as Converse events, one `text` event per non-empty text delta. */
export function bedrockEvents(
  body: ReadableStream<Uint8Array>,
  _call: ModelCall,
  limits: StreamLimits,
): ReadableStream<ModelEvent> {
  let assembler: ToolCallAssembler | undefined
  const calls = new ToolUseBlocks()
  return mapEventStream<ModelEvent>(
    body,
    limits.maxEventBytes,
    (message, emit) => {
      const messageType = headerString(message, ':message-type')
      if (messageType === 'exception' || messageType === 'error')
        throw new ModelStreamError(exceptionText(message))
      if (messageType !== 'event') return
      switch (headerString(message, ':event-type')) {
        case 'contentBlockStart': {
          const payload = jsonPayload(message)
          const start = isRecord(payload.start) ? payload.start.toolUse : undefined
          if (!isRecord(start)) return // a text block: its deltas say all there is
          const id = typeof start.toolUseId === 'string' ? start.toolUseId : undefined
          assembler ??= new ToolCallAssembler(emit)
          assembler.start(
            calls.open(payload.contentBlockIndex),
            id,
            typeof start.name === 'string' ? start.name : '',
          )
          return
        }
        case 'contentBlockDelta': {
          const payload = jsonPayload(message)
          const delta = isRecord(payload.delta) ? payload.delta : {}
          if (typeof delta.text === 'string' && delta.text !== '') emit({ type: 'text', text: delta.text })
          // A piece of a block that never started still counts: the assembler opens it without a name (an invalid call).
          else if (isRecord(delta.toolUse) && typeof delta.toolUse.input === 'string') {
            assembler ??= new ToolCallAssembler(emit)
            assembler.append(calls.indexOf(payload.contentBlockIndex), delta.toolUse.input)
          }
          return // reasoning (`reasoningContent`) and citations are not part of the answer
        }
        case 'contentBlockStop': {
          if (!assembler) return // no tool call yet: nothing to close
          const index = calls.find(jsonPayload(message).contentBlockIndex)
          if (index !== undefined) assembler.end(index)
          return
        }
        case 'messageStop':
          assembler?.endAll()
          emit({ type: 'finish', reason: converseFinishReason(jsonPayload(message).stopReason) })
          return
        case 'metadata': {
          const usage = converseUsage(jsonPayload(message).usage)
          if (usage) emit({ type: 'usage', usage })
          return
        }
        default: // messageStart carries nothing the gateway forwards
          return
      }
    },
    {
      end: () => assembler?.endAll(),
      fail: () => assembler?.abandon(),
    },
  )
}

/**
 * Which content block is which tool call. Converse numbers every block of the message (text,
 * reasoning, tool use); a neutral `index` is the call's position among the message's tool calls,
 * as in `ModelResult.toolCalls` and OpenAI's `tool_calls[].index`, so it means the same whatever
 * the format and whatever text came before the calls.
 */
class ToolUseBlocks {
  private readonly byBlock = new Map<unknown, number>()

  /** A new tool use block: the next call index. */
  open(block: unknown): number {
    const index = this.byBlock.size
    this.byBlock.set(block, index)
    return index
  }

  /** The call index of a block, a new one if the block never started. */
  indexOf(block: unknown): number {
    return this.byBlock.get(block) ?? this.open(block)
  }

  find(block: unknown): number | undefined {
    return this.byBlock.get(block)
  }
}

/** The Converse stop reasons, as the neutral finish reasons. */
export function converseFinishReason(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop'
    case 'max_tokens':
      return 'length'
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filter'
    case 'tool_use':
      return 'tool_calls'
    default:
      return 'other'
  }
}

/** Converse token counts, keeping only the numbers that are there. */
export function converseUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined
  const result: Usage = {}
  if (typeof usage.inputTokens === 'number') result.inputTokens = usage.inputTokens
  if (typeof usage.outputTokens === 'number') result.outputTokens = usage.outputTokens
  return result
}

/** `<exception type>: <message>`, as AWS names it (`throttlingException: Too many requests`). */
function exceptionText(message: Message): string {
  if (headerString(message, ':message-type') === 'error') {
    return `${headerString(message, ':error-code') ?? 'error'}: ${headerString(message, ':error-message') ?? ''}`
  }
  const text = payloadText(message)
  let detail = text
  try {
    const payload: unknown = JSON.parse(text)
    if (isRecord(payload)) {
      const said = payload.message ?? payload.Message
      if (typeof said === 'string') detail = said
    }
  } catch {
    // not JSON: the raw payload is the best description there is
  }
  return `${headerString(message, ':exception-type') ?? 'exception'}: ${detail.slice(0, 1000)}`
}

function jsonPayload(message: Message): Record<string, unknown> {
  let payload: unknown
  try {
    payload = JSON.parse(payloadText(message))
  } catch {
    throw new ModelStreamError(
      `Bedrock event stream: the ${headerString(message, ':event-type')} event is not JSON`,
    )
  }
  return isRecord(payload) ? payload : {}
}
