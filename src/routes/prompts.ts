/**
 * The prompt registry (spec features §6): `POST /v1/prompts/{prompt_id}` and
 * `POST /v2/prompts/{prompt_id}`. GitLab's single-shot Duo features (commit messages, merge
 * request summaries, reviews...), its chat tools and slash commands, and the administrator's
 * "Test connection" (`model_configuration%2Fcheck`) all come here. Prompt ids contain `/`, and
 * GitLab sends some percent-encoded.
 */
import type { Context } from 'hono'
import type { Config } from '../config.ts'
import { readJsonBody } from '../http/json-body.ts'
import { routingPath } from '../http/paths.ts'
import type { Logger } from '../logging.ts'
import { misdirected, usageBy, type PromptInvoker } from '../prompts/invoke.ts'
import { promptLabel } from '../prompts/definition.ts'
import type { Models } from '../models/models.ts'
import { PASS_THROUGH, RAW_TEXT, type Framing } from '../streaming/text-out.ts'
import { detailed } from './feature-http.ts'
import { logInvocation, textStreamResponse } from './respond.ts'
import type { AppEnv, Route } from './route.ts'
import { PROMPTS } from './specs/prompts.ts'

export interface PromptRouteDeps {
  config: Config
  invoker: PromptInvoker
  models: Models
  logger: Logger
}

type Ctx = Context<AppEnv>

export function promptRoutes(deps: PromptRouteDeps): Route[] {
  const log = deps.logger.child('prompts')

  const invoke =
    (version: 'v1' | 'v2'): Route['handler'] =>
    async (c) => {
      const promptId = promptIdOf(c)
      const body = await readJsonBody(c, PROMPTS[version].body, detailed(c, deps.config))
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

  return [
    { ...PROMPTS.v1, handler: invoke('v1') },
    { ...PROMPTS.v2, handler: invoke('v2') },
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
