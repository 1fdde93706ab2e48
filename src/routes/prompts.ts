/**
 * The prompt registry (spec features §6): `POST /v1/prompts/{prompt_id}` and
 * `POST /v2/prompts/{prompt_id}`. GitLab's single-shot Duo features (commit messages, merge
 * request summaries, reviews...), its chat tools and slash commands, and the administrator's
 * "Test connection" (`model_configuration%2Fcheck`) all come here. Prompt ids contain `/`, and
 * GitLab sends some percent-encoded.
 */
import type { Context } from 'hono'
import * as z from 'zod/mini'
import type { Config } from '../config.ts'
import { readJsonBody } from '../http/json-body.ts'
import { routingPath } from '../http/paths.ts'
import type { Logger } from '../logging.ts'
import { modelMetadataDoc } from '../models/metadata.ts'
import type { RouteDoc } from '../openapi/document.ts'
import { misdirected, usageBy, type PromptInvoker } from '../prompts/invoke.ts'
import { promptLabel } from '../prompts/definition.ts'
import type { Models } from '../models/models.ts'
import { PASS_THROUGH, RAW_TEXT, type Framing } from '../streaming/text-out.ts'
import { detailed } from './feature-http.ts'
import { logInvocation, textStreamResponse } from './respond.ts'
import type { AppEnv, Route } from './route.ts'
import { commonErrors, detailError } from './schemas.ts'

export interface PromptRouteDeps {
  config: Config
  invoker: PromptInvoker
  models: Models
  logger: Logger
}

type Ctx = Context<AppEnv>

const promptBody = z.object({
  inputs: z.record(z.string(), z.unknown()),
  prompt_version: z.optional(z.nullable(z.string().check(z.maxLength(100)))),
  stream: z.optional(z.nullable(z.boolean())),
  model_metadata: z.optional(z.unknown()),
})

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

export function promptRoutes(deps: PromptRouteDeps): Route[] {
  const log = deps.logger.child('prompts')

  const invoke =
    (version: 'v1' | 'v2'): Route['handler'] =>
    async (c) => {
      const promptId = promptIdOf(c)
      const body = await readJsonBody(c, promptBody, detailed(c, deps.config))
      const { definition, invocation } = deps.invoker.prepare(c.get('auth'), {
        promptId,
        inputs: body.inputs,
        promptVersion: body.prompt_version,
        modelMetadata: body.model_metadata,
      })
      logInvocation(c, invocation, promptLabel(definition))
      const modelName = invocation.call.target.upstreamModel
      const signal = c.req.raw.signal
      try {
        if (!body.stream) {
          const result = await deps.models.complete(invocation, signal)
          if (version === 'v1') return c.json(result.text)
          const usage = usageBy(modelName, result.usage)
          return c.json(usage ? { content: result.text, usage } : { content: result.text })
        }
        const framing = version === 'v1' ? RAW_TEXT : ndjsonFraming(modelName)
        return textStreamResponse(c, log, await deps.models.stream(invocation, signal), PASS_THROUGH, framing)
      } catch (error) {
        throw misdirected(error)
      }
    }

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

  return [
    {
      method: 'POST',
      path: '/v1/prompts/:promptId{.+}',
      public: false,
      handler: invoke('v1'),
      doc: doc('v1'),
    },
    {
      method: 'POST',
      path: '/v2/prompts/:promptId{.+}',
      public: false,
      handler: invoke('v2'),
      doc: doc('v2'),
    },
  ]
}

/** The prompt id, percent-decoded once (GitLab sends `model_configuration%2Fcheck`). */
function promptIdOf(c: Ctx): string {
  const raw = routingPath(c.req.raw).slice('/v1/prompts/'.length)
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/** `/v2/prompts` streams: one compact JSON object per delta and line; the usage on a last line of its own. */
function ndjsonFraming(modelName: string): Framing {
  return {
    chunk: (text) => `${JSON.stringify({ content: text })}\n`,
    end: (usage) => {
      const byModel = usageBy(modelName, usage)
      return byModel ? `${JSON.stringify({ content: '', usage: byModel })}\n` : ''
    },
  }
}
