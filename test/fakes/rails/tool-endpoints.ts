/**
 * The REST endpoints the chat agent's tools call (duo-workflow-contract.md §8.4), added to a fake
 * Rails with `extend`: projects, groups, merge requests (read, create, update, notes, threads,
 * pipelines), jobs, the user, wikis and search, answered from tool-data.ts the way GitLab's API
 * answers (Grape's `{"error": "x is missing"}` for a missing parameter, `{"message": "404 ... Not
 * Found"}`, 403 for a project the user may not read, 201 on create). The repository endpoints are
 * in tool-repository-endpoints.ts, the GraphQL side in work-items-graphql.ts.
 */
import type { FakeRails, RouteContext } from '../rails.ts'
import { apiError, declaredParams, reply, type ParamSpec, type RailsResponse } from './grape.ts'
import { isPlainObject } from './json.ts'
import { findProject, type Found, type ToolData } from './tool-data.ts'
import { installRepositoryEndpoints } from './tool-repository-endpoints.ts'

function findGroup(data: ToolData, ref: string): Found<Record<string, unknown>> {
  const group = data.groups.find(
    (g) => String(g.id) === ref || String(g.full_path).toLowerCase() === ref.toLowerCase(),
  )
  return group ? { ok: true, value: group } : { ok: false, response: apiError(404, '404 Group Not Found') }
}

function findMergeRequest(
  data: ToolData,
  ctx: RouteContext,
): Found<{ project: Record<string, unknown>; mr: Record<string, unknown>; key: string }> {
  const project = findProject(data, ctx.params.id ?? '')
  if (!project.ok) return project
  const mr = (data.mergeRequests.get(project.value.id as number) ?? []).find(
    (m) => String(m.iid) === ctx.params.merge_request_iid,
  )
  if (!mr) return { ok: false, response: apiError(404, '404 Not found') }
  return { ok: true, value: { project: project.value, mr, key: `${project.value.id}/${mr.iid}` } }
}

const bodyOf = (ctx: RouteContext): Record<string, unknown> => (isPlainObject(ctx.body) ? ctx.body : {})

function queryValue(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.query[name]
  return typeof value === 'string' ? value : undefined
}

const MR_CREATE: ParamSpec[] = [
  { name: 'source_branch', type: 'String', required: true },
  { name: 'target_branch', type: 'String', required: true },
  { name: 'title', type: 'String', required: true },
  { name: 'description', type: 'String' },
  { name: 'labels', type: 'String' },
  { name: 'remove_source_branch', type: 'Boolean' },
  { name: 'squash', type: 'Boolean' },
]

const MR_UPDATE_FIELDS = [
  'title',
  'description',
  'target_branch',
  'state_event',
  'labels',
  'assignee_ids',
  'reviewer_ids',
  'milestone_id',
  'remove_source_branch',
  'squash',
  'discussion_locked',
  'allow_collaboration',
]

export function installToolEndpoints(rails: FakeRails, data: ToolData): void {
  installRepositoryEndpoints(rails, data)

  rails.extend('GET', '/api/v4/user', () => reply(200, data.currentUser))

  rails.extend('GET', '/api/v4/projects/:id', (ctx) => {
    const found = findProject(data, ctx.params.id ?? '')
    return found.ok ? reply(200, found.value) : found.response
  })

  rails.extend('GET', '/api/v4/groups/:id', (ctx) => {
    const found = findGroup(data, ctx.params.id ?? '')
    return found.ok ? reply(200, found.value) : found.response
  })

  rails.extend('GET', '/api/v4/projects/:id/merge_requests', (ctx) => {
    const found = findProject(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    const state = queryValue(ctx, 'state')
    const search = queryValue(ctx, 'search')?.toLowerCase()
    const list = (data.mergeRequests.get(found.value.id as number) ?? []).filter(
      (mr) =>
        (!state || state === 'all' || mr.state === state) &&
        (!search || String(mr.title).toLowerCase().includes(search)),
    )
    return reply(200, list)
  })

  rails.extend('POST', '/api/v4/projects/:id/merge_requests', (ctx) => {
    const found = findProject(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    const checked = declaredParams(MR_CREATE, bodyOf(ctx))
    if (!checked.ok) return checked.response
    const list = data.mergeRequests.get(found.value.id as number) ?? []
    const iid = Math.max(0, ...list.map((m) => m.iid as number)) + 1
    const mr = {
      id: data.nextId(),
      iid,
      project_id: found.value.id,
      state: 'opened',
      ...bodyOf(ctx),
      web_url: `${found.value.web_url}/-/merge_requests/${iid}`,
    }
    data.mergeRequests.set(found.value.id as number, [...list, mr])
    return reply(201, mr)
  })

  rails.extend('GET', '/api/v4/projects/:id/merge_requests/:merge_request_iid', (ctx) => {
    const found = findMergeRequest(data, ctx)
    return found.ok ? reply(200, found.value.mr) : found.response
  })

  rails.extend('PUT', '/api/v4/projects/:id/merge_requests/:merge_request_iid', (ctx) => {
    const found = findMergeRequest(data, ctx)
    if (!found.ok) return found.response
    const changes = Object.fromEntries(
      Object.entries(bodyOf(ctx)).filter(([name]) => MR_UPDATE_FIELDS.includes(name)),
    )
    if (Object.keys(changes).length === 0)
      return reply(400, {
        error: `${MR_UPDATE_FIELDS.join(', ')} are missing, at least one parameter must be provided`,
      })
    if (changes.state_event === 'close') changes.state = 'closed'
    if (changes.state_event === 'reopen') changes.state = 'opened'
    Object.assign(found.value.mr, changes)
    return reply(200, found.value.mr)
  })

  const mrList = (map: Map<string, unknown[]>) => (ctx: RouteContext) => {
    const found = findMergeRequest(data, ctx)
    return found.ok ? reply(200, map.get(found.value.key) ?? []) : found.response
  }
  rails.extend('GET', '/api/v4/projects/:id/merge_requests/:merge_request_iid/diffs', mrList(data.mrDiffs))
  rails.extend(
    'GET',
    '/api/v4/projects/:id/merge_requests/:merge_request_iid/pipelines',
    mrList(data.mrPipelines),
  )

  rails.extend('GET', '/api/v4/projects/:id/merge_requests/:merge_request_iid/notes', (ctx) => {
    const found = findMergeRequest(data, ctx)
    if (!found.ok) return found.response
    return reply(
      200,
      (data.mrDiscussions.get(found.value.key) ?? []).flatMap((d) => d.notes),
    )
  })

  rails.extend('GET', '/api/v4/projects/:id/merge_requests/:merge_request_iid/discussions', (ctx) => {
    const found = findMergeRequest(data, ctx)
    if (!found.ok) return found.response
    const perPage = Number(queryValue(ctx, 'per_page') ?? 20)
    const page = Number(queryValue(ctx, 'page') ?? 1)
    const all = data.mrDiscussions.get(found.value.key) ?? []
    return reply(200, all.slice((page - 1) * perPage, page * perPage))
  })

  const addNote = (ctx: RouteContext, discussionId?: string): RailsResponse => {
    const found = findMergeRequest(data, ctx)
    if (!found.ok) return found.response
    const checked = declaredParams([{ name: 'body', type: 'String', required: true }], bodyOf(ctx))
    if (!checked.ok) return checked.response
    const discussions = data.mrDiscussions.get(found.value.key) ?? []
    const note = {
      id: data.nextId(),
      body: checked.params.body,
      author: data.currentUser,
      system: false,
      noteable_type: 'MergeRequest',
    }
    if (discussionId === undefined) {
      discussions.push({ id: `d${note.id}`, individual_note: true, notes: [note] })
    } else {
      const discussion = discussions.find((d) => d.id === discussionId)
      if (!discussion) return apiError(404, '404 Not found')
      discussion.notes.push(note)
    }
    data.mrDiscussions.set(found.value.key, discussions)
    return reply(201, note)
  }
  rails.extend('POST', '/api/v4/projects/:id/merge_requests/:merge_request_iid/notes', (ctx) => addNote(ctx))
  rails.extend(
    'POST',
    '/api/v4/projects/:id/merge_requests/:merge_request_iid/discussions/:discussion_id/notes',
    (ctx) => addNote(ctx, ctx.params.discussion_id),
  )

  rails.extend('GET', '/api/v4/projects/:id/pipelines/:pipeline_id/jobs', (ctx) => {
    const found = findProject(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    const jobs = data.pipelineJobs.get(Number(ctx.params.pipeline_id))
    return jobs ? reply(200, jobs) : apiError(404, '404 Not found')
  })

  rails.extend('GET', '/api/v4/projects/:id/jobs/:job_id/trace', (ctx) => {
    const found = findProject(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    const trace = data.jobTraces.get(Number(ctx.params.job_id))
    // The trace endpoint answers plain text, not JSON.
    return trace === undefined ? apiError(404, '404 Not found') : { statusCode: 200, body: trace }
  })

  const wiki = (kind: 'projects' | 'groups') => (ctx: RouteContext) => {
    const found =
      kind === 'projects' ? findProject(data, ctx.params.id ?? '') : findGroup(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    const page = data.wikiPages.get(`${kind}/${found.value.id}/${ctx.params.slug}`)
    return page ? reply(200, page) : apiError(404, '404 Wiki Page Not Found')
  }
  rails.extend('GET', '/api/v4/projects/:id/wikis/:slug', wiki('projects'))
  rails.extend('GET', '/api/v4/groups/:id/wikis/:slug', wiki('groups'))
  rails.extend('GET', '/api/v4/projects/:id/wiki_pages/:meta_id/notes', (ctx) => {
    const found = findProject(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    return reply(200, data.wikiNotes.get(Number(ctx.params.meta_id)) ?? [])
  })

  const search = (kind: 'projects' | 'groups') => (ctx: RouteContext) => {
    const found =
      kind === 'projects' ? findProject(data, ctx.params.id ?? '') : findGroup(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    const scope = queryValue(ctx, 'scope')
    const term = queryValue(ctx, 'search')
    if (!scope || !term)
      return reply(400, {
        error: [!scope && 'scope is missing', !term && 'search is missing'].filter(Boolean).join(', '),
      })
    const projectIds =
      kind === 'projects' ? [found.value.id as number] : data.projects.map((p) => p.id as number)
    const words = term.toLowerCase()
    if (scope === 'issues') {
      const issues = projectIds
        .flatMap((id) => data.issues.get(id) ?? [])
        .filter((i) => String(i.title).toLowerCase().includes(words))
      return reply(200, issues)
    }
    if (scope === 'blobs') {
      const ref = queryValue(ctx, 'ref') ?? 'main'
      const blobs = projectIds.flatMap((id) =>
        [...(data.repositories.get(id)?.get(ref) ?? new Map()).entries()]
          .filter(([, file]) => file.content.toLowerCase().includes(words))
          .map(([path, file]) => ({
            basename: path.replace(/\.[^.]*$/, ''),
            data: file.content,
            path,
            filename: path,
            ref,
            startline: 1,
            project_id: id,
          })),
      )
      return reply(200, blobs)
    }
    return reply(400, { error: 'scope does not have a valid value' })
  }
  rails.extend('GET', '/api/v4/projects/:id/search', search('projects'))
  rails.extend('GET', '/api/v4/groups/:id/search', search('groups'))
}
