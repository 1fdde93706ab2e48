/**
 * Code suggestions for self-hosted models (spec features §2): `POST /v2/code/completions` (and
 * its alias `/v2/completions`), `/v2/code/generations`, `/v3/code/completions` and
 * `/v4/code/suggestions`. Each route validates its body, checks the token's unit primitive with
 * GitLab's message, lets the engine call the model, and shapes the answer the IDE reads.
 */
import type { Context } from 'hono'
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
import type { SuggestionRequest } from '../code/suggestion.ts'
import type { Config } from '../config.ts'
import { readJsonBody } from '../http/json-body.ts'
import type { Logger } from '../logging.ts'
import { promptLabel } from '../prompts/definition.ts'
import { RAW_TEXT, type Framing } from '../streaming/text-out.ts'
import { detailed } from './feature-http.ts'
import { logInvocation, RAW_TEXT_HEADERS, textStreamResponse } from './respond.ts'
import type { AppEnv, Route } from './route.ts'
import { CODE } from './specs/code.ts'

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
    const body = await readJsonBody(c, CODE.v2Completions.body, detailed(c, config))
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
    const body = await readJsonBody(c, CODE.v2Generations.body, detailed(c, config))
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
      const body = await readJsonBody(c, CODE.v3.body, detailed(c, config))
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

  return [
    { ...CODE.v2Completions, handler: v2Completions },
    { ...CODE.v2CompletionsAlias, handler: v2Completions },
    { ...CODE.v2Generations, handler: v2Generations },
    { ...CODE.v3, handler: v3('v3') },
    { ...CODE.v4, handler: v3('v4') },
  ]
}
