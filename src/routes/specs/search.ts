/** The documentation search route's contract (spec features §7.1). */
import { searchRequest, searchResponse } from '../../search/schemas.ts'
import type { RouteSpec } from '../route.ts'
import { commonErrors, detailError } from './shared-responses.ts'

export const SEARCH = {
  gitlabDocs: {
    method: 'POST',
    path: '/v1/search/gitlab-docs',
    public: false,
    body: searchRequest,
    doc: {
      summary: 'Search the GitLab documentation',
      description:
        "Duo Chat's documentation tool: the documentation sections that best match `payload.query` (BM25 on the docs index), " +
        'at most `page_size` of them and at most about 8,000 tokens in all. Without an index configured, `results` is empty. Needs `documentation_search`.',
      tags: ['search'],
      responses: {
        200: {
          description: 'The matching sections, best first; `id` is the page’s file name',
          schema: searchResponse,
        },
        ...commonErrors,
        422: { description: 'A body that does not match the schema', schema: detailError },
        500: {
          description: 'The documentation index could not be read (the gateway log says why)',
          schema: detailError,
        },
      },
    },
  },
} as const satisfies Record<string, RouteSpec>
