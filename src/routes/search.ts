/**
 * `POST /v1/search/gitlab-docs` (spec features §7.1): Duo Chat's documentation tool asks for the
 * documentation pages that answer a question. Validated body → `documentation_search` check →
 * full-text search on the docs index → GitLab's envelope with provider `sqlite`.
 */
import { requireAnyScope } from '../auth/scopes.ts'
import type { Config } from '../config.ts'
import { readJsonBody } from '../http/json-body.ts'
import type { DocsSearch } from '../search/docs-search.ts'
import { PROVIDER } from '../search/docs-search.ts'
import type { SearchResponse } from '../search/schemas.ts'
import type { Route } from './route.ts'
import { SEARCH } from './specs/search.ts'

export interface SearchRouteDeps {
  config: Config
  search: DocsSearch
  now: () => number
}

export function searchRoutes(deps: SearchRouteDeps): Route[] {
  const handler: Route['handler'] = async (c) => {
    // FastAPI validates the body before the handler checks the scope: a bad body is a 422 first.
    const body = await readJsonBody(c, SEARCH.gitlabDocs.body, deps.config.logging.enableRequestLogging)
    requireAnyScope(c.get('auth'), ['documentation_search'], 'Unauthorized to search documentations')
    const { query, page_size: pageSize } = body.payload
    const { results, total, tokens } = await deps.search.search(query, pageSize, c.get('requestId'))
    // GitLab logs these per search; the question itself stays out of the log.
    Object.assign(c.get('logContext'), {
      'meta.feature_category': 'duo_chat',
      'meta.unit_primitive': 'documentation_search',
      search_page_size: pageSize,
      search_total_results: total,
      search_filtered_results: results.length,
      search_total_tokens: tokens,
    })
    const answer: SearchResponse = {
      response: { results },
      metadata: { provider: PROVIDER, timestamp: Math.floor(deps.now() / 1000) },
    }
    return c.json(answer)
  }

  return [{ ...SEARCH.gitlabDocs, handler }]
}
