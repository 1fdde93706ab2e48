/**
 * Code suggestions for self-hosted models (spec features §2): `POST /v2/code/completions` (and
 * its alias `/v2/completions`), `/v2/code/generations`, `/v3/code/completions` and
 * `/v4/code/suggestions`. Each route validates its body, checks the token's unit primitive with
 * GitLab's message, lets the engine call the model, and shapes the answer the IDE reads.
 */
import type { Context } from 'hono'
import type { z } from 'zod/mini'
import { requireAnyScope } from '../auth/scopes.ts'
import type { CodeEngine, PreparedSuggestion } from '../code/engine.ts'
import { v2Completion, v2Generation, v3Request } from '../code/requests.ts'
import {
  featureFlags,
  sseFraming,
  SSE_HEADERS,
  v2Answer,
  v3Answer,
  type Envelope,
  type ModelLabel,
} from '../code/responses.ts'
import {
  docs,
  v2CompletionsBody,
  v2GenerationsBody,
  v2Response,
  v3Body,
  v3Response,
} from '../code/schemas.ts'
import type { SuggestionRequest } from '../code/suggestion.ts'
import type { Config } from '../config.ts'
import { readJsonBody } from '../http/json-body.ts'
import type { Logger } from '../logging.ts'
import type { RouteDoc } from '../openapi/document.ts'
import { promptLabel } from '../prompts/definition.ts'
import { RAW_TEXT, type Framing } from '../streaming/text-out.ts'
import { detailed } from './feature-http.ts'
import { logInvocation, RAW_TEXT_HEADERS, textStreamResponse } from './respond.ts'
import type { AppEnv, Route } from './route.ts'
import { commonErrors, detailError } from './schemas.ts'

export interface CodeRouteDeps {
  config: Config
  engine: CodeEngine
  logger: Logger
  now: () => number
}

type Ctx = Context<AppEnv>

export function codeRoutes(deps: CodeRouteDeps): Route[] {
  const { config } = deps
  const gatewayIssuer = { disallowedIssuers: [config.serviceName] }
  const log = deps.logger.child('code_suggestions')

  const v2Completions: Route['handler'] = async (c) => {
    const body = await readJsonBody(c, v2CompletionsBody, detailed(c, config))
    // Gateway-issued (IDE direct access) tokens may complete: this is their route.
    requireAnyScope(c.get('auth'), ['complete_code'], 'Unauthorized to access code completions')
    const request = v2Completion(body)
    return answer(
      c,
      request,
      { engine: body.model_provider ?? request.model.provider, name: request.model.metadata.name },
      'v2',
    )
  }

  const v2Generations: Route['handler'] = async (c) => {
    const body = await readJsonBody(c, v2GenerationsBody, detailed(c, config))
    requireAnyScope(
      c.get('auth'),
      ['generate_code'],
      'Unauthorized to access code generations',
      gatewayIssuer,
    )
    const request = v2Generation(body)
    // The registry (agent) answers as `agent` with the prompt's name; own messages as provider and family.
    const label = (prepared: PreparedSuggestion): ModelLabel =>
      prepared.prompt
        ? { engine: 'agent', name: prepared.displayName }
        : { engine: request.model.provider, name: request.model.metadata.name }
    return answer(c, request, label, 'v2')
  }

  const v3 =
    (format: 'v3' | 'v4'): Route['handler'] =>
    async (c) => {
      const body = await readJsonBody(c, v3Body, detailed(c, config))
      const kind = body.prompt_components[0]?.type
      const primitive = kind === 'code_editor_generation' ? 'generate_code' : 'complete_code'
      requireAnyScope(c.get('auth'), [primitive], 'Unauthorized to access code suggestions', gatewayIssuer)
      const request = v3Request(body, c.req.header('x-gitlab-language-server-version'))
      const label = (prepared: PreparedSuggestion): ModelLabel =>
        request.kind === 'generation'
          ? { engine: 'agent', name: prepared.displayName }
          : { engine: request.model.provider, name: request.model.metadata.name }
      return answer(c, request, label, format)
    }

  /** Calls the model through the engine and shapes the answer in the route's format. */
  async function answer(
    c: Ctx,
    request: SuggestionRequest,
    label: ModelLabel | ((p: PreparedSuggestion) => ModelLabel),
    format: 'v2' | 'v3' | 'v4',
  ) {
    const prepared = deps.engine.prepare(request)
    if (prepared.invocation)
      logInvocation(c, prepared.invocation, prepared.prompt && promptLabel(prepared.prompt))
    else
      Object.assign(c.get('logContext'), {
        'meta.feature_category': 'code_suggestions',
        'meta.unit_primitive': 'complete_code',
        model_family: request.model.family.name,
      })
    const envelope: Envelope = {
      label: typeof label === 'function' ? label(prepared) : label,
      lang: prepared.lang,
      created: Math.floor(deps.now() / 1000),
      featureFlags: featureFlags(c.req.header('x-gitlab-enabled-feature-flags')),
      region: config.region,
    }
    const signal = c.req.raw.signal
    if (!request.stream) {
      const suggestion = await deps.engine.complete(prepared, signal)
      return c.json(
        format === 'v2' ? v2Answer(envelope, suggestion, prepared) : v3Answer(envelope, suggestion.text),
      )
    }
    const { shaper, ...opened } = await deps.engine.stream(prepared, signal)
    const framing: Framing = format === 'v4' ? sseFraming(envelope, prepared.displayName) : RAW_TEXT
    return textStreamResponse(
      c,
      log,
      opened,
      shaper,
      framing,
      format === 'v4' ? SSE_HEADERS : RAW_TEXT_HEADERS,
    )
  }

  const v2Doc = (summary: string, description: string, schema: z.ZodMiniType): RouteDoc => ({
    summary,
    description,
    tags: ['code'],
    requestBody: schema,
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
    requestBody: docs.v3,
    responses: {
      200: {
        description: `The suggestion; with \`stream: true\` in the payload, ${streamed}`,
        schema: v3Response,
      },
      ...errorDocs,
    },
  })

  return [
    {
      method: 'POST',
      path: '/v2/code/completions',
      public: false,
      handler: v2Completions,
      doc: v2Doc(
        'Code completion',
        'Completes the code at the cursor with the self-hosted model named by `model_provider: litellm` and the `model_*` fields. Needs `complete_code`.',
        docs.v2Completions,
      ),
    },
    {
      method: 'POST',
      path: '/v2/completions',
      public: false,
      handler: v2Completions,
      doc: v2Doc('Code completion (alias)', 'Same as `/v2/code/completions`.', docs.v2Completions),
    },
    {
      method: 'POST',
      path: '/v2/code/generations',
      public: false,
      handler: v2Generations,
      doc: v2Doc(
        'Code generation',
        'Generates code at the cursor (prompt `code_suggestions/generations` for the model family). Needs `generate_code`; gateway-issued tokens are refused.',
        docs.v2Generations,
      ),
    },
    {
      method: 'POST',
      path: '/v3/code/completions',
      public: false,
      handler: v3('v3'),
      doc: v3Doc('Code suggestion', 'the text as it is generated (`text/event-stream`, no framing)'),
    },
    {
      method: 'POST',
      path: '/v4/code/suggestions',
      public: false,
      handler: v3('v4'),
      doc: v3Doc(
        'Code suggestion (server-sent events)',
        'server-sent events: `stream_start` (metadata), `content_chunk` per chunk, `stream_end`',
      ),
    },
  ]
}

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
