/**
 * A small router for the fake: `/api/v4/projects/:id/issues/:issue_iid` patterns with decoded path
 * parameters, Rack-style query parsing, and the request matchers used by `extend` and `failNext`.
 */
import type { RailsResponse } from './grape.ts'

/** Exactly what a `runHTTPRequest` action carries. */
export interface RailsRequest {
  method: string
  /** Absolute path, possibly with a query string. */
  path: string
  /** JSON text, when there is a body. */
  body?: string
}

/** A request as the fake saw it (kept in `rails.requests`). */
export interface RecordedRequest {
  method: string
  path: string
  pathname: string
  query: Record<string, string | string[]>
  /** The body parsed as JSON; the raw text when it is not JSON; undefined when there was none. */
  body: unknown
  /** Filled in once answered (absent while a request hangs). */
  statusCode?: number
}

export interface RouteContext extends RecordedRequest {
  /** Path parameters (`:id` → params.id), URL-decoded as Rails decodes them. */
  params: Record<string, string>
  rawBody: string | undefined
}

/** A handler may answer with a ready response, or with a status and a value to encode as JSON. */
export type HandlerResult = RailsResponse | { statusCode: number; json: unknown }
export type RouteHandler = (ctx: RouteContext) => HandlerResult | Promise<HandlerResult>

/**
 * Which requests a fault or a route applies to: `'PATCH /api/v4/ai/duo_workflows/workflows/:id'`
 * (method optional, `:name` matches one path segment, the query is ignored), a RegExp tested
 * against `'<METHOD> <path with query>'`, or a predicate.
 */
export type RequestMatcher = string | RegExp | ((request: RecordedRequest) => boolean)

export interface CompiledPattern {
  regex: RegExp
  names: string[]
}

export function compilePattern(pattern: string): CompiledPattern {
  if (!pattern.startsWith('/')) throw new Error(`route patterns are absolute paths: ${pattern}`)
  const names: string[] = []
  const source = pattern
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      names.push(segment.slice(1))
      return '([^/]+)'
    })
    .join('/')
  return { regex: new RegExp(`^${source}/?$`), names }
}

export function matchPattern(
  compiled: CompiledPattern,
  pathname: string,
): Record<string, string> | undefined {
  const match = compiled.regex.exec(pathname)
  if (!match) return undefined
  const params: Record<string, string> = {}
  try {
    compiled.names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] ?? '')
    })
  } catch {
    return undefined // a malformed %-escape routes nowhere, as in Rails
  }
  return params
}

/** Rack's query parsing for the forms GitLab's API uses: `a=1`, repeated `a[]=1&a[]=2` (last plain value wins). */
export function parseQuery(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {}
  for (const [key, value] of new URLSearchParams(search)) {
    if (key.endsWith('[]')) {
      const name = key.slice(0, -2)
      const list = query[name]
      query[name] = Array.isArray(list) ? [...list, value] : [value]
    } else {
      query[key] = value
    }
  }
  return query
}

export function parseRequest(request: RailsRequest): RecordedRequest {
  const url = new URL(request.path, 'http://rails.invalid')
  let body: unknown
  if (request.body !== undefined && request.body !== '') {
    try {
      body = JSON.parse(request.body)
    } catch {
      body = request.body
    }
  }
  return {
    method: request.method.toUpperCase(),
    path: request.path,
    pathname: url.pathname,
    query: parseQuery(url.search),
    body,
  }
}

export function compileMatcher(matcher: RequestMatcher): (request: RecordedRequest) => boolean {
  if (typeof matcher === 'function') return matcher
  if (matcher instanceof RegExp) return (request) => matcher.test(`${request.method} ${request.path}`)
  const [first, second] = matcher.trim().split(/\s+/, 2)
  const method = second === undefined ? undefined : first?.toUpperCase()
  const pattern = compilePattern(second ?? first ?? '')
  return (request) =>
    (method === undefined || method === request.method) &&
    matchPattern(pattern, request.pathname) !== undefined
}
