/**
 * How every model route answers, in one place: the access-log fields of its model call (the same
 * names with the same meaning on every route), streamed answers with the shared headers, and the
 * logging of a stream that fails half-way (once: what the model layer already logged is not
 * logged again).
 */
import type { Context } from 'hono'
import type { Logger } from '../logging.ts'
import type { CallLabels } from '../metrics/model-call-watch.ts'
import type { ModelInvocation } from '../models/request.ts'
import type { ModelEvent, ModelTarget } from '../model-call/types.ts'
import type { StreamDeadlines } from '../streaming/deadlines.ts'
import { hostOf, loggedWhereRaised } from '../model-call/upstream-error.ts'
import { streamText, type Framing, type Shaper } from '../streaming/text-out.ts'
import type { AppEnv } from './route.ts'

type Ctx = Context<AppEnv>

/** GitLab's raw text streams (code suggestions, v1 chat, prompts): `text/event-stream`, no framing; proxies must not buffer. */
export const RAW_TEXT_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'x-accel-buffering': 'no',
}

/** What the access log says of a model call. */
export interface ModelCallSubject {
  /** The provider the request named (GitLab's `model_metadata.provider` or `model_provider`: `litellm`, `openai`...). */
  provider: string
  /** The model family the request named (`codestral`, `claude_3`...). */
  family: string
  identifier?: string | null | undefined
  target: ModelTarget
  labels: CallLabels
}

/**
 * The model fields of this request's access-log line:
 * - `meta.feature_category`, `meta.unit_primitive`: GitLab's labels of the call;
 * - `model_provider`: the provider the request named; `model_engine`: the identifier's prefix,
 *   which says how the gateway calls it (`custom_openai`, `bedrock`...); `model_family`,
 *   `model_identifier`, `model_name` (the model upstream), `model_endpoint_host` (never a path or key);
 * - `prompt_id`: the prompt definition used (`id/family@version`), when one was.
 */
export function logModelCall(c: Ctx, subject: ModelCallSubject, promptId?: string): void {
  Object.assign(c.get('logContext'), {
    'meta.feature_category': subject.labels.featureCategory,
    'meta.unit_primitive': subject.labels.unitPrimitive,
    model_provider: subject.provider,
    model_engine: subject.target.provider,
    model_family: subject.family,
    model_identifier: subject.identifier || undefined,
    model_name: subject.target.upstreamModel,
    model_endpoint_host: hostOf(subject.target.endpoint),
    prompt_id: promptId,
  })
}

/** `logModelCall` for an invocation of the front door. */
export function logInvocation(c: Ctx, invocation: ModelInvocation, promptId?: string): void {
  const { model } = invocation
  logModelCall(
    c,
    {
      provider: model.provider,
      family: model.family.name,
      identifier: model.metadata.identifier,
      target: invocation.call.target,
      labels: invocation.labels,
    },
    promptId,
  )
}

/** Logs, once, a stream failure the model layer did not log where it was raised. */
export function streamFailureLogger(c: Ctx, log: Logger): (error: unknown) => void {
  return (error) => {
    if (loggedWhereRaised(error)) return
    log.warning('Model stream failed', {
      correlation_id: c.get('requestId'),
      error: error instanceof Error ? error.message : String(error),
    })
  }
}

/** A model's text streamed to the client in `framing` (raw text by default), shaped by `shaper`, with the route's headers. */
export function textStreamResponse(
  c: Ctx,
  log: Logger,
  opened: { events: ReadableStream<ModelEvent>; deadlines?: StreamDeadlines | undefined },
  shaper: Shaper,
  framing: Framing,
  headers: Record<string, string> = RAW_TEXT_HEADERS,
): Response {
  const body = streamText(opened.events, shaper, framing, {
    onError: streamFailureLogger(c, log),
    breakConnection: c.env?.breakConnection,
    deadlines: opened.deadlines,
  })
  return new Response(body, { status: 200, headers })
}
