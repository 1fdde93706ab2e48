/**
 * Tool calls assembled from a stream's pieces, the same way for every wire format: a format says
 * when a call starts (its id and name), hands over the pieces of its arguments' JSON as they come,
 * and says when it ends (Anthropic and Bedrock close each content block; OpenAI-compatible servers
 * only end the message). The assembler turns that into the neutral events, and at the end parses
 * the arguments: a JSON object is a call, anything else (not JSON, an array, text cut off by a
 * stream that died) an invalid call with the reason, never an exception.
 *
 * Whole answers use `parseArguments` on each call the same way.
 */
import type { InvalidToolCall, ModelEvent, ToolCall } from '../model-call/types.ts'

interface OpenCall {
  id: string
  name: string
  /** The arguments' pieces, joined once at the end (a long argument arrives in many). */
  pieces: string[]
}

export class ToolCallAssembler {
  private readonly open = new Map<number, OpenCall>()
  private readonly emit: (event: ModelEvent) => void
  /** Calls that ended (valid or not): a required tool call is satisfied by either. */
  ended = 0

  constructor(emit: (event: ModelEvent) => void) {
    this.emit = emit
  }

  /** A call begins. An id the model did not give is made up from its position (`call_<index>`). */
  start(index: number, id: string | undefined, name: string): void {
    if (this.open.has(index)) this.end(index)
    const call = { id: id || `call_${index}`, name, pieces: [] }
    this.open.set(index, call)
    this.emit({ type: 'tool_call_start', index, id: call.id, name })
  }

  /** Whether call `index` has started and not ended. */
  isOpen(index: number): boolean {
    return this.open.has(index)
  }

  /** A piece of call `index`'s arguments. A piece for a call that never started opens one without a name. */
  append(index: number, text: string): void {
    if (!text) return
    let call = this.open.get(index)
    if (!call) {
      this.start(index, undefined, '')
      call = this.open.get(index)!
    }
    call.pieces.push(text)
    this.emit({ type: 'tool_call_delta', index, arguments: text })
  }

  /** Call `index` is complete: its arguments are parsed now. */
  end(index: number): void {
    const call = this.open.get(index)
    if (!call) return
    this.open.delete(index)
    this.ended++
    const text = call.pieces.join('')
    const parsed = parseArguments(call.id, call.name, text)
    if ('reason' in parsed) this.emit({ type: 'tool_call_invalid', index, call: parsed })
    else this.emit({ type: 'tool_call_end', index, call: parsed })
  }

  /** The message is over: every call still open ends, in index order. */
  endAll(): void {
    for (const index of [...this.open.keys()].sort((a, b) => a - b)) this.end(index)
  }

  /** The stream died: every call still open is reported as cut off, with what came of its arguments. */
  abandon(): void {
    for (const index of [...this.open.keys()].sort((a, b) => a - b)) {
      const call = this.open.get(index)!
      this.open.delete(index)
      this.ended++
      const invalid: InvalidToolCall = {
        id: call.id,
        name: call.name,
        arguments: call.pieces.join(''),
        reason: 'the stream ended inside this tool call',
      }
      this.emit({ type: 'tool_call_invalid', index, call: invalid })
    }
  }
}

/**
 * A call's arguments from their JSON text: an object is the arguments; empty text is no arguments
 * (`{}`, as Anthropic streams a tool without input); anything else makes the call invalid.
 */
export function parseArguments(id: string, name: string, text: string): ToolCall | InvalidToolCall {
  // The name first: a call without one is unusable whatever its arguments (an empty text included).
  if (!name) return { id, name, arguments: text, reason: 'the tool call names no tool' }
  if (text.trim() === '') return { id, name, arguments: {} }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { id, name, arguments: text, reason: 'the arguments are not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { id, name, arguments: text, reason: 'the arguments are not a JSON object' }
  }
  return { id, name, arguments: value as Record<string, unknown> }
}

/** Sorts a whole answer's calls into usable and invalid ones, in order. */
export function sortCalls(calls: readonly (ToolCall | InvalidToolCall)[]): {
  toolCalls?: ToolCall[]
  invalidToolCalls?: InvalidToolCall[]
} {
  const toolCalls = calls.filter((call): call is ToolCall => !('reason' in call))
  const invalidToolCalls = calls.filter((call): call is InvalidToolCall => 'reason' in call)
  return {
    ...(toolCalls.length ? { toolCalls } : {}),
    ...(invalidToolCalls.length ? { invalidToolCalls } : {}),
  }
}
