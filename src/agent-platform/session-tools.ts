/**
 * A session's tools and what they work through (spec §8.3, §8.4): the tools its workflow's
 * privileges, the client's capabilities, its MCP tools and its language server allow; and the
 * ToolContext that reaches GitLab through Workhorse, the client through its actions, and the
 * gateway's documentation index.
 */
import type { DocsSearch as GatewayDocsSearch } from '../search/docs-search.ts'
import type { Workflow } from './bootstrap.ts'
import type { ActionChannel } from './channel.ts'
import type { StartWorkflowRequest } from './contract.ts'
import type { Rails } from './rails.ts'
import type { Metadata } from './service.ts'
import { toolsFor } from './tools/registry.ts'
import type { AgentTool, ToolContext } from './tools/tool.ts'
import type { WorkflowNode } from './rails.ts'

export type DocsSearch = NonNullable<ToolContext['searchDocs']>

/** How many documentation pages a search gives the model. */
const DOCS_RESULTS = 4

export interface SessionToolsOptions {
  node: WorkflowNode
  start: Pick<StartWorkflowRequest, 'mcpTools'>
  capabilities: ReadonlySet<string>
  metadata: Metadata
}

export function sessionTools({ node, start, capabilities, metadata }: SessionToolsOptions): AgentTool[] {
  return toolsFor({
    privileges: node.agentPrivilegesNames,
    capabilities,
    mcpTools: start.mcpTools,
    mcpEnabled: node.mcpEnabled,
    mcpServerTools: (metadata['x-gitlab-enabled-mcp-server-tools'] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    languageServerVersion: metadata['x-gitlab-language-server-version'] || undefined,
  })
}

export interface ToolContextOptions {
  rails: Rails
  channel: ActionChannel
  workflow: Workflow
  capabilities: ReadonlySet<string>
  searchDocs?: DocsSearch | undefined
}

export function toolContext({
  rails,
  channel,
  workflow,
  capabilities,
  searchDocs,
}: ToolContextOptions): ToolContext {
  return {
    gitlab: (method, path, body) => rails.request(method, path, body),
    graphql: (query, variables) => rails.graphql(query, variables),
    client: async (action) => {
      const answer = await channel.request(action)
      const text = answer.plainTextResponse
      // GitLab < 18.5 executors answer in the legacy `response` field.
      return { response: text?.response ?? answer.response ?? '', error: text?.error ?? '' }
    },
    gitlabUrl: workflow.gitlabUrl,
    project: workflow.project,
    namespace: workflow.namespace,
    capabilities,
    searchDocs,
    signal: channel.turn,
  }
}

/** The gateway's documentation search (the index `/v1/search/gitlab-docs` reads) as the docs tool uses it. */
export function docsSearchOf(search: GatewayDocsSearch): DocsSearch {
  return async (query) => {
    const { results } = await search.search(query, DOCS_RESULTS)
    return results.map((result) => ({
      title: typeof result.metadata.title === 'string' ? result.metadata.title : result.id,
      source_url: typeof result.metadata.source_url === 'string' ? result.metadata.source_url : result.id,
      content: result.content,
    }))
  }
}
