/**
 * GitLab's REST API as the tools use it (through `context.gitlab`, i.e. Workhorse's
 * `runHTTPRequest`): query strings in Rack's form, and an error status turned into one sentence
 * the model can act on (which request, which status, what GitLab said), never an exception.
 */
import { ToolError } from './args.ts'
import type { GitLabResponse, ToolContext } from './tool.ts'

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

const STATUS_HINTS: Record<number, string> = {
  400: 'bad request',
  401: 'not authenticated',
  403: 'forbidden: the user may not do this',
  404: 'not found, or not visible to this user',
  409: 'conflict',
  422: 'unprocessable',
  429: 'rate limited',
}

/** `?a=1&b=x%20y&labels[]=a`: given values only, lists in Rack's `name[]=` form. */
export function query(values: Record<string, unknown>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) for (const item of value) search.append(`${name}[]`, String(item))
    else search.append(name, String(value))
  }
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

/** What GitLab said, shortened: its `message`/`error` member when the body is JSON, else the text. */
function gitlabSays(body: string): string {
  let text = body
  try {
    const parsed: unknown = JSON.parse(body)
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>
      const said = record.message ?? record.error
      text = typeof said === 'string' ? said : JSON.stringify(said ?? parsed)
    }
  } catch {
    // not JSON: the text as it is
  }
  text = text.trim()
  return text.length > 300 ? `${text.slice(0, 300)}...` : text
}

export function statusError(method: string, path: string, response: GitLabResponse): ToolError {
  const hint = STATUS_HINTS[response.status]
  const said = gitlabSays(response.body)
  return new ToolError(
    `GitLab answered ${method} ${path} with HTTP ${response.status}${hint ? ` (${hint})` : ''}${said ? `: ${said}` : ''}`,
  )
}

/** A request whose error status becomes a ToolError; the body text on success. */
export async function request(
  context: ToolContext,
  method: Method,
  path: string,
  body?: unknown,
): Promise<string> {
  const response = await context.gitlab(method, path, body)
  if (response.status >= 400 || response.status < 200) throw statusError(method, path, response)
  return response.body
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new ToolError(`GitLab's answer for ${what} was not JSON`)
  }
}

export async function getJson(context: ToolContext, path: string): Promise<unknown> {
  return parseJson(await request(context, 'GET', path), `GET ${path}`)
}

export async function sendJson(
  context: ToolContext,
  method: Method,
  path: string,
  body: unknown,
): Promise<unknown> {
  const text = await request(context, method, path, body)
  return text.trim() === '' ? {} : parseJson(text, `${method} ${path}`)
}

/** The tool's result for the model: one JSON object. */
export function json(value: Record<string, unknown>): string {
  return JSON.stringify(value)
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
