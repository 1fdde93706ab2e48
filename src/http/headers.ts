import type { Context } from 'hono'

/**
 * Sets a response header after the handler ran. Responses passed through from `fetch` have
 * immutable headers, so those are copied into a new Response first.
 */
export function setResponseHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value)
  } catch {
    const res = c.res
    c.res = undefined
    c.res = new Response(res.body, {
      status: res.status,
      statusText: res.statusText,
      headers: new Headers(res.headers),
    })
    c.res.headers.set(name, value)
  }
}
