import { getPath } from 'hono/utils/url'

/**
 * Paths GitLab Rails sends with a slash percent-encoded (18.x asks for `GET /v1/models%2Fdefinitions`).
 * GitLab's ASGI server decodes every `%2F` before routing; here only these exact paths are, so an
 * encoded slash anywhere else (`/v2/chat%2Fagent`) cannot reach a route by accident. Prompt ids,
 * which GitLab also encodes (`model_configuration%2Fcheck`), are decoded by their own route.
 */
const ENCODED_SLASH_PATHS: ReadonlySet<string> = new Set(['/v1/models/definitions'])

/**
 * The path the app routes on, with runs of `/` collapsed: GitLab versions before 18.x
 * concatenated a configured `http://aigw:5052/` with `/v2/...`, sending `//v2/...`. Auth skip
 * decisions use this same path, so the two can never disagree.
 */
export function routingPath(request: Request): string {
  const raw = getPath(request)
  const path = raw.includes('//') ? raw.replace(/\/{2,}/g, '/') : raw
  if (!path.includes('%')) return path
  const decoded = path.replace(/%2f/gi, '/')
  return ENCODED_SLASH_PATHS.has(decoded) ? decoded : path
}
