/** The prompt registry routes' contract (spec features §6). */
import * as z from 'zod/mini'
import { modelMetadataDoc } from '../../models/metadata.ts'
import type { RouteDoc } from '../../openapi/document.ts'
import type { RouteSpec } from '../route.ts'
import { commonErrors, detailError } from './shared-responses.ts'

const promptBody = z.object({
  inputs: z.record(z.string(), z.unknown()),
  prompt_version: z.optional(z.nullable(z.string().check(z.maxLength(100)))),
  stream: z.optional(z.nullable(z.boolean())),
  model_metadata: z.optional(z.unknown()),
})

/** As documented: `model_metadata` with its real shape (`promptBody` reads it loosely, to refuse it in GitLab's words). */
const promptBodyDoc = z.object({
  inputs: z.record(z.string(), z.unknown()),
  prompt_version: z.optional(z.string()),
  stream: z.optional(z.boolean()),
  model_metadata: modelMetadataDoc,
})

const v2Answer = z.object({
  content: z.string(),
  usage: z.optional(z.record(z.string(), z.object({ input_tokens: z.int(), output_tokens: z.int() }))),
})

const doc = (version: 'v1' | 'v2'): RouteDoc => ({
  summary: version === 'v1' ? 'Invoke a prompt' : 'Invoke a prompt (with token usage)',
  description:
    'Renders the prompt definition `prompt_id` (it may contain `/`, also percent-encoded) for the family of the self-hosted model ' +
    'named by `model_metadata`, in the version `prompt_version` selects (default `^1.0.0`), with `inputs` (plus `current_date`), and ' +
    "calls the model. Needs the prompt's unit primitive.",
  tags: ['prompts'],
  requestBody: promptBodyDoc,
  responses: {
    200:
      version === 'v1'
        ? {
            description:
              'The model text as a JSON string; with `stream: true`, the text as it is generated (`text/event-stream`, no framing)',
            schema: z.string(),
          }
        : {
            description:
              'The text and token usage; with `stream: true`, one JSON object per line (`{"content": …}`), usage on the last',
            schema: v2Answer,
          },
    400: { description: 'Unknown prompt id, or no version matching `prompt_version`', schema: detailError },
    ...commonErrors,
    421: {
      description: 'The model server answered with an HTTP error: `{"detail": "<status>: <reason>"}`',
      schema: detailError,
    },
    422: {
      description:
        'A body that does not match the schema, no self-hosted model, or missing template variables',
      schema: detailError,
    },
    502: {
      description: 'The model server could not be reached (the detail names its host)',
      schema: detailError,
    },
    504: { description: 'The model server did not answer in time', schema: detailError },
  },
})

export const PROMPTS = {
  v1: { method: 'POST', path: '/v1/prompts/:promptId{.+}', public: false, body: promptBody, doc: doc('v1') },
  v2: { method: 'POST', path: '/v2/prompts/:promptId{.+}', public: false, body: promptBody, doc: doc('v2') },
} as const satisfies Record<string, RouteSpec>
