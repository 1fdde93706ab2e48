/** The code suggestion routes' contract (spec features §2). */
import {
  v2CompletionsBody,
  v2GenerationsBody,
  v2Response,
  v3Body,
  v3BodyDoc,
  v3Response,
} from '../../code/schemas.ts'
import type { RouteDoc } from '../../openapi/document.ts'
import type { RouteSpec } from '../route.ts'
import { commonErrors, detailError } from './shared-responses.ts'

const errorDocs = {
  400: {
    description: 'A model endpoint or identifier that cannot be used, an unknown prompt or prompt version',
    schema: detailError,
  },
  ...commonErrors,
  422: {
    description:
      'A body that does not match the schema, or that names no self-hosted model (the detail says what to send)',
    schema: detailError,
  },
  429: { description: 'The model server is rate-limiting (`Retry-After` passed on)', schema: detailError },
  502: {
    description: 'The model server could not be reached (the detail names its host)',
    schema: detailError,
  },
  503: { description: 'The model server answered with an error', schema: detailError },
  504: { description: 'The model server did not answer in time', schema: detailError },
} as const

const v2Doc = (summary: string, description: string): RouteDoc => ({
  summary,
  description,
  tags: ['code'],
  responses: {
    200: {
      description:
        'The suggestion (`choices` empty when there is none); with `stream: true`, the text as it is generated (`text/event-stream`, no framing)',
      schema: v2Response,
    },
    ...errorDocs,
  },
})

const v3Doc = (summary: string, streamed: string): RouteDoc => ({
  summary,
  description:
    'The first prompt component decides: `code_editor_completion` (needs `complete_code`) or `code_editor_generation` ' +
    '(needs `generate_code`); `code_context` components after it add context. The self-hosted model is named by the top-level `model_metadata`.',
  tags: ['code'],
  // `model_metadata` is validated after the prompt components, with GitLab's 422 wording.
  requestBody: v3BodyDoc,
  responses: {
    200: {
      description: `The suggestion; with \`stream: true\` in the payload, ${streamed}`,
      schema: v3Response,
    },
    ...errorDocs,
  },
})

export const CODE = {
  v2Completions: {
    method: 'POST',
    path: '/v2/code/completions',
    public: false,
    body: v2CompletionsBody,
    doc: v2Doc(
      'Code completion',
      'Completes the code at the cursor with the self-hosted model named by `model_provider: litellm` and the `model_*` fields. Needs `complete_code`.',
    ),
  },
  v2CompletionsAlias: {
    method: 'POST',
    path: '/v2/completions',
    public: false,
    body: v2CompletionsBody,
    doc: v2Doc('Code completion (alias)', 'Same as `/v2/code/completions`.'),
  },
  v2Generations: {
    method: 'POST',
    path: '/v2/code/generations',
    public: false,
    body: v2GenerationsBody,
    doc: v2Doc(
      'Code generation',
      'Generates code at the cursor (prompt `code_suggestions/generations` for the model family). Needs `generate_code`; gateway-issued tokens are refused.',
    ),
  },
  v3: {
    method: 'POST',
    path: '/v3/code/completions',
    public: false,
    body: v3Body,
    doc: v3Doc('Code suggestion', 'the text as it is generated (`text/event-stream`, no framing)'),
  },
  v4: {
    method: 'POST',
    path: '/v4/code/suggestions',
    public: false,
    body: v3Body,
    doc: v3Doc(
      'Code suggestion (server-sent events)',
      'server-sent events: `stream_start` (metadata), `content_chunk` per chunk, `stream_end`',
    ),
  },
} as const satisfies Record<string, RouteSpec>
