/**
 * Which of the model's tool calls need the user's approval before they run (spec §5.7). A call
 * runs without asking when its tool's privilege is pre-approved for the workflow, when the tool is
 * among the session's pre-approved tool names, or when the user already approved exactly these
 * arguments: the workflow's `toolCallApprovals` holds, per tool, SHA-256 hashes of the arguments as
 * GitLab's service serialises them (Python's `json.dumps` with compact separators).
 */
import type { ToolCall } from '../model-call/types.ts'
import { pythonJson } from '../streaming/python-json.ts'
import { isPreapproved } from './tools/registry.ts'
import type { AgentTool } from './tools/tool.ts'

export interface ApprovalPolicy {
  /** The workflow's agent privileges. */
  privileges: readonly string[]
  /** Those of them pre-approved (the web chat: `read_only_gitlab`). */
  preApprovedPrivileges: readonly string[]
  /** Tool names pre-approved for the session (the start request's `preapproved_tools`, Workhorse's MCP pre-approvals). */
  preapprovedTools: readonly string[]
  /** GraphQL `toolCallApprovals`: `{"<tool>": {"call_args": ["<sha256 hex>", ...]}}`. */
  toolCallApprovals: Readonly<Record<string, { call_args?: readonly string[] | undefined }>>
}

/** The calls of offered tools that need approval, in the model's order (empty: all may run). A call of a tool not offered is not asked about: it is answered "not found". */
export async function callsNeedingApproval(
  calls: readonly ToolCall[],
  tools: ReadonlyMap<string, AgentTool>,
  policy: ApprovalPolicy,
): Promise<ToolCall[]> {
  const needing: ToolCall[] = []
  for (const call of calls) {
    const tool = tools.get(call.name)
    if (tool && !(await approved(call, tool, policy))) needing.push(call)
  }
  return needing
}

async function approved(call: ToolCall, tool: AgentTool, policy: ApprovalPolicy): Promise<boolean> {
  const { privileges, preApprovedPrivileges: preapprovedPrivileges, preapprovedTools } = policy
  if (isPreapproved(tool, { privileges, preapprovedPrivileges, preapprovedTools })) return true
  const hashes = Object.hasOwn(policy.toolCallApprovals, call.name)
    ? policy.toolCallApprovals[call.name]?.call_args
    : undefined
  if (!hashes?.length) return false
  return hashes.includes(await argumentsHash(call.arguments))
}

/** SHA-256 (hex) of the arguments as GitLab's service hashes them. */
export async function argumentsHash(args: Record<string, unknown>): Promise<string> {
  // A float the model wrote with a zero fraction (`2.0`) is the integer 2 here, hashed as `2` where
  // Python writes `2.0`: such a call is asked about again, never approved wrongly.
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pythonJson(args, true)))
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
}
