/**
 * A `ToolContext` for tool tests (and the engine's, later): GitLab's REST and GraphQL APIs go to a
 * fake Rails through `rails.handle()` exactly as Workhorse would carry a `runHTTPRequest`, and
 * client actions go to a scripted IDE that records every action and answers from a script.
 */
import type { Action, Outgoing } from '../../src/agent-platform/contract.ts'
import type { ProjectInfo } from '../../src/agent-platform/state.ts'
import type { ClientResponse, ToolContext } from '../../src/agent-platform/tools/tool.ts'
import { createFakeRails, type FakeRails } from './rails.ts'
import { createToolData, type ToolData } from './rails/tool-data.ts'
import { installToolEndpoints } from './rails/tool-endpoints.ts'
import { installWorkItemsGraphql } from './rails/work-items-graphql.ts'

export const GITLAB_URL = 'http://gitlab.example.com'

export type ClientAction = Omit<Outgoing<Action>, 'requestID'>
export type ClientScript = (action: ClientAction) => ClientResponse | Promise<ClientResponse>

/** The session project as the engine knows it from the workflow query (project 7 of tool-data.ts). */
export function sessionProject(exclusionRules: string[] = []): ProjectInfo {
  return {
    id: 7,
    name: 'GitLab Test',
    description: 'A project for the tools',
    http_url_to_repo: `${GITLAB_URL}/gitlab-org/gitlab-test.git`,
    web_url: `${GITLAB_URL}/gitlab-org/gitlab-test`,
    default_branch: 'main',
    languages: [{ name: 'Ruby', share: 100 }],
    exclusion_rules: exclusionRules,
  }
}

export interface ToolHarness {
  rails: FakeRails
  data: ToolData
  workItems: ReturnType<typeof installWorkItemsGraphql>
  context: ToolContext
  /** Every client action the tools sent, in order. */
  clientActions: ClientAction[]
}

export interface HarnessOptions {
  exclusionRules?: string[]
  capabilities?: string[]
  client?: ClientScript
  searchDocs?: ToolContext['searchDocs']
  gitlabUrl?: string
}

/** A fake Rails with the tool endpoints installed and a ToolContext on it. */
export function toolHarness(options: HarnessOptions = {}): ToolHarness {
  const gitlabUrl = options.gitlabUrl ?? GITLAB_URL
  const rails = createFakeRails({ gitlabUrl })
  const data = createToolData(gitlabUrl)
  installToolEndpoints(rails, data)
  const workItems = installWorkItemsGraphql(rails, data)
  const clientActions: ClientAction[] = []
  const context: ToolContext = {
    async gitlab(method, path, body) {
      const response = await rails.handle({
        method,
        path,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: response.statusCode, body: response.body }
    },
    async graphql(query, variables) {
      const response = await rails.handle({
        method: 'POST',
        path: '/api/graphql',
        body: JSON.stringify({ query, variables: variables ?? {} }),
      })
      const answer = JSON.parse(response.body) as { data?: unknown; errors?: { message: string }[] }
      if (answer.errors?.length)
        throw new Error(`GraphQL error: ${answer.errors.map((e) => e.message).join('; ')}`)
      return answer.data
    },
    async client(action) {
      clientActions.push(action)
      if (!options.client) throw new Error('no client in this test')
      return options.client(action)
    },
    gitlabUrl,
    project: sessionProject(options.exclusionRules),
    namespace: { id: 2, name: 'GitLab.org', description: null, web_url: `${gitlabUrl}/groups/gitlab-org` },
    capabilities: new Set(options.capabilities ?? []),
    searchDocs: options.searchDocs,
    signal: new AbortController().signal,
  }
  return { rails, data, workItems, context, clientActions }
}

/** The requests the tools made (the fake's record), as `METHOD path` lines and bodies. */
export function requestsOf(
  rails: FakeRails,
): { method: string; path: string; body: unknown; status: number | undefined }[] {
  return rails.requests.map((r) => ({ method: r.method, path: r.path, body: r.body, status: r.statusCode }))
}
