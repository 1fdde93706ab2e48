/**
 * Runs the model's tool calls, one after the other in the model's order (spec §5.3): each result
 * becomes a tool message for the model (cut when it is huge, §8.4) and a tool entry in the chat
 * (the tool's own short line, its output cut to 4 KiB). A tool that fails never ends the turn: the
 * model reads what went wrong and carries on. Only a stop of the turn interrupts the calls.
 */
import type { Logger } from '../logging.ts'
import type { InvalidToolCall, ToolCall } from '../model-call/types.ts'
import { TurnStopped } from './channel.ts'
import type { Journal } from './journal.ts'
import { truncateToolOutput } from './prompt/tool-output.ts'
import type { AgentTool, ToolContext, ToolOutcome } from './tools/tool.ts'
import { invalidToolCallEntry, toolEntry } from './ui-log.ts'

export interface ToolStepOptions {
  /** The tools offered in this session, by name. */
  tools: ReadonlyMap<string, AgentTool>
  context: ToolContext
  journal: Journal
  log: Logger
  /** One call finished (metrics): its tool, seconds, and whether it failed. */
  onCall?: ((tool: string, seconds: number, failed: boolean) => void) | undefined
}

export async function runToolCalls(calls: readonly ToolCall[], options: ToolStepOptions): Promise<void> {
  const { journal } = options
  for (const call of calls) {
    const tool = options.tools.get(call.name)
    if (!tool) {
      // GitLab's answer to a tool the model made up: the model is told, the chat shows nothing.
      journal.state.history.push({
        role: 'tool',
        toolCallId: call.id,
        toolName: call.name,
        content: `Tool ${call.name} not found`,
        status: 'error',
      })
      continue
    }
    const outcome = await runOne(tool, call, options)
    journal.state.history.push({
      role: 'tool',
      toolCallId: call.id,
      toolName: call.name,
      content: truncateToolOutput(outcome.content),
      status: outcome.error ? 'error' : 'success',
    })
    journal.state.uiLog.push(
      toolEntry({
        call,
        description: describe(tool, call),
        ...(outcome.error ? { failure: firstLine(outcome.content) } : { response: outcome.content }),
        ...(call.name === 'run_command' ? { subType: 'command_output' } : {}),
      }),
    )
    journal.show()
  }
}

/** Calls the model wrote but that cannot run (arguments not JSON...): the model is told why, the chat shows a failed entry. */
export function answerInvalidCalls(calls: readonly InvalidToolCall[], journal: Journal): void {
  for (const call of calls) {
    const content = `The tool call ${call.name} could not be run: ${call.reason}. Write its arguments as one JSON object that matches the tool's schema.`
    journal.state.history.push({
      role: 'tool',
      toolCallId: call.id,
      toolName: call.name,
      content,
      status: 'error',
    })
    journal.state.uiLog.push(invalidToolCallEntry(call, `${call.name}: ${call.reason}`))
  }
}

async function runOne(tool: AgentTool, call: ToolCall, options: ToolStepOptions): Promise<ToolOutcome> {
  const started = performance.now()
  let outcome: ToolOutcome
  try {
    outcome = await tool.run(call.arguments, options.context)
  } catch (error) {
    if (error instanceof TurnStopped || options.context.signal.aborted)
      throw options.context.signal.reason ?? error
    // Tools report their own failures as outcomes; an exception is a fault of the tool: the model is told in general terms.
    options.log.error('A tool failed unexpectedly', {
      tool_name: call.name,
      error_type: error instanceof Error ? error.name : typeof error,
    })
    outcome = { content: `The tool ${call.name} failed unexpectedly and returned no result.`, error: true }
  }
  options.onCall?.(call.name, (performance.now() - started) / 1000, outcome.error === true)
  return outcome
}

function describe(tool: AgentTool, call: ToolCall): string {
  try {
    return tool.describe(call.arguments)
  } catch {
    return `Using ${call.name}`
  }
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0]!.trim()
  return line.length > 300 ? `${line.slice(0, 299)}…` : line
}
