/**
 * Request and response bodies of `POST /v1/search/gitlab-docs` (spec features §7.1), with GitLab's
 * limits. Unknown fields are ignored, as pydantic does.
 */
import * as z from 'zod/mini'

export const DEFAULT_PAGE_SIZE = 4

const text = (max: number) => z.string().check(z.maxLength(max))

export const searchRequest = z.object({
  type: text(100),
  metadata: z.object({ source: text(100), version: text(100) }),
  payload: z.object({
    query: text(400_000),
    page_size: z._default(z.int().check(z.minimum(1), z.maximum(20)), DEFAULT_PAGE_SIZE),
  }),
})
export type SearchRequest = z.infer<typeof searchRequest>

const searchResult = z.object({
  id: z.string(),
  content: z.string(),
  metadata: z.record(z.string(), z.unknown()),
})
export type SearchResult = z.infer<typeof searchResult>

export const searchResponse = z.object({
  response: z.object({ results: z.array(searchResult) }),
  metadata: z.object({ provider: z.string(), timestamp: z.int() }),
})
export type SearchResponse = z.infer<typeof searchResponse>
