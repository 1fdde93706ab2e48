/**
 * GitLab web URLs and ids, as the tools take them: a `url` argument (a page of this GitLab
 * instance) is parsed for the project or group path and the object it names (merge request,
 * work item, job, commit, file, wiki page); `project_id`/`group_id` may be a number or a
 * (URL-encoded) path. Unlike GitLab's service this honours an instance under a sub-path
 * (`https://example.com/gitlab`) and accepts a numeric `project_id` next to a URL of the same project.
 */
import { ToolError } from './args.ts'

export interface ParsedUrl {
  /** Decoded full path of the project or group (`group/sub/project`). */
  path: string
  /** The page is under `/groups/` (a group page, not a project page). */
  group: boolean
  /** What follows `/-/` (`merge_requests/12/diffs`), or '' when there is none. */
  rest: string
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new ToolError(`Failed to parse URL: malformed percent-encoding in '${text}'`)
  }
}

/** Splits a page URL of the instance at `gitlabUrl` into its path and the part after `/-/`. */
export function parseGitLabUrl(url: string, gitlabUrl: string): ParsedUrl {
  const base = new URL(gitlabUrl)
  let parsed: URL
  try {
    parsed = new URL(url.trim(), base)
  } catch {
    throw new ToolError(`Failed to parse URL: '${url}' is not a URL`)
  }
  if (parsed.host.toLowerCase() !== base.host.toLowerCase()) {
    throw new ToolError(`Failed to parse URL: '${url}' is not on this GitLab instance (${base.host})`)
  }
  const root = base.pathname.replace(/\/+$/, '')
  let pathname = parsed.pathname
  if (root !== '') {
    if (pathname !== root && !pathname.startsWith(`${root}/`))
      throw new ToolError(`Failed to parse URL: '${url}' is not under ${gitlabUrl}`)
    pathname = pathname.slice(root.length)
  }
  let path = decode(pathname).replace(/^\/+|\/+$/g, '')
  let group = false
  if (path.startsWith('groups/')) {
    group = true
    path = path.slice('groups/'.length)
  }
  const separator = path.indexOf('/-/')
  const rest = separator >= 0 ? path.slice(separator + 3) : ''
  if (separator >= 0) path = path.slice(0, separator)
  else if (path.endsWith('/-')) path = path.slice(0, -2)
  if (path === '') throw new ToolError(`Failed to parse URL: no project or group path in '${url}'`)
  return { path, group, rest }
}

/** A project or group reference for a REST path segment: the numeric id, or the full path URL-encoded. */
export function restId(ref: string | number): string {
  return typeof ref === 'number' ? String(ref) : encodeURIComponent(ref)
}

/** `project_id`/`group_id` as given: a number, a numeric string, a path or a URL-encoded path. */
export function normaliseRef(value: string | number): string | number {
  if (typeof value === 'number') return value
  const text = decode(value.trim())
  return /^\d+$/.test(text) ? Number(text) : text.replace(/^\/+|\/+$/g, '')
}

function matchRest(parsed: ParsedUrl, pattern: RegExp, what: string, url: string): RegExpExecArray {
  const match = pattern.exec(parsed.rest)
  if (!match) throw new ToolError(`Failed to parse URL: '${url}' is not a ${what} URL`)
  return match
}

function sameRef(given: string | number | undefined, fromUrl: string, name: string): void {
  if (given === undefined || typeof given === 'number') return
  if (given.toLowerCase() !== fromUrl.toLowerCase()) {
    throw new ToolError(`${name} mismatch: provided '${given}' but the URL names '${fromUrl}'`)
  }
}

function sameNumber(given: number | undefined, fromUrl: number, name: string): void {
  if (given !== undefined && given !== fromUrl)
    throw new ToolError(`${name} mismatch: provided '${given}' but the URL names '${fromUrl}'`)
}

export interface Located {
  /** The project: numeric id or full path. */
  project: string | number
}

/** The project of `url` or `project_id` (one is required). */
export function locateProject(
  args: { url?: string | undefined; project_id?: string | number | undefined },
  gitlabUrl: string,
): Located {
  const given = args.project_id === undefined ? undefined : normaliseRef(args.project_id)
  if (args.url) {
    const parsed = parseGitLabUrl(args.url, gitlabUrl)
    if (parsed.group) throw new ToolError(`Failed to parse URL: '${args.url}' is a group page, not a project`)
    sameRef(given, parsed.path, 'Project ID')
    return { project: parsed.path }
  }
  if (given === undefined || given === '')
    throw new ToolError("'project_id' must be provided when 'url' is not")
  return { project: given }
}

/** A project and the number of the object a URL such as `.../-/merge_requests/12` names. */
function locateNumbered(
  args: { url?: string | undefined; project_id?: string | number | undefined },
  given: number | undefined,
  spec: { pattern: RegExp; what: string; name: string },
  gitlabUrl: string,
): Located & { number: number } {
  if (args.url) {
    const { project } = locateProject({ url: args.url, project_id: args.project_id }, gitlabUrl)
    const match = matchRest(parseGitLabUrl(args.url, gitlabUrl), spec.pattern, spec.what, args.url)
    const number = Number(match[1])
    sameNumber(given, number, spec.name)
    return { project, number }
  }
  const errors: string[] = []
  if (args.project_id === undefined) errors.push("'project_id' must be provided when 'url' is not")
  if (given === undefined) errors.push(`'${spec.name}' must be provided when 'url' is not`)
  if (errors.length > 0) throw new ToolError(errors.join('; '))
  return { project: normaliseRef(args.project_id as string | number), number: given as number }
}

export function locateMergeRequest(
  args: {
    url?: string | undefined
    project_id?: string | number | undefined
    merge_request_iid?: number | undefined
  },
  gitlabUrl: string,
): Located & { iid: number } {
  const spec = { pattern: /^merge_requests\/(\d+)(?:\/|$)/, what: 'merge request', name: 'merge_request_iid' }
  const { project, number } = locateNumbered(args, args.merge_request_iid, spec, gitlabUrl)
  return { project, iid: number }
}

export function locateJob(
  args: { url?: string | undefined; project_id?: string | number | undefined; job_id?: number | undefined },
  gitlabUrl: string,
): Located & { jobId: number } {
  const spec = { pattern: /^jobs\/(\d+)(?:\/|$)/, what: 'job', name: 'job_id' }
  const { project, number } = locateNumbered(args, args.job_id, spec, gitlabUrl)
  return { project, jobId: number }
}

/** A commit page (`.../-/commit/<sha>`) or `project_id` + `commit_sha`. */
export function locateCommit(
  args: {
    url?: string | undefined
    project_id?: string | number | undefined
    commit_sha?: string | undefined
  },
  gitlabUrl: string,
): Located & { sha: string } {
  if (args.url) {
    const { project } = locateProject({ url: args.url, project_id: args.project_id }, gitlabUrl)
    const match = matchRest(
      parseGitLabUrl(args.url, gitlabUrl),
      /^commit\/([0-9a-fA-F]{5,64})(?:\/|$)/,
      'commit',
      args.url,
    )
    const sha = match[1] as string
    if (
      args.commit_sha !== undefined &&
      !sha.startsWith(args.commit_sha) &&
      !args.commit_sha.startsWith(sha)
    ) {
      throw new ToolError(`commit_sha mismatch: provided '${args.commit_sha}' but the URL names '${sha}'`)
    }
    return { project, sha }
  }
  const { project } = locateProject(args, gitlabUrl)
  if (!args.commit_sha) throw new ToolError("'commit_sha' must be provided when 'url' is not")
  return { project, sha: args.commit_sha }
}

/** A file page (`.../-/blob/<ref>/<path>`): the project, the ref (first segment) and the file path. */
export function parseBlobUrl(url: string, gitlabUrl: string): Located & { ref: string; filePath: string } {
  const { project } = locateProject({ url }, gitlabUrl)
  const match = matchRest(parseGitLabUrl(url, gitlabUrl), /^blob\/([^/]+)\/(.+)$/, 'repository file', url)
  return { project, ref: match[1] as string, filePath: match[2] as string }
}

export interface WorkItemLocation {
  /** Where the work item lives: its project, or its group (epics, objectives...). */
  parent: { kind: 'project' | 'group'; ref: string | number }
  iid: number | undefined
}

/** A work item page (`/-/work_items/N`, `/-/issues/N`, `/groups/.../-/epics/N`) or a container page, or the ids. */
export function locateWorkItem(
  args: {
    url?: string | undefined
    group_id?: string | number | undefined
    project_id?: string | number | undefined
    work_item_iid?: number | undefined
  },
  gitlabUrl: string,
): WorkItemLocation {
  if (args.url) {
    const parsed = parseGitLabUrl(args.url, gitlabUrl)
    const match = /^(?:work_items|issues|epics)\/(\d+)(?:\/|$)/.exec(parsed.rest)
    const iid = match ? Number(match[1]) : undefined
    if (iid !== undefined) sameNumber(args.work_item_iid, iid, 'work_item_iid')
    const kind = parsed.group ? 'group' : 'project'
    return { parent: { kind, ref: parsed.path }, iid: iid ?? args.work_item_iid }
  }
  if (args.group_id !== undefined && args.project_id !== undefined)
    throw new ToolError("Give either 'group_id' or 'project_id', not both")
  if (args.project_id !== undefined)
    return { parent: { kind: 'project', ref: normaliseRef(args.project_id) }, iid: args.work_item_iid }
  if (args.group_id !== undefined)
    return { parent: { kind: 'group', ref: normaliseRef(args.group_id) }, iid: args.work_item_iid }
  throw new ToolError("'url', 'group_id' or 'project_id' must be provided")
}

/** The web path of a project (`group/project`) from its web URL, for comparing with the session's project. */
export function projectPathOf(webUrl: string | null, gitlabUrl: string): string | undefined {
  if (!webUrl) return undefined
  try {
    return parseGitLabUrl(webUrl, gitlabUrl).path
  } catch {
    return undefined
  }
}
