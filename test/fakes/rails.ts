/**
 * A fake GitLab Rails for the Agent Platform tests, in memory: the fake Workhorse hands each
 * `runHTTPRequest{method, path, body}` to `rails.handle()` and sends back `httpResponse{statusCode,
 * body}`. It answers as Rails 18.9 answers, not as our service would like, so that the tests catch
 * our service's mistakes.
 *
 * Faithful (from Rails' sources and duo-workflow-contract.md §5.6, §7):
 * - GraphQL `duoWorkflowWorkflows` runs through the reference GraphQL executor against a slice of
 *   GitLab's schema (rails/graphql-schema.ts): unknown fields, a `$workflowId` declared with another
 *   type than `AiDuoWorkflowsWorkflowID`, or a malformed gid give an `errors` answer (HTTP 200).
 *   `latestCheckpoint.checkpoint`/`.metadata` are JSON strings; latest = greatest `thread_ts` as text.
 *   Another user's or an unknown workflow gives empty `nodes`.
 * - The status state machine and UpdateWorkflowStatusService's order of checks: unsupported event →
 *   400; target status equal to the current one → 200 (even for an event not allowed from there,
 *   e.g. `start` while running); disallowed → 400 `{"message":"Can not <event> workflow that has
 *   status <human status>"}` (state_machines' human names: "tool call approval required").
 * - Grape: parameters validated before the workflow is looked up (`{"error":"thread_ts is missing,
 *   metadata is missing"}`), with Grape's coercions (numbers become text, a Hash where text is expected
 *   is invalid); `{"message":"404 Not found"}` for a workflow that is unknown or not the user's,
 *   `{"message":"404 Not Found"}` for an unknown checkpoint id, `{"error":"404 Not Found"}` for an
 *   unknown route, 405 for a known path with another method.
 * - Checkpoint POST: `checkpoint` if present (an empty object is not), else `compressed_checkpoint`
 *   (strict base64 of zlib of JSON; bad data → 400 "Invalid compressed checkpoint data: <Ruby's
 *   reason>"), else 400 "Either checkpoint or compressed_checkpoint must be provided"; then the model's
 *   presence validations (`400 Bad request - ["Metadata can't be blank"]`, the error array
 *   interpolated as 18.9's endpoint does); 201 `{id, thread_ts, parent_ts}`. Stored as jsonb stores
 *   it: keys come back in jsonb order (length, then bytes), and a U+0000 anywhere, or a thread_ts over
 *   255 characters, is a database error (500). Duplicate or out-of-order thread_ts are accepted, as
 *   Rails accepts them; they are noted in `ruleBreaks(id)` for tests that insist on §7.3.
 * - JSON bodies are written as ActiveSupport writes them (`<`, `>`, `&` as \u escapes).
 * - PATCH success body: the service payload `{"workflow": <row>}` (status as its integer).
 *
 * Not faithful / not modelled: authentication, scopes and the Workhorse-only guard (every request is
 * the current user's, set by `currentUserId`); `update_duo_workflow` vs `read_duo_workflow` (one
 * `forbidden` flag); audit events, todos, subscriptions; the events and checkpoint_writes endpoints;
 * pagination headers (Workhorse drops them anyway); namespace nesting (a namespace is its own root);
 * jsonb number formatting (1.0 comes back as 1) and JavaScript's ordering of integer-like keys;
 * Ruby's exact JSON parser messages; PostgreSQL collation (thread_ts compared by code unit); the
 * GraphQL error texts (graphql-js words them, not graphql-ruby); the body of a GraphQL request that
 * is not JSON; `GET /api/graphql`. Sources: the contract (18.9) and the nearest later revisions of
 * Rails' own files (no 18.9 copy was at hand), leaving out what those added after 18.9.
 */
import { compressCheckpoint, seedCheckpoint, type CheckpointRecord } from './rails/checkpoints.ts'
import {
  grapeError,
  internalError,
  methodNotAllowed,
  routeNotFound,
  type RailsResponse,
} from './rails/grape.ts'
import { createGraphqlEndpoint, type GraphqlHandler, type GraphqlMatcher } from './rails/graphql.ts'
import { rubyJson } from './rails/json.ts'
import {
  compileMatcher,
  compilePattern,
  matchPattern,
  parseRequest,
  type CompiledPattern,
  type HandlerResult,
  type RailsRequest,
  type RecordedRequest,
  type RequestMatcher,
  type RouteContext,
  type RouteHandler,
} from './rails/router.ts'
import { workflowApiRoutes } from './rails/workflow-api.ts'
import {
  workflowRecord,
  type StatusEventRecord,
  type WorkflowInit,
  type WorkflowRecord,
} from './rails/workflows.ts'

export { compressCheckpoint }
export type {
  CheckpointRecord,
  RailsRequest,
  RailsResponse,
  RecordedRequest,
  RequestMatcher,
  RouteContext,
  RouteHandler,
  HandlerResult,
}
export type { GraphqlHandler, GraphqlMatcher, GraphqlRequest, GraphqlResult } from './rails/graphql.ts'
export type {
  SeedCheckpoint,
  WorkflowInit,
  WorkflowRecord,
  StatusEventRecord,
  PrivilegeName,
} from './rails/workflows.ts'
export type { WorkflowStatus } from './rails/state-machine.ts'

export interface FakeRailsOptions {
  /** Delay before every answer. */
  latencyMs?: number
  /** The user every request acts as (the OAuth token's owner). Default 1. */
  currentUserId?: number
  /** `Gitlab.config.gitlab.url`, the base of every web URL. Default `http://gitlab.example.com`. */
  gitlabUrl?: string
}

export type FakeFault = { statusCode: number; body: string | object } | 'hang'

interface Route {
  method: string
  pattern: CompiledPattern
  handler: RouteHandler
}

export type FakeRails = ReturnType<typeof createFakeRails>

export function createFakeRails(options: FakeRailsOptions = {}) {
  const gitlabUrl = (options.gitlabUrl ?? 'http://gitlab.example.com').replace(/\/+$/, '')
  let currentUserId = options.currentUserId ?? 1
  const workflows = new Map<number, WorkflowRecord>()
  const requests: RecordedRequest[] = []
  const faults: { matches: (r: RecordedRequest) => boolean; fault: FakeFault }[] = []
  const hung = new Set<(response: RailsResponse) => void>()
  const breaks = new Map<number, string[]>()
  const extensions: Route[] = []
  const errors: unknown[] = []
  let nextWorkflowId = 1
  let nextCheckpointId = 1

  const builtins: Route[] = workflowApiRoutes({
    workflows,
    currentUserId: () => currentUserId,
    gitlabUrl,
    nextCheckpointId: () => nextCheckpointId++,
    now: () => new Date(),
    ruleBreaks: (workflow, problems) =>
      breaks.set(workflow.id, [...(breaks.get(workflow.id) ?? []), ...problems]),
  }).map((route) => ({
    method: route.method,
    pattern: compilePattern(route.pattern),
    handler: route.handler,
  }))

  const graphqlEndpoint = createGraphqlEndpoint({
    get currentUserId() {
      return currentUserId
    },
    workflows: () => workflows.values(),
  })

  const mustFind = (id: string | number): WorkflowRecord => {
    const workflow = workflows.get(Number(id))
    if (!workflow) throw new Error(`fake Rails has no workflow ${id}`)
    return workflow
  }

  const normalise = (result: HandlerResult): RailsResponse =>
    'json' in result
      ? { statusCode: result.statusCode, body: rubyJson(result.json) }
      : { statusCode: result.statusCode, body: result.body }

  async function route(request: RecordedRequest, rawBody: string | undefined): Promise<RailsResponse> {
    if (request.method === 'POST' && request.pathname === '/api/graphql') {
      return graphqlEndpoint.handle(request.body)
    }
    let pathKnown = false
    for (const candidate of [...extensions, ...builtins]) {
      const params = matchPattern(candidate.pattern, request.pathname)
      if (!params) continue
      pathKnown = true
      if (candidate.method !== request.method) continue
      // Grape parses a JSON body before it validates anything.
      if (typeof request.body === 'string')
        return grapeError(400, 'message body does not match declared format')
      return normalise(await candidate.handler({ ...request, params, rawBody }))
    }
    return pathKnown ? methodNotAllowed() : routeNotFound()
  }

  return {
    /** Everything the fake was asked, in order, with the status it answered. */
    requests,
    /** Exceptions thrown by handlers (answered as Rails' 500); a test can assert this stays empty. */
    errors,

    async handle(input: RailsRequest): Promise<RailsResponse> {
      const request = parseRequest(input)
      requests.push(request)
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs))
      const index = faults.findIndex((f) => f.matches(request))
      const fault = index >= 0 ? faults.splice(index, 1)[0]?.fault : undefined
      let response: RailsResponse
      if (fault !== undefined) {
        if (fault === 'hang') {
          response = await new Promise<RailsResponse>((resolve) => hung.add(resolve))
        } else {
          response = {
            statusCode: fault.statusCode,
            body: typeof fault.body === 'string' ? fault.body : rubyJson(fault.body),
          }
        }
      } else {
        try {
          response = await route(request, input.body)
        } catch (error) {
          errors.push(error)
          response = internalError()
        }
      }
      request.statusCode = response.statusCode
      return response
    },

    /** Adds a workflow row; returns its id as the text a `startRequest.workflowID` carries. */
    addWorkflow(init: WorkflowInit = {}): string {
      const id = init.id ?? nextWorkflowId
      if (workflows.has(id)) throw new Error(`fake Rails already has workflow ${id}`)
      nextWorkflowId = Math.max(nextWorkflowId, id + 1)
      const workflow = workflowRecord(id, init, { userId: currentUserId, gitlabUrl, now: new Date() })
      for (const seed of init.checkpoints ?? [])
        workflow.checkpoints.push(seedCheckpoint(seed, nextCheckpointId++, new Date()))
      workflows.set(id, workflow)
      return String(id)
    },

    /** Adds a REST route (e.g. `extend('GET', '/api/v4/projects/:id/issues/:issue_iid', h)`); newest routes win. */
    extend(method: string, pattern: string, handler: RouteHandler): void {
      extensions.unshift({ method: method.toUpperCase(), pattern: compilePattern(pattern), handler })
    },

    /** Answers GraphQL requests whose root fields match (a field name or a predicate) before the built-in schema. */
    onGraphql(matcher: GraphqlMatcher, handler: GraphqlHandler): void {
      graphqlEndpoint.on(matcher, handler)
    },

    /** The next request matching `matcher` gets this answer instead (or never gets one, until `releaseHung`). */
    failNext(matcher: RequestMatcher, fault: FakeFault): void {
      faults.push({ matches: compileMatcher(matcher), fault })
    },

    /** Answers every hanging request (default 504, as a proxy that gave up would). */
    releaseHung(response: RailsResponse = { statusCode: 504, body: '' }): number {
      const count = hung.size
      for (const resolve of hung) resolve(response)
      hung.clear()
      return count
    },

    setCurrentUser(userId: number): void {
      currentUserId = userId
    },

    /** The live row (tests may read or change it). */
    workflow: (id: string | number): WorkflowRecord => mustFind(id),
    statusEvents: (id: string | number): StatusEventRecord[] => mustFind(id).statusEvents,
    /** Checkpoints in the order they were written. */
    checkpoints: (id: string | number): CheckpointRecord[] => mustFind(id).checkpoints,
    /** §7.3 rules Rails does not enforce but a written checkpoint broke (duplicate/out-of-order thread_ts, wrong parent). */
    ruleBreaks: (id: string | number): string[] => breaks.get(mustFind(id).id) ?? [],
  }
}
