/**
 * Tool calling in Anthropic's Messages format (api.anthropic.com and Claude on Vertex): tool
 * definitions and choice, a conversation's tool calls and results as content blocks, the
 * `tool_use` blocks of an answer, and the streamed ones (`content_block_start` with a `tool_use`
 * block, `input_json_delta` pieces, `content_block_stop`) as neutral tool-call events.
 */
import type {
  ChatMessage,
  InvalidToolCall,
  ModelCall,
  ModelEvent,
  ModelResult,
  ToolCall,
  ToolChoice,
} from '../model-call/types.ts'
import { isObject, type Json } from './json.ts'
import { parseArguments, sortCalls, ToolCallAssembler } from './tool-calls.ts'

export interface AnthropicMessage {
  role: 'user' | 'assistant'
  content: string | Json[]
}

/**
 * The conversation as Messages API turns (system messages travel separately). A message without
 * tool calls keeps its plain string content. An assistant's tool calls become `tool_use` blocks
 * after its text; the results answering them become `tool_result` blocks of one user turn: the API
 * wants roles to alternate and every result in the turn right after the calls. A user message that
 * follows results joins that turn as text after them (results must come first).
 */
export function anthropicMessages(messages: readonly ChatMessage[]): AnthropicMessage[] {
  const turns: AnthropicMessage[] = []
  let results: Json[] | undefined
  for (const message of messages) {
    if (message.role === 'system') continue
    if (message.role === 'tool') {
      if (!results) turns.push({ role: 'user', content: (results = []) })
      results.push(toolResult(message))
      continue
    }
    if (message.role === 'user' && results) {
      if (hasText(message.content)) results.push({ type: 'text', text: message.content })
    } else if (message.role === 'assistant' && message.toolCalls?.length) {
      // The API refuses empty or blank text blocks, and a model that only called tools wrote none.
      const text = hasText(message.content) ? [{ type: 'text', text: message.content }] : []
      const uses = message.toolCalls.map((call) => ({
        type: 'tool_use',
        id: call.id,
        name: call.name,
        input: call.arguments,
      }))
      turns.push({ role: 'assistant', content: [...text, ...uses] })
    } else {
      turns.push({ role: message.role, content: message.content })
    }
    results = undefined
  }
  return turns
}

function toolResult(message: Extract<ChatMessage, { role: 'tool' }>): Json {
  return {
    type: 'tool_result',
    tool_use_id: message.toolCallId,
    // `content` is optional; an empty string would be refused like an empty text block.
    ...(message.content ? { content: message.content } : {}),
    ...(message.isError ? { is_error: true } : {}),
  }
}

const hasText = (text: string) => text.trim() !== ''

/**
 * `tools` (and `tool_choice` only when the call sets one: without it the API's default is auto,
 * parallel calls allowed), or nothing for a call without tools. `input_schema` must be an object schema: a tool without
 * arguments often comes with `{}`, which the API would refuse for its missing `type`.
 */
export function toolFields(call: ModelCall): Json {
  if (!call.tools?.length) return {}
  const tools = call.tools.map((tool) => ({
    name: tool.name,
    ...(tool.description ? { description: tool.description } : {}),
    input_schema: { type: 'object', ...tool.parameters },
  }))
  return call.toolChoice === undefined ? { tools } : { tools, tool_choice: toolChoice(call.toolChoice) }
}

function toolChoice(choice: ToolChoice): Json {
  if (typeof choice === 'object') return { type: 'tool', name: choice.name }
  return { type: choice === 'required' ? 'any' : choice }
}

/** The `tool_use` blocks of a whole answer, in order, sorted into usable and invalid calls. */
export function answerToolCalls(
  blocks: readonly unknown[],
): Pick<ModelResult, 'toolCalls' | 'invalidToolCalls'> {
  const calls: (ToolCall | InvalidToolCall)[] = []
  for (const block of blocks) {
    if (!isObject(block) || block.type !== 'tool_use') continue
    const id = typeof block.id === 'string' && block.id ? block.id : `call_${calls.length}`
    const name = typeof block.name === 'string' ? block.name : ''
    const { input } = block
    if (isObject(input) && name) calls.push({ id, name, arguments: input })
    else
      calls.push(parseArguments(id, name, typeof input === 'string' ? input : (JSON.stringify(input) ?? '')))
  }
  return sortCalls(calls)
}

/**
 * The streamed `tool_use` blocks of one message. A call's `index` is its position among the
 * message's tool calls (0, 1...), as in every format, not its content block's index (a text block
 * before the calls takes block 0). Only `tool_use` blocks are ours: server tools (`server_tool_use`,
 * web search...) stream their input too, but Anthropic runs them, so their pieces are ignored.
 */
export class StreamedToolCalls {
  private readonly assembler: ToolCallAssembler
  /** Content block index → call index. */
  private readonly calls = new Map<number, number>()
  private nextCall = 0
  /**
   * Input a block's start carried (Anthropic's is always `{}`, the pieces follow): used, as
   * Anthropic's SDK does, if no piece replaces it before the block ends.
   */
  private readonly startInputs = new Map<number, string>()

  constructor(emit: (event: ModelEvent) => void) {
    this.assembler = new ToolCallAssembler(emit)
  }

  /** `content_block_start` of a `tool_use` block: a call opens. */
  blockStart(block: number, content: Json): void {
    const call = this.nextCall++
    this.calls.set(block, call)
    const id = typeof content.id === 'string' ? content.id : undefined
    this.assembler.start(call, id, typeof content.name === 'string' ? content.name : '')
    if (isObject(content.input) && Object.keys(content.input).length > 0)
      this.startInputs.set(call, JSON.stringify(content.input))
  }

  /** An `input_json_delta` piece of block `block`'s input. */
  inputDelta(block: number, partialJson: string): void {
    const call = this.calls.get(block)
    if (call === undefined || partialJson === '' || !this.assembler.isOpen(call)) return
    this.startInputs.delete(call)
    this.assembler.append(call, partialJson)
  }

  /** `content_block_stop`: the call of that block (if it is one) is complete. */
  blockStop(block: number): void {
    const call = this.calls.get(block)
    if (call === undefined || !this.assembler.isOpen(call)) return
    this.flushStartInput(call)
    this.assembler.end(call)
  }

  /** The body ended normally: calls still open end (and are parsed) now. */
  endAll(): void {
    for (const call of this.startInputs.keys()) this.flushStartInput(call)
    this.assembler.endAll()
  }

  /** The stream failed: calls still open are reported as cut off. */
  abandon(): void {
    for (const call of this.startInputs.keys()) this.flushStartInput(call)
    this.assembler.abandon()
  }

  private flushStartInput(call: number): void {
    const input = this.startInputs.get(call)
    if (input === undefined) return
    this.startInputs.delete(call)
    this.assembler.append(call, input)
  }
}
