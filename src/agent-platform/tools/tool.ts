/**
 * A tool the chat agent offers its model (spec §8.3, §8.4): a row of data (GitLab's exact name and
 * parameter names, the JSON Schema of its arguments, the agent privilege that enables it) plus a
 * small handler that does the work through the session's channels, never directly: GitLab's API
 * through Workhorse (`runHTTPRequest`), the IDE through client actions, MCP tools through `runMCPTool`.
 */
import type { Action, Outgoing } from '../contract.ts'
import type { NamespaceInfo, ProjectInfo } from '../state.ts'

/** Rails' agent privileges (spec §8.3): a workflow enables tools by these, and pre-approves some. */
export type Privilege =
  'read_write_files' | 'read_only_gitlab' | 'read_write_gitlab' | 'run_commands' | 'use_git' | 'run_mcp_tools'

/** What Rails answered a `runHTTPRequest` (Workhorse passes only the status and the body, at most ~4 MiB). */
export interface GitLabResponse {
  status: number
  body: string
}

/** What a client answered an action (`plainTextResponse`). */
export interface ClientResponse {
  response: string
  error: string
}

export interface ToolContext {
  /** GitLab's REST API through Workhorse: `path` absolute (`/api/v4/projects/7`), query included. */
  gitlab(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<GitLabResponse>
  /** GitLab's GraphQL API through Workhorse (`POST /api/graphql`): the `data` member, or an error naming GraphQL's messages. */
  graphql(query: string, variables?: Record<string, unknown>): Promise<unknown>
  /** An action the client executes (IDE local tools: `runReadFile`, `grep`...): its answer. */
  client(action: Omit<Outgoing<Action>, 'requestID'>): Promise<ClientResponse>
  /** The GitLab instance's web URL (`https://gitlab.example.com`), for `url` arguments and links. */
  gitlabUrl: string
  project: ProjectInfo | null
  namespace: NamespaceInfo | null
  /** The session's client capabilities (after Workhorse's filtering): `shell_command`, `incremental_streaming`... */
  capabilities: ReadonlySet<string>
  /** The documentation index the gateway searches (`/v1/search/gitlab-docs`'s), when there is one. */
  searchDocs?:
    ((query: string) => Promise<{ title: string; source_url: string; content: string }[]>) | undefined
  signal: AbortSignal
}

/** What a tool call produced: the text the model reads, and how the chat shows it. */
export interface ToolOutcome {
  /** For the model (a tool message). Long outputs are cut by the engine, not here. */
  content: string
  /** The call failed (the model is told so; the UI entry says "Failed: ..."). */
  error?: boolean
}

export interface AgentTool {
  /** GitLab's exact tool name (`get_merge_request`, `read_file`...). */
  name: string
  /** For the model: what the tool is for and when to use it (our own words). */
  description: string
  /** JSON Schema (`type: object`) of the arguments, GitLab's exact parameter names. */
  parameters: Record<string, unknown>
  privilege: Privilege
  /** A short line for the chat's tool entry ("Read merge request !12"), from the arguments. */
  describe(args: Record<string, unknown>): string
  run(args: Record<string, unknown>, context: ToolContext): Promise<ToolOutcome>
  /** Whether the tool is offered in this session (a capability, a client type); absent: always. */
  offered?(context: Pick<ToolContext, 'capabilities'>): boolean
}
