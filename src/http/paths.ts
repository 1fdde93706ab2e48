import { getPath } from 'hono/utils/url'

/**
 * The path the app routes on, with runs of `/` collapsed: GitLab versions before 18.x
 * concatenated a configured `http://aigw:5052/` with `/v2/...`, sending `//v2/...`. Auth skip
 * decisions use this same path, so the two can never disagree.
 */
export function routingPath(request: Request): string {
  const path = getPath(request)
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path
}
