/**
 * Native tool calling in the OpenAI chat-completions format (OpenAI, Azure OpenAI, vLLM with
 * `--enable-auto-tool-choice`, llama.cpp with `--jinja`, Ollama's `/v1`, LM Studio, Mistral's and
 * Fireworks' APIs): tool definitions and tool choice in the request, the conversation's calls and
 * results as messages, and the calls of an answer, whole or streamed, as neutral calls.
 *
 * The servers agree on the shapes but not on the details of a stream, so the assembly here assumes
 * little: OpenAI, vLLM and llama.cpp send a call's id and name in its first piece and the arguments
 * in later ones under the same `index`; Ollama sends each call whole in one piece, without `index`
 * (before 0.4.7) or with `index` 0 for every call (issue ollama#15457); some gateways start counting
 * at 1; vLLM sends the rest of the arguments in the chunk that carries `finish_reason`.
 */
import type {
  ChatMessage,
  InvalidToolCall,
  ModelCall,
  ModelEvent,
  ToolCall,
  ToolChoice,
} from '../model-call/types.ts'
import { isObject, type Json } from './json.ts'
import { parseArguments, sortCalls, ToolCallAssembler } from './tool-calls.ts'

/**
 * How a provider's own API spells "a tool must be called", by identifier prefix: Mistral's API took
 * only `auto` / `none` / `any` before it also accepted `required`, and Fireworks documents `any`
 * (LiteLLM maps both the same way). Every other server takes OpenAI's `required`.
 */
const REQUIRED_CHOICE: Readonly<Record<string, string>> = {
  mistral: 'any',
  codestral: 'any',
  fireworks_ai: 'any',
}

/** `tools` and `tool_choice` of the body; nothing at all for a call without tools. */
export function toolFields(call: ModelCall): Json {
  if (!call.tools?.length) return {}
  const fields: Json = {
    tools: call.tools.map(({ name, description, parameters }) => ({
      type: 'function',
      function: { name, description, parameters },
    })),
  }
  if (call.toolChoice !== undefined) fields.tool_choice = toolChoice(call.toolChoice, call.target.provider)
  return fields
}

function toolChoice(choice: ToolChoice, provider: string): unknown {
  if (typeof choice === 'object') return { type: 'function', function: { name: choice.name } }
  return choice === 'required' ? (REQUIRED_CHOICE[provider] ?? 'required') : choice
}

/**
 * One message of the conversation. An assistant's calls carry their arguments as JSON text, and
 * `content: null` when it said nothing besides (as OpenAI answers them); a result names its call.
 * Messages without calls keep their plain `{role, content}` shape.
 */
export function chatMessage(message: ChatMessage): Json {
  if (message.role === 'tool')
    return { role: 'tool', tool_call_id: message.toolCallId, content: message.content }
  if (message.role === 'assistant' && message.toolCalls?.length) {
    return {
      role: 'assistant',
      content: message.content === '' ? null : message.content,
      tool_calls: message.toolCalls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: JSON.stringify(call.arguments) },
      })),
    }
  }
  return { role: message.role, content: message.content }
}

/** Whether a conversation carries tool calls or their results (formats without tool calling cannot send those). */
export function usesTools(call: ModelCall): boolean {
  return (
    Boolean(call.tools?.length) ||
    call.messages.some((m) => m.role === 'tool' || (m.role === 'assistant' && Boolean(m.toolCalls?.length)))
  )
}

/** The calls of a whole answer's `message.tool_calls`, in order; an id the server left out is made up from the position. */
export function answeredCalls(message: unknown): {
  toolCalls?: ToolCall[]
  invalidToolCalls?: InvalidToolCall[]
} {
  const list = isObject(message) && Array.isArray(message.tool_calls) ? message.tool_calls : []
  const calls = list.filter(isObject).map((piece, position) => {
    const fn = isObject(piece.function) ? piece.function : {}
    return parseArguments(
      text(piece.id) ?? `call_${position}`,
      text(fn.name) ?? '',
      argumentsText(fn.arguments),
    )
  })
  return sortCalls(calls)
}

type Emit = (event: ModelEvent) => void

interface OpenCall {
  /** The call's position in the message: the `index` of its events. */
  position: number
  id: string | undefined
}

/**
 * The `delta.tool_calls` pieces of one streamed message, assembled. A call's events are numbered
 * by its position in the message, whatever the server numbered it. A piece continues the call open
 * under its `index` (without `index`: the last call), unless it names a function under an id other
 * than that call's: then it is the next call (Ollama's whole calls, all `index` 0 or none).
 */
export class StreamedToolCalls {
  private out: Emit = () => {}
  private readonly assembler = new ToolCallAssembler((event) => this.out(event))
  private readonly byIndex = new Map<number, OpenCall>()
  private last: OpenCall | undefined
  /** Calls started in this stream; positions never repeat, even past a finish. */
  private started = 0
  private inMessage = 0

  /** The pieces of one delta (`delta.tool_calls`; anything else is ignored). */
  add(pieces: unknown, emit: Emit): void {
    if (!Array.isArray(pieces)) return
    this.out = emit
    for (const piece of pieces) if (isObject(piece)) this.piece(piece)
  }

  private piece(piece: Json): void {
    const fn = isObject(piece.function) ? piece.function : {}
    // llama.cpp before #13800 put the id inside `function` (and repeated the name on every piece).
    const id = text(piece.id) ?? text(fn.id)
    const name = text(fn.name)
    const index = typeof piece.index === 'number' && Number.isInteger(piece.index) ? piece.index : undefined
    let call = index === undefined ? this.last : this.byIndex.get(index)
    if (!call || (name !== undefined && id !== undefined && id !== call.id)) {
      call = { position: this.started++, id }
      this.inMessage++
      if (index !== undefined) this.byIndex.set(index, call)
      this.assembler.start(call.position, id, name ?? '')
    }
    this.last = call
    const args = argumentsText(fn.arguments)
    if (args) this.assembler.append(call.position, args)
  }

  /** The message ended (`finish_reason`): its calls end. Returns whether it made any. */
  finish(emit: Emit): boolean {
    this.out = emit
    this.assembler.endAll()
    const called = this.inMessage > 0
    this.byIndex.clear()
    this.last = undefined
    this.inMessage = 0
    return called
  }

  /** The stream ended without a finish: the calls still open end as they are. */
  endAll(emit: Emit): void {
    this.finish(emit)
  }

  /** The stream failed: the calls still open are reported as cut off. */
  abandon(emit: Emit): void {
    this.out = emit
    this.assembler.abandon()
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** Arguments are JSON text; a server that sends the object itself (some Ollama builds) is taken at its word. */
function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value
  return isObject(value) ? JSON.stringify(value) : ''
}
