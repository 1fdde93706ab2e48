/**
 * Tool calling in Bedrock's Converse shapes: neutral tool definitions and choice as `toolConfig`,
 * an assistant's tool calls as `toolUse` blocks and their results as `toolResult` blocks (in a user
 * turn), and the `toolUse` blocks of a whole answer as neutral calls. The stream side is in
 * bedrock-stream.ts.
 */
import type {
  ChatMessage,
  InvalidToolCall,
  ModelCall,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from '../model-call/types.ts'
import { isObject as isRecord } from './json.ts'
import { parseArguments, sortCalls } from './tool-calls.ts'

export type ConverseBlock = Record<string, unknown>

/**
 * `toolResult.status` is documented for Claude and Nova only, and other models may refuse a
 * request that carries it (Strands stopped sending it to them for that reason): so `error` goes to
 * those two families, and elsewhere a failed tool's text has to speak for itself. `success` is the
 * meaning of no status, so it is never sent. Application inference profile ARNs do not name their
 * model: they count as "elsewhere".
 */
const RESULT_STATUS_MODELS = /(^|[./])(anthropic\.claude|amazon\.nova)/

/** The description of a tool declared only because the conversation called it. */
const EARLIER_TOOL = 'A tool called earlier in this conversation'

/** Converse refuses blank text blocks, in a tool result too: an empty result says so instead. */
const EMPTY_RESULT = '(no output)'

/** The content blocks of one non-system message. A message without tool calls stays one text block, as it always was. */
export function converseBlocks(
  message: Exclude<ChatMessage, { role: 'system' }>,
  model: string,
): ConverseBlock[] {
  if (message.role === 'tool') {
    const result: ConverseBlock = {
      toolUseId: message.toolCallId,
      content: [{ text: message.content === '' ? EMPTY_RESULT : message.content }],
    }
    if (message.isError && RESULT_STATUS_MODELS.test(model)) result.status = 'error'
    return [{ toolResult: result }]
  }
  if (message.role === 'assistant' && message.toolCalls?.length) {
    // Text before the calls only when there is some: a blank text block is a ValidationException.
    const text: ConverseBlock[] = message.content.trim() === '' ? [] : [{ text: message.content }]
    return [
      ...text,
      ...message.toolCalls.map((call) => ({
        toolUse: { toolUseId: call.id, name: call.name, input: call.arguments },
      })),
    ]
  }
  return [{ text: message.content }]
}

/**
 * `toolConfig`, or undefined when the call has none to send. Converse has no "none" choice: the
 * tools are withheld instead, so the model cannot call them. But Converse refuses a conversation
 * that holds `toolUse` or `toolResult` blocks without a `toolConfig` ("The toolConfig field must be
 * defined when using toolUse and toolResult content blocks"): then the call's tools are declared
 * anyway (with "none", the model's own default applies), or, when the call has none, the tools the
 * conversation used, with an open schema (LiteLLM, told to modify params, adds a placeholder tool).
 */
export function converseToolConfig(call: ModelCall): Record<string, unknown> | undefined {
  const tools = call.tools ?? []
  if (tools.length > 0 && call.toolChoice !== 'none')
    return { tools: tools.map(toolSpec), ...toolChoice(call.toolChoice) }
  const used = toolNamesUsed(call.messages)
  if (used.size === 0) return undefined
  if (tools.length > 0) return { tools: tools.map(toolSpec) }
  return {
    tools: [...used].map((name) =>
      toolSpec({ name, description: EARLIER_TOOL, parameters: { type: 'object', properties: {} } }),
    ),
  }
}

/**
 * `auto` is Converse's default, and not every model takes a `toolChoice` field (LiteLLM sends one
 * only to the models that do): so `auto` is left out. `required` is `any`; one tool is `tool`.
 */
function toolChoice(choice: ToolChoice | undefined): { toolChoice?: Record<string, unknown> } {
  if (choice === 'required') return { toolChoice: { any: {} } }
  if (typeof choice === 'object') return { toolChoice: { tool: { name: choice.name } } }
  return {}
}

function toolSpec(tool: ToolDefinition): ConverseBlock {
  // `description` must be at least one character when present.
  const description = tool.description ? { description: tool.description } : {}
  return { toolSpec: { name: tool.name, ...description, inputSchema: { json: tool.parameters } } }
}

function toolNamesUsed(messages: readonly ChatMessage[]): Set<string> {
  const names = new Set<string>()
  for (const message of messages) {
    if (message.role === 'tool') names.add(message.toolName)
    else if (message.role === 'assistant') for (const call of message.toolCalls ?? []) names.add(call.name)
  }
  return names
}

/** A whole answer's content blocks: the text blocks joined, the `toolUse` blocks as calls in order. */
export function converseAnswer(content: readonly unknown[]): {
  text: string
  toolCalls?: ToolCall[]
  invalidToolCalls?: InvalidToolCall[]
} {
  let text = ''
  const calls: (ToolCall | InvalidToolCall)[] = []
  for (const block of content) {
    if (!isRecord(block)) continue
    if (typeof block.text === 'string') text += block.text
    else if (isRecord(block.toolUse)) {
      const { toolUseId, name, input } = block.toolUse
      const id = typeof toolUseId === 'string' && toolUseId ? toolUseId : `call_${calls.length}`
      calls.push(parseArguments(id, typeof name === 'string' ? name : '', argumentText(input)))
    }
  }
  return { text, ...sortCalls(calls) }
}

/**
 * The input as the text of its JSON. Bedrock hands it over parsed; a string input is taken as the
 * JSON text itself (a model that wrote its arguments as a string), so it is a call if that text is
 * an object, and an invalid call showing the text otherwise.
 */
function argumentText(input: unknown): string {
  if (input === undefined) return ''
  return typeof input === 'string' ? input : JSON.stringify(input)
}
