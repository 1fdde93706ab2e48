/**
 * The answers GitLab's IDE clients read (spec features §2.1–§2.4, §3.4): the v2 envelope, the
 * v3/v4 envelope, raw text streams (v2, v3) and v4's server-sent events, byte for byte.
 */
import { pythonJson, pythonString } from '../streaming/python-json.ts'
import type { Framing } from '../streaming/text-out.ts'
import type { PreparedSuggestion, Suggestion } from './engine.ts'

/** Who answered, as GitLab reports it: `{engine, name}` (provider and family, or `agent` and the prompt's name). */
export interface ModelLabel {
  engine: string
  name: string
}

export interface Envelope {
  label: ModelLabel
  lang: string
  /** Epoch seconds. */
  created: number
  featureFlags: string[]
  region: string
}

const choices = (text: string) => (text ? [{ text, index: 0, finish_reason: 'length' }] : [])

/** `/v2/code/completions` and `/v2/code/generations` (tokens only for completions that produced text). */
export function v2Answer(
  envelope: Envelope,
  suggestion: Suggestion,
  prepared: PreparedSuggestion | undefined,
): Record<string, unknown> {
  const tokens =
    prepared && prepared.request.kind === 'completion' && suggestion.text
      ? {
          input_tokens: suggestion.usage.inputTokens,
          output_tokens: suggestion.usage.outputTokens,
          max_output_tokens_used: false,
          context_tokens_sent: prepared.window.contextTokensSent,
          context_tokens_used: prepared.window.contextTokensUsed,
        }
      : null
  return {
    id: 'id',
    model: {
      ...envelope.label,
      lang: envelope.lang,
      tokens_consumption_metadata: tokens,
      region: envelope.region,
    },
    experiments: [],
    object: 'text_completion',
    created: envelope.created,
    choices: choices(suggestion.text),
    metadata: { enabled_feature_flags: envelope.featureFlags },
  }
}

/** `/v3/code/completions` and `/v4/code/suggestions`, not streamed: `model` twice, `region` null. */
export function v3Answer(envelope: Envelope, text: string): Record<string, unknown> {
  const model = { ...envelope.label, lang: envelope.lang }
  return {
    choices: choices(text),
    metadata: {
      model,
      timestamp: envelope.created,
      enabled_feature_flags: envelope.featureFlags,
      region: null,
    },
    model,
  }
}

/** v4's events: `stream_start` (the prompt's name as the model, no `lang`), a `content_chunk` per chunk, `stream_end`. */
export function sseFraming(envelope: Envelope, displayName: string): Framing {
  const metadata = {
    model: { engine: 'agent', name: displayName },
    timestamp: envelope.created,
    enabled_feature_flags: envelope.featureFlags,
    region: envelope.region,
  }
  return {
    start: sseEvent('stream_start', pythonJson({ metadata })),
    chunk: (text) =>
      sseEvent('content_chunk', `{"choices": [{"delta": {"content": ${pythonString(text)}}, "index": 0}]}`),
    end: sseEvent('stream_end', 'null'),
  }
}

function sseEvent(name: string, data: string): string {
  return `event: ${name}\r\ndata: ${data}\r\n\r\n`
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'x-streaming-format': 'sse',
  'cache-control': 'no-store',
  'x-accel-buffering': 'no',
}

/** `X-Gitlab-Enabled-Feature-Flags`: a comma list, echoed back as a set. */
export function featureFlags(header: string | undefined): string[] {
  if (!header) return []
  return [
    ...new Set(
      header
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
    ),
  ]
}
