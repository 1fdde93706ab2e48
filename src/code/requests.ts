/**
 * From each route's body to the neutral `SuggestionRequest` (spec features §2.1–§2.4), with the
 * self-hosted model it names. Where GitLab's gateway would fall back to a GitLab-managed model
 * (no model named, `anthropic`, `vertex-ai`, `fireworks_ai`, `amazon_q`, `gitlab`) or answer 500
 * (an unknown family, a `code_context` component first), this answers 422 saying what to send.
 */
import { ValidationError } from '../errors.ts'
import { findFamily, FAMILY_NAMES } from '../models/families.ts'
import { flatModel, parseModelMetadata, type SelfHostedModel } from '../models/metadata.ts'
import type { V2CompletionsBody, V2GenerationsBody, V3Body, V3Component } from './schemas.ts'
import {
  GENERATIONS_PROMPT,
  type CompletionRequest,
  type GenerationPostProcessing,
  type GenerationRequest,
  type SuggestionRequest,
} from './suggestion.ts'

/** v3/v4 cut the editor content to this many tokens, whatever the model (GitLab does not pass the family there). */
export const V3_BUDGET_TOKENS = 32_768

/** The `model_provider` values that name a self-hosted model on the v2 routes. */
const SELF_HOSTED_PROVIDERS = new Set(['litellm', 'codestral'])

/**
 * Prompt versions GitLab.com's Rails sends on v3/v4 generations, and the post-processing its
 * gateway picks for each (its fixed map: "anthropic" versions only blank out whitespace).
 */
const GITLAB_PROMPT_VERSIONS: Readonly<Record<string, GenerationPostProcessing>> = {
  '^1.0.0': 'minimal',
  '1.0.0': 'minimal',
  '1.1.0-dev': 'minimal',
  '3.0.2-dev': 'minimal',
  '1.2.0-dev': 'full',
  '1.2.0': 'full',
  '2.0.0': 'full',
  '2.0.1': 'full',
  '2.0.2-dev': 'full',
}

/**
 * Constraints Rails' PromptVersions table gives GitLab's base generation prompt (18.9 asks for
 * `^2.0.1`, which selects GitLab.com's 2.0.1). A family with a prompt directory of its own has no
 * such version: like the pins above, the constraint then falls back to the family's default.
 */
const RAILS_BASE_CONSTRAINTS: ReadonlySet<string> = new Set(['^2.0.1'])

/** Language servers from this version on send `code_context` components worth using. */
const CODE_CONTEXT_MIN_LSP = [7, 17, 1] as const

type Use = 'code completions' | 'code generations'

export function v2Completion(body: V2CompletionsBody): CompletionRequest {
  const model = v2Model(body, 'code completions')
  return {
    kind: 'completion',
    file: v2File(body),
    model,
    stream: body.stream,
    budgetTokens: model.family.maxContextTokens,
    context: body.context?.map((item) => item.content) ?? [],
  }
}

export function v2Generation(body: V2GenerationsBody): GenerationRequest {
  const promptId = body.prompt_id?.trim() || undefined
  // GitLab: with a prompt id, the flat fields name the model only when both are set; else model_metadata.
  const model =
    promptId && !(body.model_name && body.model_provider)
      ? metadataModel(body.model_metadata)
      : v2Model(body, 'code generations')
  return {
    kind: 'generation',
    file: v2File(body),
    model,
    stream: body.stream,
    budgetTokens: model.family.maxContextTokens,
    promptId: promptId ?? GENERATIONS_PROMPT,
    instruction: body.prompt_version === 2 ? body.prompt.trim() : '',
    enhancer: {},
    postProcessing: 'full',
    // Without a prompt id, prompt_version 3 brings the exact messages to send.
    messages: !promptId && body.prompt_version === 3 ? body.prompt : undefined,
  }
}

/**
 * v3/v4: only the first component decides what is asked; `code_context` components after it are
 * context for a completion (from language servers that send them well).
 */
export function v3Request(body: V3Body, languageServerVersion: string | undefined): SuggestionRequest {
  const [first, ...rest] = body.prompt_components as [V3Component, ...V3Component[]]
  if (first.type === 'code_context') {
    throw new ValidationError(
      'prompt_components[0] is a code_context component; the first component must be a code_editor_completion or ' +
        'code_editor_generation, and code_context components after it add context to that one',
    )
  }
  const { payload } = first
  if (payload.model_provider === 'amazon_q') throw managed("payload.model_provider 'amazon_q'")
  const model = metadataModel(body.model_metadata, payload.model_provider)
  const file = {
    name: payload.file_name,
    above: payload.content_above_cursor,
    below: payload.content_below_cursor,
    languageIdentifier: payload.language_identifier,
  }
  if (first.type === 'code_editor_completion') {
    const context = atLeast(languageServerVersion, CODE_CONTEXT_MIN_LSP)
      ? rest.flatMap((component) => (component.type === 'code_context' ? [component.payload.content] : []))
      : []
    return {
      kind: 'completion',
      file,
      model,
      stream: payload.stream,
      budgetTokens: V3_BUDGET_TOKENS,
      context,
    }
  }
  const generation = first.payload
  const enhancer = generation.prompt_enhancer ?? {}
  const instruction = typeof enhancer.user_instruction === 'string' ? enhancer.user_instruction.trim() : ''
  const promptId = generation.prompt_id?.trim() || undefined
  const version = generation.prompt_version?.trim() || undefined
  return {
    kind: 'generation',
    file,
    model,
    stream: payload.stream,
    budgetTokens: V3_BUDGET_TOKENS,
    promptId: promptId ?? GENERATIONS_PROMPT,
    promptVersion: version,
    instruction,
    enhancer,
    postProcessing: promptId ? (GITLAB_PROMPT_VERSIONS[version ?? '^1.0.0'] ?? 'full') : 'full',
  }
}

/**
 * GitLab.com prompt versions (pinned, or by Rails' base constraint) that a self-hosted family has
 * no definition of fall back to the family's default.
 */
export function isGitLabComVersion(version: string | undefined): boolean {
  return (
    version !== undefined &&
    (Object.hasOwn(GITLAB_PROMPT_VERSIONS, version) || RAILS_BASE_CONSTRAINTS.has(version))
  )
}

function v2File(body: V2CompletionsBody | V2GenerationsBody) {
  const file = body.current_file
  return {
    name: file.file_name,
    above: file.content_above_cursor,
    below: file.content_below_cursor,
    languageIdentifier: file.language_identifier,
  }
}

/** The v2 routes' flat fields, or (not in GitLab, harmless) a top-level model_metadata when no provider is given. */
function v2Model(body: V2CompletionsBody | V2GenerationsBody, use: Use): SelfHostedModel {
  const provider = body.model_provider
  if (!provider) {
    if (body.model_metadata !== undefined && body.model_metadata !== null)
      return metadataModel(body.model_metadata)
    throw new ValidationError(
      `No self-hosted model in the request: send model_provider 'litellm' with model_name (one of ${FAMILY_NAMES.join(', ')}), ` +
        'model_endpoint, model_identifier and, if the model server needs one, model_api_key',
    )
  }
  if (!SELF_HOSTED_PROVIDERS.has(provider)) throw managed(`model_provider '${provider}'`)
  const name = body.model_name?.trim()
  if (name && !findFamily(name)) {
    throw new ValidationError(
      `model ${name} is not supported by use case ${use} and provider ${provider}; self-hosted model families: ${FAMILY_NAMES.join(', ')}`,
    )
  }
  return flatModel(body, provider)
}

function metadataModel(value: unknown, payloadProvider?: string | null): SelfHostedModel {
  const model = parseModelMetadata(value)
  if (model) return model
  if (payloadProvider) throw managed(`payload.model_provider '${payloadProvider}' without model_metadata`)
  throw new ValidationError(
    'No self-hosted model in the request: send a top-level model_metadata ' +
      `{"provider", "name" (one of ${FAMILY_NAMES.join(', ')}), "endpoint", "api_key", "identifier"}`,
  )
}

function managed(what: string): ValidationError {
  return new ValidationError(
    `${what} names a GitLab-managed model, which this self-hosted gateway does not serve; configure a self-hosted model ` +
      'for code suggestions in GitLab (Admin > GitLab Duo Self-Hosted)',
  )
}

/** `X-Gitlab-Language-Server-Version` at least `minimum` (missing or invalid: 0.0.0, as GitLab reads it). */
function atLeast(version: string | undefined, minimum: readonly [number, number, number]): boolean {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version?.trim() ?? '')
  if (!match) return false
  const parts = [Number(match[1]), Number(match[2]), Number(match[3])]
  for (let i = 0; i < 3; i++) if (parts[i]! !== minimum[i]!) return parts[i]! > minimum[i]!
  return true
}
