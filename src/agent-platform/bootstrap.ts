/**
 * The start of every turn (spec §5.2 steps 2–4, §7.1): the workflow and its surroundings from
 * GitLab's GraphQL API, the status event that moves it to running (`start` for a new thread,
 * `resume` after a question or an approval request, `retry` after anything else), and that PATCH.
 */
import type { NamespaceInfo, ProjectInfo } from './state.ts'
import { RailsError, type Rails, type WorkflowNode } from './rails.ts'

/** GitLab's service gives the workflow query 10 s. */
export const BOOTSTRAP_TIMEOUT_MS = 10_000

export interface Workflow {
  id: string
  node: WorkflowNode
  project: ProjectInfo | null
  namespace: NamespaceInfo | null
  /** The instance's web URL (from the project's, else the namespace's). */
  gitlabUrl: string
  /** The event that started this turn: `start`, `resume` or `retry`. */
  event: StartEvent
}

export type StartEvent = 'start' | 'resume' | 'retry'

/** Rails refused the turn's status event (HTTP 400: the workflow is in a status it cannot leave that way). */
export class UnsupportedStatusEvent extends RailsError {
  constructor(event: string, status: string, detail: string) {
    super(`GitLab refused to ${event} a workflow with status '${status}'${detail ? `: ${detail}` : ''}`, 400)
    this.name = 'UnsupportedStatusEvent'
  }
}

/** Rails would not let this user run the workflow (HTTP 403 on the first status event). */
export class WorkflowForbidden extends RailsError {
  constructor() {
    super("workflow execution didn't start due to forbidden response", 403)
    this.name = 'WorkflowForbidden'
  }
}

/**
 * @throws RailsError (UnsupportedStatusEvent and WorkflowForbidden among them), ActionTimeout,
 *   TurnStopped.
 */
export async function bootstrap(
  rails: Rails,
  workflowId: string,
  gitlabVersion: string | undefined,
): Promise<Workflow> {
  const node = await rails.workflow(workflowId, gitlabVersion, BOOTSTRAP_TIMEOUT_MS)
  const project = projectInfo(node.project)
  const namespace = namespaceInfo(node.namespace)
  const gitlabUrl = originOf(project?.web_url) ?? originOf(namespace?.web_url)
  if (!gitlabUrl)
    throw new RailsError(`Workflow ${workflowId} has neither a project nor a namespace with a web URL`)
  const event = startEvent(node.statusName, node.checkpoint !== null, workflowId)
  const { status, body } = await rails.statusEvent(workflowId, event)
  if (status === 400) throw new UnsupportedStatusEvent(event, node.statusName, grapeMessage(body))
  if (status === 403) throw new WorkflowForbidden()
  if (status !== 200)
    throw new RailsError(`GitLab answered HTTP ${status} to the workflow's '${event}' status event`, status)
  return { id: workflowId, node, project, namespace, gitlabUrl, event }
}

/** GitLab's table (spec §5.2 step 3). A `created` workflow that already has a checkpoint cannot start again. */
export function startEvent(statusName: string, hasCheckpoint: boolean, workflowId: string): StartEvent {
  if (statusName === 'created') {
    if (hasCheckpoint)
      throw new UnsupportedStatusEvent('start', statusName, `workflow ${workflowId} already has a checkpoint`)
    return 'start'
  }
  if (
    statusName === 'input_required' ||
    statusName === 'plan_approval_required' ||
    statusName === 'tool_call_approval_required'
  )
    return 'resume'
  return 'retry'
}

function projectInfo(project: Record<string, unknown> | null): ProjectInfo | null {
  if (!project) return null
  const webUrl = text(project.webUrl)
  const tree = text((project.statisticsDetailsPaths as Record<string, unknown> | undefined)?.repository)
  const exclusion = (project.duoContextExclusionSettings as { exclusionRules?: unknown } | undefined)
    ?.exclusionRules
  return {
    id: numericId(project.id),
    name: text(project.name) ?? '',
    description: text(project.description),
    http_url_to_repo: text(project.httpUrlToRepo),
    web_url: webUrl,
    // GitLab's service reads the default branch from the repository path: `<web_url>/-/tree/<branch>`.
    default_branch: tree?.includes('/-/tree/')
      ? tree.slice(tree.indexOf('/-/tree/') + '/-/tree/'.length)
      : null,
    languages: Array.isArray(project.languages)
      ? project.languages
          .filter(
            (language): language is { name: string; share: number } => typeof language?.name === 'string',
          )
          .map(({ name, share }) => ({ name, share: Number(share) || 0 }))
      : [],
    exclusion_rules: Array.isArray(exclusion)
      ? exclusion.filter((rule): rule is string => typeof rule === 'string')
      : [],
  }
}

function namespaceInfo(namespace: Record<string, unknown> | null): NamespaceInfo | null {
  if (!namespace) return null
  return {
    id: numericId(namespace.id),
    name: text(namespace.name) ?? '',
    description: text(namespace.description),
    web_url: text(namespace.webUrl),
  }
}

/** `gid://gitlab/Project/7` → 7. */
function numericId(value: unknown): number {
  const match = typeof value === 'string' ? /(\d+)$/.exec(value) : null
  return match ? Number(match[1]) : typeof value === 'number' ? value : 0
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

function originOf(url: string | null | undefined): string | undefined {
  if (!url) return undefined
  try {
    const parsed = new URL(url)
    // A relative URL root (`https://host/gitlab/group/project`) cannot be told from a group path here; the origin is what tools need.
    return parsed.origin
  } catch {
    return undefined
  }
}

/** Grape's `{"message": "..."}` error body, or nothing. */
function grapeMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message
    return typeof message === 'string' ? message.slice(0, 300) : ''
  } catch {
    return ''
  }
}
