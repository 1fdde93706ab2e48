/** The code embeddings routes' contract (spec features §7.2): three paths, one handler. */
import * as z from 'zod/mini'
import { embeddingsBody, embeddingsResponse } from '../../embeddings/request.ts'
import type { RouteDoc } from '../../openapi/document.ts'
import type { RouteSpec } from '../route.ts'
import { authError, commonErrors, detailError } from './shared-responses.ts'

const doc = (summary: string): RouteDoc => ({
  summary,
  description:
    "Embeds `contents` with the self-hosted model of `model_metadata` (provider `litellm`, name `embedding`, the model server's " +
    'OpenAI-compatible `endpoint`, `identifier`, `api_key`), through its `POST {endpoint}/embeddings`. Needs `generate_embeddings_codebase`.',
  tags: ['embeddings'],
  responses: {
    200: { description: 'One vector per content, in order', schema: embeddingsResponse },
    400: {
      description: 'The model server refused the request (its message), or an identifier that cannot embed',
      schema: detailError,
    },
    401: {
      description:
        'Authentication failed (`{"error": ...}`), or the model server refused the key (`{"detail": ...}`)',
      schema: z.union([authError, detailError]),
    },
    403: commonErrors[403],
    422: {
      description: 'A body or `model_metadata` GitLab would refuse (the detail says which)',
      schema: detailError,
    },
    429: {
      description: 'The model server is rate-limiting (its message; `Retry-After` passed on)',
      schema: detailError,
    },
    502: {
      description: 'The model server could not be reached (the detail names its host)',
      schema: detailError,
    },
    503: { description: 'The model server answered with an error', schema: detailError },
    504: { description: 'The model server did not answer in time', schema: detailError },
  },
})

const route = (path: string, summary: string) =>
  ({
    method: 'POST',
    path,
    public: false,
    body: embeddingsBody,
    doc: doc(summary),
  }) as const satisfies RouteSpec

export const EMBEDDINGS = [
  route('/v1/embeddings/code_embeddings', 'Code embeddings'),
  route('/v1/embeddings/code_embeddings/index', 'Code embeddings for indexing'),
  route('/v1/embeddings/code_embeddings/search', 'Code embeddings for a search query'),
] as const

/** The body all three validate with. */
export const EMBEDDINGS_BODY = embeddingsBody
