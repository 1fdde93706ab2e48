/**
 * The REST endpoints of `ee/lib/api/ai/duo_workflows/workflows_internal.rb` that the Agent Platform
 * calls (18.9): workflow GET and status PATCH, checkpoint POST, list and show. Each runs Grape's
 * parameter validation first, then `find_workflow!` (another user's workflow is 404, an unreadable
 * one 403), then the endpoint.
 */
import {
  checkpointEntity,
  checkpointRuleBreaks,
  createCheckpoint,
  CREATE_CHECKPOINT_PARAMS,
  newestFirst,
} from './checkpoints.ts'
import {
  apiError,
  declaredParams,
  forbidden,
  notFound,
  recordNotFound,
  reply,
  type ParamSpec,
  type RailsResponse,
} from './grape.ts'
import { isPlainObject } from './json.ts'
import type { RouteContext } from './router.ts'
import { applyStatusEvent } from './state-machine.ts'
import { workflowEntity, workflowRow, type WorkflowRecord } from './workflows.ts'

export interface WorkflowApiDeps {
  workflows: Map<number, WorkflowRecord>
  currentUserId: () => number
  gitlabUrl: string
  nextCheckpointId: () => number
  now: () => Date
  ruleBreaks: (workflow: WorkflowRecord, problems: string[]) => void
}

export interface BuiltinRoute {
  method: string
  pattern: string
  handler: (ctx: RouteContext) => RailsResponse
}

const BASE = '/api/v4/ai/duo_workflows/workflows/:id'
const ID: ParamSpec = { name: 'id', type: 'Integer', required: true }
const ACCEPT_COMPRESSED: ParamSpec = { name: 'accept_compressed', type: 'Boolean', default: false }

/** Grape merges query, body and path parameters (path last). */
const paramInput = (ctx: RouteContext): Record<string, unknown> => ({
  ...ctx.query,
  ...(isPlainObject(ctx.body) ? ctx.body : {}),
  ...ctx.params,
})

/** GitLab's offset pagination: `page` from 1, `per_page` 20 by default and at most 100. */
function paginate<T>(items: T[], query: Record<string, unknown>): T[] {
  const number = (value: unknown, fallback: number) => {
    const parsed = typeof value === 'string' ? Number.parseInt(value, 10) : Number.NaN
    return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback
  }
  const perPage = Math.min(number(query.per_page, 20), 100)
  const page = number(query.page, 1)
  return items.slice((page - 1) * perPage, page * perPage)
}

export function workflowApiRoutes(deps: WorkflowApiDeps): BuiltinRoute[] {
  /** Validation, then the workflow lookup, then the endpoint body. */
  const endpoint =
    (
      specs: ParamSpec[],
      body: (workflow: WorkflowRecord, params: Record<string, unknown>, ctx: RouteContext) => RailsResponse,
    ) =>
    (ctx: RouteContext): RailsResponse => {
      const declared = declaredParams([ID, ...specs], paramInput(ctx))
      if (!declared.ok) return declared.response
      const workflow = deps.workflows.get(declared.params.id as number)
      if (!workflow || workflow.userId !== deps.currentUserId()) return recordNotFound()
      if (workflow.forbidden) return forbidden()
      return body(workflow, declared.params, ctx)
    }

  return [
    {
      method: 'GET',
      pattern: BASE,
      handler: endpoint([], (workflow) => reply(200, workflowEntity(workflow, deps.gitlabUrl))),
    },
    {
      method: 'PATCH',
      pattern: BASE,
      handler: endpoint([{ name: 'status_event', type: 'String', required: true }], (workflow, params) => {
        const event = (params.status_event ?? '') as string
        const from = workflow.status
        const transition = applyStatusEvent(from, event)
        const statusCode =
          transition.outcome === 'transitioned' || transition.outcome === 'already' ? 200 : 400
        workflow.statusEvents.push({
          event,
          from,
          to: transition.to,
          outcome: transition.outcome,
          statusCode,
        })
        if (statusCode === 400) return apiError(400, transition.message)
        if (transition.outcome === 'transitioned') {
          workflow.status = transition.to
          workflow.updatedAt = deps.now()
        }
        // render_response gives the service payload; the "already in status" message is not in the body.
        return reply(200, { workflow: workflowRow(workflow) })
      }),
    },
    {
      method: 'POST',
      pattern: `${BASE}/checkpoints`,
      handler: endpoint(CREATE_CHECKPOINT_PARAMS, (workflow, params) => {
        const problems = checkpointRuleBreaks(
          workflow,
          String(params.thread_ts ?? ''),
          (params.parent_ts ?? null) as string | null,
        )
        const response = createCheckpoint(workflow, params, deps.nextCheckpointId(), deps.now())
        if (response.statusCode === 201 && problems.length > 0) deps.ruleBreaks(workflow, problems)
        return response
      }),
    },
    {
      method: 'GET',
      pattern: `${BASE}/checkpoints`,
      handler: endpoint([ACCEPT_COMPRESSED], (workflow, params, ctx) =>
        reply(
          200,
          paginate(newestFirst(workflow), ctx.query).map((c) =>
            checkpointEntity(c, params.accept_compressed === true),
          ),
        ),
      ),
    },
    {
      method: 'GET',
      pattern: `${BASE}/checkpoints/:checkpoint_id`,
      handler: endpoint(
        [{ name: 'checkpoint_id', type: 'Integer', required: true }, ACCEPT_COMPRESSED],
        (workflow, params) => {
          const checkpoint = workflow.checkpoints.find((c) => c.id === params.checkpoint_id)
          return checkpoint
            ? reply(200, checkpointEntity(checkpoint, params.accept_compressed === true))
            : notFound()
        },
      ),
    },
  ]
}
