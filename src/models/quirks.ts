/**
 * What particular models need that their wire format does not say, in one table a maintainer
 * extends without touching a wire format (spec features §4.4, "request-shaping rules"): a row says
 * which calls it matches (the model's name upstream, its family, its format and provider prefix)
 * and what it changes. The front door (models.ts) applies every matching row to each call.
 */
import type { WireFormatName } from '../model-call/types.ts'

export type QuirkEffect =
  /**
   * A trailing assistant message is a prefill the model continues; vLLM's chat templates do that
   * only when told (`continue_final_message`, `add_generation_prompt: false`).
   */
  | 'continue-final-message'
  /** The model refuses a trailing assistant message: its text becomes context in a user message, as GitLab sends it. */
  | 'prefill-as-user'
  /** `max_tokens` is refused: the limit goes in `max_completion_tokens` (OpenAI's reasoning models). */
  | 'max-completion-tokens'
  /** `temperature` is refused (fixed by the provider): it is not sent. */
  | 'no-temperature'
  /** A leading `<think>…</think>` block is the model's reasoning, not its answer (GitLab strips it from ReAct output). */
  | 'strip-reasoning'
  /** Tool call ids must be 9 letters and digits (Mistral's API and vLLM's Mistral tokenizer refuse others). */
  | 'short-tool-call-ids'

export interface Quirk {
  /** Why this row exists, for whoever reads the table. */
  why: string
  /** Tested against the model's name upstream and the family GitLab names; a row matches if either does. */
  model?: RegExp
  family?: RegExp
  formats?: readonly WireFormatName[]
  /** Provider prefixes the row does not apply to (`mistral/` speaks Mistral's own API). */
  exceptProviders?: readonly string[]
  effect: QuirkEffect
}

const OPENAI_COMPATIBLE: readonly WireFormatName[] = ['openai-chat']
const OPENAI_FAMILY: readonly WireFormatName[] = ['openai-chat', 'openai-text', 'azure']

export const QUIRKS: readonly Quirk[] = [
  {
    why: "GitLab tells vLLM to continue Mistral models' prefill (model names with 'mistral'); Mistral's own API takes a `prefix` flag instead",
    model: /mistral|mixtral|codestral/i,
    family: /mistral|mixtral|codestral/i,
    formats: OPENAI_COMPATIBLE,
    exceptProviders: ['mistral'],
    effect: 'continue-final-message',
  },
  {
    why: 'Claude 4.6 and later refuse a prefill (LiteLLM and GitLab rewrite it as user context)',
    model: /claude-(?:opus|sonnet|haiku|fable|mythos)-(?:4-[6-9]|[5-9])/i,
    effect: 'prefill-as-user',
  },
  {
    why: 'GPT-5 and the o-series refuse max_tokens (LiteLLM moves it to max_completion_tokens)',
    model: /(?:^|[/-])(?:gpt-5|o[134](?:-|$))/i,
    formats: OPENAI_FAMILY,
    effect: 'max-completion-tokens',
  },
  {
    why: 'Claude Opus 4.7/4.8, Sonnet 5, Fable 5 and Mythos 5 fix their temperature and refuse one',
    model: /claude-(?:opus-4-[78]|sonnet-5|fable-5|mythos-5)/i,
    effect: 'no-temperature',
  },
  {
    why: "Qwen's reasoning models open with a <think> block GitLab leaves out of the answer",
    family: /^qwen$/,
    effect: 'strip-reasoning',
  },
  {
    why: "Mistral's tool calling (its API, and vLLM's Mistral tokenizer) takes only 9-character alphanumeric call ids",
    model: /mistral|mixtral|codestral|ministral|magistral|devstral/i,
    formats: OPENAI_COMPATIBLE,
    effect: 'short-tool-call-ids',
  },
]

export interface QuirkSubject {
  upstreamModel: string
  family: string
  format: WireFormatName
  provider: string
}

/** The effects of every row that matches a call. */
export function quirksOf(subject: QuirkSubject): ReadonlySet<QuirkEffect> {
  const effects = new Set<QuirkEffect>()
  for (const quirk of QUIRKS) {
    if (quirk.formats && !quirk.formats.includes(subject.format)) continue
    if (quirk.exceptProviders?.includes(subject.provider)) continue
    const named = quirk.model?.test(subject.upstreamModel) || quirk.family?.test(subject.family)
    if ((quirk.model || quirk.family) && !named) continue
    effects.add(quirk.effect)
  }
  return effects
}
