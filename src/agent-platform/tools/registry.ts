/**
 * Which tools a chat session offers its model (spec §8.3, §8.4), in a stable order: GitLab's chat
 * tool list, kept to the workflow's agent privileges, the client's capabilities and the MCP
 * settings; and every tool as an OpenAI function for the `ListTools` RPC (§9.1).
 */
import type { McpTool } from '../contract.ts'
import { COMMAND_TOOLS } from './command.ts'
import { COMMIT_TOOLS } from './commit.ts'
import { DOCS_TOOLS } from './docs.ts'
import { GITLAB_READ_TOOLS, GITLAB_USER_TOOLS } from './gitlab-read.ts'
import { GITLAB_WRITE_TOOLS } from './gitlab-write.ts'
import { LOCAL_TOOLS } from './local.ts'
import { mcpToolsFrom } from './mcp.ts'
import { REPOSITORY_TOOLS } from './repository.ts'
import { MCP_REPLACED_SEARCH_TOOLS, SEARCH_TOOLS } from './search.ts'
import type { AgentTool, Privilege } from './tool.ts'
import { VULNERABILITY_TOOLS } from './vulnerabilities.ts'
import { WORK_ITEM_WRITE_TOOLS } from './work-item-writes.ts'
import { WORK_ITEM_READ_TOOLS } from './work-items.ts'

/** The built-in tools in GitLab's order: GitLab reads, local tools, run_command, GitLab writes. */
export const BUILTIN_TOOLS: readonly AgentTool[] = [
  ...GITLAB_READ_TOOLS,
  ...REPOSITORY_TOOLS,
  ...WORK_ITEM_READ_TOOLS,
  ...VULNERABILITY_TOOLS,
  ...GITLAB_USER_TOOLS,
  ...DOCS_TOOLS,
  ...SEARCH_TOOLS,
  ...LOCAL_TOOLS,
  ...COMMAND_TOOLS,
  ...GITLAB_WRITE_TOOLS,
  ...COMMIT_TOOLS,
  ...WORK_ITEM_WRITE_TOOLS,
]

/**
 * The agent privileges that enable a tool of each privilege: GitLab's `read_write_gitlab` set
 * contains every read tool too, so a workflow with only that privilege can still read.
 */
export const ENABLED_BY: Readonly<Record<Privilege, readonly Privilege[]>> = {
  read_only_gitlab: ['read_only_gitlab', 'read_write_gitlab'],
  read_write_gitlab: ['read_write_gitlab'],
  read_write_files: ['read_write_files'],
  run_commands: ['run_commands'],
  use_git: ['use_git'],
  // GitLab's service always adds this privilege; MCP tools are governed by the workflow's mcpEnabled.
  run_mcp_tools: ['run_mcp_tools'],
}

/** Language servers older than this get no tools at all (GitLab's gate for its node-executor tools). */
export const MIN_LANGUAGE_SERVER_VERSION = [7, 43, 0] as const

export interface ToolSelection {
  /** The workflow's `agentPrivilegesNames`; unknown names are ignored. */
  privileges: readonly string[]
  /** The session's client capabilities (after Workhorse's filtering). */
  capabilities: ReadonlySet<string> | readonly string[]
  /** The start request's `mcpTools`. */
  mcpTools?: readonly McpTool[]
  /** The workflow's `mcpEnabled`: MCP tools are offered only when true. */
  mcpEnabled?: boolean
  /** `x-gitlab-enabled-mcp-server-tools`: a comma list, or its items. */
  mcpServerTools?: string | readonly string[]
  /** `x-gitlab-language-server-version` (IDE sessions only). */
  languageServerVersion?: string | undefined
}

/** `7.42.1` → [7, 42, 1]; undefined when it is not a version (then the gate does not apply, as in GitLab). */
export function parseVersion(text: string | undefined): [number, number, number] | undefined {
  const match = /^\s*v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? '')
  if (!match) return undefined
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)]
}

export function olderThan(version: readonly number[], floor: readonly number[]): boolean {
  for (let i = 0; i < floor.length; i++) {
    const a = version[i] ?? 0
    const b = floor[i] ?? 0
    if (a !== b) return a < b
  }
  return false
}

function listOf(value: string | readonly string[] | undefined): string[] {
  const items = typeof value === 'string' ? value.split(',') : (value ?? [])
  return items.map((item) => item.trim()).filter((item) => item !== '')
}

export function isEnabled(tool: AgentTool, privileges: readonly string[]): boolean {
  return ENABLED_BY[tool.privilege].some((privilege) => privileges.includes(privilege))
}

/** The tools offered to the model in this session, in a stable order (built-ins, then MCP tools in request order). */
export function toolsFor(selection: ToolSelection): AgentTool[] {
  const version = parseVersion(selection.languageServerVersion)
  if (version && olderThan(version, MIN_LANGUAGE_SERVER_VERSION)) return []
  const capabilities =
    selection.capabilities instanceof Set
      ? selection.capabilities
      : new Set(selection.capabilities as readonly string[])
  const dropSearch = listOf(selection.mcpServerTools).includes('search')
  const builtins = BUILTIN_TOOLS.filter(
    (tool) =>
      isEnabled(tool, selection.privileges) &&
      (tool.offered?.({ capabilities }) ?? true) &&
      !(dropSearch && MCP_REPLACED_SEARCH_TOOLS.includes(tool.name)),
  )
  if (!selection.mcpEnabled || !selection.mcpTools?.length) return builtins
  const { tools } = mcpToolsFrom(selection.mcpTools, new Set(builtins.map((tool) => tool.name)))
  return [...builtins, ...tools]
}

/**
 * Whether a call of `tool` runs without asking the user (spec §5.7 rules 1 and 3): one of the
 * workflow's privileges that enables it is pre-approved, or the session pre-approves it by name.
 */
export function isPreapproved(
  tool: AgentTool,
  workflow: {
    privileges: readonly string[]
    preapprovedPrivileges: readonly string[]
    preapprovedTools?: readonly string[] | null | undefined
  },
): boolean {
  if (workflow.preapprovedTools?.includes(tool.name)) return true
  return ENABLED_BY[tool.privilege].some(
    (privilege) =>
      workflow.privileges.includes(privilege) && workflow.preapprovedPrivileges.includes(privilege),
  )
}

export interface ToolSpec {
  type: 'function'
  function: { name: string; description: string; parameters: Record<string, unknown> }
}

/** A tool in OpenAI's function format (what ListTools returns and OpenAI-compatible model APIs take). */
export function toolSpec(tool: AgentTool): ToolSpec {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }
}

/** Every built-in tool, whatever the privileges, once per name (the default `run_command`), for `ListTools`. */
export function listToolSpecs(): ToolSpec[] {
  const seen = new Set<string>()
  const specs: ToolSpec[] = []
  for (const tool of BUILTIN_TOOLS) {
    if (seen.has(tool.name)) continue
    seen.add(tool.name)
    specs.push(toolSpec(tool))
  }
  return specs
}
