/**
 * Builders for the chat log the web UI and IDEs render (`ui_chat_log`, spec §7.6, §7.7), one per
 * kind of entry GitLab 18.9's chat writes, with its exact keys and value shapes. What the UI relies
 * on: a user entry echoes the goal verbatim (it replaces the UI's optimistic copy by content); an
 * agent entry keeps the model message's id from the first streamed piece to the final version (it
 * is updated in place by id); an approval request is the newest entry, `request` with `tool_info`.
 */
import type { InvalidToolCall, ToolCall } from '../model-call/types.ts'
import { timestamp as clock } from './gitlab-time.ts'
import { encodeAdditionalContext, encodeToolMessage } from './langchain-messages.ts'
import type { AdditionalContextItem, UiLogEntry } from './state.ts'

/** How much of a tool's output the entry keeps (GitLab: 4 KiB, counted as Python counts, in code points). */
export const TOOL_RESPONSE_UI_LIMIT = 4096

export interface EntryOptions {
  /** Default: now, from the process's monotonic clock (gitlab-time.ts). */
  timestamp?: string
}

type Status = UiLogEntry['status']

function entry(
  message_type: UiLogEntry['message_type'],
  message_sub_type: string | null,
  content: string,
  status: Status,
  tool_info: UiLogEntry['tool_info'],
  message_id: string,
  options: EntryOptions,
): UiLogEntry {
  return {
    message_type,
    message_sub_type,
    content,
    timestamp: options.timestamp ?? clock(),
    status,
    correlation_id: null,
    tool_info,
    additional_context: null,
    message_id,
  }
}

/** The user's message, verbatim, with the turn's additional context (as in the human message). */
export function userEntry(
  goal: string,
  additionalContext?: readonly AdditionalContextItem[] | null,
  options: EntryOptions = {},
): UiLogEntry {
  // GitLab writes this entry's keys in this order; JSON readers do not care, a byte comparison would.
  return {
    message_sub_type: null,
    message_type: 'user',
    content: goal,
    message_id: `user-${crypto.randomUUID()}`,
    timestamp: options.timestamp ?? clock(),
    status: 'success',
    correlation_id: null,
    tool_info: null,
    additional_context: additionalContext ? encodeAdditionalContext(additionalContext) : null,
  }
}

/** The model's text: `messageId` is the model message's id, the same for every streamed version. */
export function agentEntry(messageId: string, content: string, options: EntryOptions = {}): UiLogEntry {
  return entry('agent', null, content, 'success', null, messageId, options)
}

/** A streamed piece of the model's text (the whole text so far): `status` null until the message is complete. */
export function streamingAgentEntry(
  messageId: string,
  content: string,
  options: EntryOptions = {},
): UiLogEntry {
  return entry('agent', null, content, null, null, messageId, options)
}

/** A turn that failed: a concise, human-readable reason (no stack, no secret), `error-<uuid4>`. */
export function agentFailureEntry(content: string, options: EntryOptions = {}): UiLogEntry {
  return entry('agent', null, content, 'failure', null, `error-${crypto.randomUUID()}`, options)
}

export interface ToolRun {
  call: ToolCall
  /** The tool's short line for the chat ("Read work item #1 in project 1"): AgentTool.describe. */
  description: string
  /** What the tool returned, when it ran: kept (cut to TOOL_RESPONSE_UI_LIMIT) as `tool_info.tool_response`. */
  response?: string | undefined
  /** Why the call failed: the entry reads "Failed: <description> - <failure>" and keeps no response. */
  failure?: string | undefined
  /** `message_sub_type`: the tool's name by default; GitLab's `run_command` entries say `command_output`. */
  subType?: string | undefined
}

/** A tool call that ran (or failed): `message_id` is the call's id. */
export function toolEntry(run: ToolRun, options: EntryOptions = {}): UiLogEntry {
  const { call } = run
  const failed = run.failure !== undefined
  const info: NonNullable<UiLogEntry['tool_info']> = { name: call.name, args: call.arguments }
  if (!failed && run.response !== undefined) {
    info.tool_response = encodeToolMessage({
      content: cutForUi(run.response),
      toolName: call.name,
      toolCallId: call.id,
      status: 'success',
    })
  }
  const content = failed ? `Failed: ${run.description} - ${run.failure}` : run.description
  return entry(
    'tool',
    run.subType ?? call.name,
    content,
    failed ? 'failure' : 'success',
    info,
    call.id,
    options,
  )
}

/** A call the model wrote but that could not be used (arguments not JSON...): `content` says so. */
export function invalidToolCallEntry(
  call: InvalidToolCall,
  content: string,
  options: EntryOptions = {},
): UiLogEntry {
  return entry('tool', null, `Tool call error: ${content}`, 'failure', null, call.id, options)
}

/** The approval widget's entry for a call that needs the user's approval: `request-<tool_call_id>`. */
export function approvalRequestEntry(call: ToolCall, options: EntryOptions = {}): UiLogEntry {
  const content = `Tool ${call.name} requires approval. Please confirm if you want to proceed.`
  return entry(
    'request',
    null,
    content,
    'success',
    { name: call.name, args: call.arguments },
    `request-${call.id}`,
    options,
  )
}

/** The first TOOL_RESPONSE_UI_LIMIT code points (a surrogate pair is never split). */
export function cutForUi(text: string, limit = TOOL_RESPONSE_UI_LIMIT): string {
  // At most two code units per code point: a string this short cannot be over the limit.
  if (text.length <= limit) return text
  let units = 0
  let points = 0
  while (units < text.length && points < limit) {
    const code = text.charCodeAt(units)
    const pair =
      code >= 0xd800 &&
      code <= 0xdbff &&
      units + 1 < text.length &&
      (text.charCodeAt(units + 1) & 0xfc00) === 0xdc00
    units += pair ? 2 : 1
    points++
  }
  return text.slice(0, units)
}
