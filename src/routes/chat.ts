/**
 * Duo Chat (spec features §5): `POST /v2/chat/agent`, the ReAct agent GitLab's chat talks to
 * (NDJSON events), and `POST /v1/chat/{chat_invokable}`, the 17.x slash commands (raw text).
 */
import type { Context } from 'hono'
import { requireAnyScope } from '../auth/scopes.ts'
import { ChatAgent } from '../chat/agent.ts'
import { NDJSON_HEADERS } from '../chat/react-stream.ts'
import { chatTurn, contextCategories } from '../chat/turn.ts'
import { v1ChatModel, V1_CHAT_PRIMITIVES } from '../chat/v1.ts'
import type { Config } from '../config.ts'
import { HttpError } from '../errors.ts'
import { readJsonBody } from '../http/json-body.ts'
import type { Logger } from '../logging.ts'
import { DIRECT_CHAT } from '../prompts/direct-chat.ts'
import type { Models } from '../models/models.ts'
import { requireModelMetadata } from '../models/metadata.ts'
import type { PromptRegistry } from '../prompts/registry.ts'
import type { ChatMessage } from '../model-call/types.ts'
import { PASS_THROUGH, RAW_TEXT } from '../streaming/text-out.ts'
import { detailed } from './feature-http.ts'
import { logInvocation, streamFailureLogger, textStreamResponse } from './respond.ts'
import type { AppEnv, Route } from './route.ts'
import { CHAT } from './specs/chat.ts'

export interface ChatRouteDeps {
  config: Config
  models: Models
  prompts: PromptRegistry
  logger: Logger
  now: () => number
}

type Ctx = Context<AppEnv>

export function chatRoutes(deps: ChatRouteDeps): Route[] {
  const { config } = deps
  const agent = new ChatAgent({ models: deps.models, prompts: deps.prompts, now: deps.now })
  const log = deps.logger.child('chat')

  const agentHandler: Route['handler'] = async (c) => {
    const body = await readJsonBody(c, CHAT.agent.body, detailed(c, config))
    const auth = c.get('auth')
    // 18.x Rails signs classic chat for `duo_classic_chat`; 17.x and early 18.x tokens carry `duo_chat`,
    // which grants it too (src/auth/scopes.ts). GitLab's newest gateway lets `duo_chat` alone in only for
    // @GitLabDuo in merge requests: the instances this gateway serves predate that.
    requireAnyScope(auth, ['duo_classic_chat'], 'Unauthorized to access duo chat')
    const turn = chatTurn(body)
    for (const category of contextCategories(turn)) {
      const primitive = `include_${category}_context`
      requireAnyScope(auth, [primitive], `Unauthorized to access ${primitive}`)
    }
    const model = requireModelMetadata(body.model_metadata)
    const prepared = agent.prepare(auth, turn, model, c.req.header('x-gitlab-version'))
    logInvocation(c, prepared.invocation, prepared.promptLabel)
    const events = await agent.stream(prepared, c.req.raw.signal, streamFailureLogger(c, log))
    return new Response(events, { status: 200, headers: NDJSON_HEADERS })
  }

  const v1Handler: Route['handler'] = async (c) => {
    const invokable = c.req.param('invokable') ?? ''
    const primitives = Object.hasOwn(V1_CHAT_PRIMITIVES, invokable)
      ? V1_CHAT_PRIMITIVES[invokable]
      : undefined
    if (!primitives) throw new HttpError(404, 'Not found')
    const [primitive] = primitives
    const body = await readJsonBody(c, CHAT.v1.body, detailed(c, config))
    requireAnyScope(c.get('auth'), primitives, `Unauthorized to access ${primitive}`)
    const payload = body.prompt_components[0]!.payload
    const model = v1ChatModel(payload)
    const messages: ChatMessage[] =
      typeof payload.content === 'string' ? [{ role: 'user', content: payload.content }] : payload.content
    const invocation = deps.models.invocation({
      model,
      messages,
      params: DIRECT_CHAT.params,
      stop: DIRECT_CHAT.stop[model.family.name],
      timeoutS: DIRECT_CHAT.timeoutS,
      labels: { featureCategory: 'duo_chat', unitPrimitive: primitive },
    })
    logInvocation(c, invocation, `v1/chat/${invokable}`)
    const signal = c.req.raw.signal
    if (!body.stream) {
      const result = await deps.models.complete(invocation, signal)
      return c.json({
        response: result.text,
        metadata: { provider: 'litellm', model: payload.model, timestamp: Math.floor(deps.now() / 1000) },
      })
    }
    return textStreamResponse(c, log, await deps.models.stream(invocation, signal), PASS_THROUGH, RAW_TEXT)
  }

  return [
    { ...CHAT.agent, handler: agentHandler },
    { ...CHAT.v1, handler: v1Handler },
  ]
}
