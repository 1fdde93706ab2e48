/**
 * The repository endpoints of the fake Rails (GitLab's `API::Files`, `API::Repositories`,
 * `API::Commits`): a file as JSON with base64 content, the tree, commits, a commit's diff, and the
 * commit POST, which applies its actions to the in-memory repository with GitLab's checks (a
 * `create` of an existing file or an `update` of a missing one is 400, an unknown branch without a
 * start point is 400).
 */
import { Buffer } from 'node:buffer'
import type { FakeRails, RouteContext } from '../rails.ts'
import { apiError, declaredParams, reply } from './grape.ts'
import { isPlainObject } from './json.ts'
import { findProject, type FileVersion, type ToolData } from './tool-data.ts'

function queryValue(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.query[name]
  return typeof value === 'string' ? value : undefined
}

function branchesOf(data: ToolData, projectId: number): Map<string, Map<string, FileVersion>> {
  let branches = data.repositories.get(projectId)
  if (!branches) data.repositories.set(projectId, (branches = new Map()))
  return branches
}

/** A ref as the files API resolves it: a branch, `HEAD` (the default branch) or a known commit (the default branch's files). */
function resolveRef(
  data: ToolData,
  project: Record<string, unknown>,
  ref: string,
): Map<string, FileVersion> | undefined {
  const branches = branchesOf(data, project.id as number)
  if (ref === 'HEAD') return branches.get(String(project.default_branch))
  if (branches.has(ref)) return branches.get(ref)
  const commit = (data.commits.get(project.id as number) ?? []).find((c) => String(c.id).startsWith(ref))
  return commit ? branches.get(String(project.default_branch)) : undefined
}

export function installRepositoryEndpoints(rails: FakeRails, data: ToolData): void {
  rails.extend('GET', '/api/v4/projects/:id/repository/files/:file_path', (ctx) => {
    const found = findProject(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    const ref = queryValue(ctx, 'ref')
    if (!ref) return reply(400, { error: 'ref is missing' })
    const files = resolveRef(data, found.value, ref)
    const path = ctx.params.file_path ?? ''
    const file = files?.get(path)
    if (!file) return apiError(404, '404 File Not Found')
    return reply(200, {
      file_name: path.split('/').pop(),
      file_path: path,
      size: Buffer.byteLength(file.content),
      encoding: 'base64',
      content: Buffer.from(file.content).toString('base64'),
      ref,
      blob_id: '79f7bbd25901e8334750839545a9bd021f0e4c83',
      last_commit_id: file.last_commit_id,
    })
  })

  rails.extend('GET', '/api/v4/projects/:id/repository/tree', (ctx) => {
    const found = findProject(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    const files = resolveRef(data, found.value, queryValue(ctx, 'ref') ?? 'HEAD')
    if (!files) return apiError(404, '404 Tree Not Found')
    const base = (queryValue(ctx, 'path') ?? '').replace(/^\/+|\/+$/g, '')
    const recursive = queryValue(ctx, 'recursive') === 'true'
    const entries = new Map<string, Record<string, unknown>>()
    for (const path of files.keys()) {
      if (base !== '' && !path.startsWith(`${base}/`)) continue
      const rest = base === '' ? path : path.slice(base.length + 1)
      const parts = rest.split('/')
      const depth = recursive ? parts.length : 1
      for (let i = 1; i <= depth; i++) {
        const entryPath = [base, ...parts.slice(0, i)].filter(Boolean).join('/')
        const type = i < parts.length ? 'tree' : 'blob'
        entries.set(entryPath, {
          id: '0000',
          name: parts[i - 1],
          type,
          path: entryPath,
          mode: type === 'tree' ? '040000' : '100644',
        })
      }
    }
    const perPage = Number(queryValue(ctx, 'per_page') ?? 20)
    const page = Number(queryValue(ctx, 'page') ?? 1)
    return reply(200, [...entries.values()].slice((page - 1) * perPage, page * perPage))
  })

  rails.extend('GET', '/api/v4/projects/:id/repository/commits', (ctx) => {
    const found = findProject(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    return reply(200, data.commits.get(found.value.id as number) ?? [])
  })

  const findCommit = (ctx: RouteContext) => {
    const found = findProject(data, ctx.params.id ?? '')
    if (!found.ok) return found
    const sha = ctx.params.sha ?? ''
    const commit = (data.commits.get(found.value.id as number) ?? []).find((c) =>
      String(c.id).startsWith(sha),
    )
    return commit
      ? { ok: true as const, project: found.value, commit }
      : { ok: false as const, response: apiError(404, '404 Commit Not Found') }
  }

  rails.extend('GET', '/api/v4/projects/:id/repository/commits/:sha', (ctx) => {
    const found = findCommit(ctx)
    if (!found.ok) return found.response
    const stats = queryValue(ctx, 'stats') !== 'false'
    return reply(
      200,
      stats ? { ...found.commit, stats: { additions: 1, deletions: 1, total: 2 } } : found.commit,
    )
  })

  rails.extend('GET', '/api/v4/projects/:id/repository/commits/:sha/diff', (ctx) => {
    const found = findCommit(ctx)
    if (!found.ok) return found.response
    return reply(200, data.commitDiffs.get(`${found.project.id}/${found.commit.id}`) ?? [])
  })

  rails.extend('POST', '/api/v4/projects/:id/repository/commits', (ctx) => {
    const found = findProject(data, ctx.params.id ?? '')
    if (!found.ok) return found.response
    const body = isPlainObject(ctx.body) ? ctx.body : {}
    const checked = declaredParams(
      [
        { name: 'branch', type: 'String', required: true },
        { name: 'commit_message', type: 'String', required: true },
        { name: 'start_branch', type: 'String' },
        { name: 'start_sha', type: 'String' },
      ],
      body,
    )
    if (!checked.ok) return checked.response
    if (!Array.isArray(body.actions) || body.actions.length === 0)
      return reply(400, { error: 'actions is missing' })
    const branches = branchesOf(data, found.value.id as number)
    const branch = String(checked.params.branch)
    let files = branches.get(branch)
    if (!files) {
      const start = checked.params.start_branch ?? checked.params.start_sha
      const from = typeof start === 'string' ? resolveRef(data, found.value, start) : undefined
      if (!from) return apiError(400, 'You can only create or edit files when you are on a branch')
      files = new Map(from)
    } else {
      files = new Map(files)
    }
    const sha = Buffer.from(`${data.nextId()}`).toString('hex').padEnd(40, '0').slice(0, 40)
    for (const action of body.actions as Record<string, unknown>[]) {
      const path = String(action.file_path)
      const content =
        action.encoding === 'base64'
          ? Buffer.from(String(action.content ?? ''), 'base64').toString()
          : String(action.content ?? '')
      if (action.action === 'create') {
        if (files.has(path)) return apiError(400, 'A file with this name already exists')
        files.set(path, { content, last_commit_id: sha })
      } else if (action.action === 'update') {
        if (!files.has(path)) return apiError(400, "A file with this name doesn't exist")
        files.set(path, { content, last_commit_id: sha })
      } else if (action.action === 'delete') {
        if (!files.delete(path)) return apiError(400, "A file with this name doesn't exist")
      } else if (action.action === 'move') {
        const previous = files.get(String(action.previous_path))
        if (!previous) return apiError(400, "A file with this name doesn't exist")
        files.delete(String(action.previous_path))
        files.set(path, {
          content: action.content === undefined ? previous.content : content,
          last_commit_id: sha,
        })
      } else {
        return reply(400, { error: 'actions[0][action] does not have a valid value' })
      }
    }
    branches.set(branch, files)
    const commit = {
      id: sha,
      short_id: sha.slice(0, 8),
      title: String(checked.params.commit_message).split('\n')[0],
      message: checked.params.commit_message,
    }
    data.commits.set(found.value.id as number, [
      commit,
      ...(data.commits.get(found.value.id as number) ?? []),
    ])
    return reply(201, commit)
  })
}
