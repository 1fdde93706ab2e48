/**
 * Gemini's native function calling on Vertex AI, both ways. Out: the tool definitions as function
 * declarations, the tool choice as `toolConfig.functionCallingConfig`, and the conversation's
 * calls and results as `functionCall` parts in a model turn and `functionResponse` parts in the
 * user turn that answers it. In: the function calls of an answer's parts, as the text the
 * assembler and `parseArguments` read (Gemini sends each call whole, its arguments already JSON).
 */
import type { ChatMessage, ModelCall, ToolCall, ToolChoice } from '../model-call/types.ts'
import { isObject } from './json.ts'

export type GeminiPart = Record<string, unknown>

export interface GeminiContent {
  role: 'user' | 'model'
  parts: GeminiPart[]
}

/** Ids made up for calls Gemini gave none (`call_<index>`, tool-calls.ts): not sent back, Gemini pairs those by name and order. */
const MADE_UP_ID = /^call_\d+$/

/**
 * Gemini 3 models refuse a replayed function call without the thought signature that came with it
 * (400 INVALID_ARGUMENT, "missing a thought_signature"); a neutral tool call carries no signature,
 * so each model turn's first call gets the value Google documents for calls it did not sign.
 * Earlier models neither require nor get it.
 */
const UNSIGNED_CALL = 'skip_thought_signature_validator'
const SIGNATURE_FROM_VERSION = 3

const MODES: Record<Exclude<ToolChoice, { name: string }>, string> = {
  auto: 'AUTO',
  none: 'NONE',
  required: 'ANY',
}

/** Whether replayed calls to `model` must carry a thought signature. */
export function requiresSignedCalls(model: string): boolean {
  const version = /^gemini-(\d+)/i.exec(model)?.[1]
  return version !== undefined && Number(version) >= SIGNATURE_FROM_VERSION
}

/**
 * The request's `tools` and `toolConfig` (nothing without tools). A tool's JSON Schema goes as it
 * is in `parametersJsonSchema`: `parameters` takes only Google's OpenAPI subset (no `$ref`, `$defs`,
 * `additionalProperties`, type lists...) and would need a lossy conversion of every agent and MCP
 * schema. A tool without parameters leaves it unset, as Vertex allows.
 */
export function geminiTools(call: ModelCall): Record<string, unknown> {
  if (!call.tools?.length) return {}
  const functionDeclarations = call.tools.map(({ name, description, parameters }) => ({
    name,
    description,
    ...(Object.keys(parameters).length ? { parametersJsonSchema: parameters } : {}),
  }))
  const choice = call.toolChoice
  if (choice === undefined) return { tools: [{ functionDeclarations }] }
  const config =
    typeof choice === 'string'
      ? { mode: MODES[choice] }
      : { mode: 'ANY', allowedFunctionNames: [choice.name] }
  return { tools: [{ functionDeclarations }], toolConfig: { functionCallingConfig: config } }
}

/**
 * The conversation as Gemini turns, system messages apart. A message without tool calls is one
 * text part as before; the results of one model turn's calls share one user turn, in order (Vertex
 * wants as many `functionResponse` parts there as the turn had calls).
 */
export function geminiContents(
  messages: readonly ChatMessage[],
  signedCalls: boolean,
): { system: GeminiPart[]; contents: GeminiContent[] } {
  const system: GeminiPart[] = []
  const contents: GeminiContent[] = []
  let results: GeminiContent | undefined
  for (const message of messages) {
    if (message.role === 'tool') {
      if (!results) contents.push((results = { role: 'user', parts: [] }))
      results.parts.push(functionResponse(message))
      continue
    }
    if (message.role === 'system') {
      system.push({ text: message.content })
      continue
    }
    results = undefined
    contents.push(
      message.role === 'assistant'
        ? modelTurn(message, signedCalls)
        : { role: 'user', parts: [{ text: message.content }] },
    )
  }
  return { system, contents }
}

function modelTurn(
  message: Extract<ChatMessage, { role: 'assistant' }>,
  signedCalls: boolean,
): GeminiContent {
  if (!message.toolCalls?.length) return { role: 'model', parts: [{ text: message.content }] }
  // Vertex refuses an empty text part; a turn that only called tools has none.
  const text = message.content ? [{ text: message.content }] : []
  return {
    role: 'model',
    parts: [
      ...text,
      ...message.toolCalls.map((call, index) => functionCall(call, signedCalls && index === 0)),
    ],
  }
}

function functionCall(call: ToolCall, signed: boolean): GeminiPart {
  const part: GeminiPart = { functionCall: { ...idOf(call.id), name: call.name, args: call.arguments } }
  if (signed) part.thoughtSignature = UNSIGNED_CALL
  return part
}

/** Vertex reads `output` as the function's result and `error` as its failure; the content is text, so it is wrapped. */
function functionResponse(message: Extract<ChatMessage, { role: 'tool' }>): GeminiPart {
  const response = message.isError ? { error: message.content } : { output: message.content }
  return { functionResponse: { ...idOf(message.toolCallId), name: message.toolName, response } }
}

function idOf(id: string): { id?: string } {
  return id && !MADE_UP_ID.test(id) ? { id } : {}
}

/** A part's function call: its id if Gemini gave one, its name, and its arguments as JSON text. */
export function functionCallOf(
  part: unknown,
): { id: string | undefined; name: string; arguments: string } | undefined {
  if (!isObject(part) || !isObject(part.functionCall)) return undefined
  const { id, name, args } = part.functionCall
  return {
    id: typeof id === 'string' && id !== '' ? id : undefined,
    name: typeof name === 'string' ? name : '',
    // `args` is a JSON object on Vertex. A string (an OpenAI-minded proxy between) is taken as the
    // argument text, so a broken one becomes an invalid call instead of a call with text for arguments.
    arguments:
      typeof args === 'string' ? args : args === undefined || args === null ? '' : JSON.stringify(args),
  }
}
