/**
 * The 17.x slash-command route `POST /v1/chat/{chat_invokable}` (spec features §5.1): its body
 * (one prompt component whose payload holds the messages and the self-hosted model), the unit
 * primitive of each invokable, and the model the payload names.
 */
import * as z from 'zod/mini'
import { ValidationError } from '../errors.ts'
import { findFamily } from '../models/families.ts'
import type { SelfHostedModel } from '../models/metadata.ts'

/**
 * Classic Duo Chat: GitLab's table names `duo_chat`; 18.x Rails signs classic chat for
 * `duo_classic_chat`, and a token may carry that one without `duo_chat` (which newer GitLab gives
 * Agentic Chat). Either grants these invokables.
 */
const CLASSIC_CHAT = ['duo_chat', 'duo_classic_chat'] as const

/** The unit primitives that grant each invokable; the first is the one GitLab's 403 names. */
export const V1_CHAT_PRIMITIVES: Readonly<Record<string, readonly [string, ...string[]]>> = {
  agent: CLASSIC_CHAT,
  explain_code: CLASSIC_CHAT,
  write_tests: CLASSIC_CHAT,
  refactor_code: CLASSIC_CHAT,
  // Not in GitLab's gateway, but 17.x Rails sends its /fix slash command here.
  fix_code: CLASSIC_CHAT,
  explain_vulnerability: ['explain_vulnerability'],
  summarize_comments: ['summarize_comments'],
  troubleshoot_job: ['troubleshoot_job'],
}

/** The model names GitLab's v1 chat accepts for `provider: litellm`, and the family each one's prompts and parameters follow. */
const LITELLM_MODELS: Readonly<Record<string, string>> = {
  codegemma: 'codegemma',
  codellama: 'codellama',
  codestral: 'codestral',
  'codestral-2501': 'codestral',
  'codestral-2508': 'codestral',
  mistral: 'mistral',
  mixtral: 'mixtral',
  deepseekcoder: 'deepseekcoder',
  claude_3: 'claude_3',
  gpt: 'gpt',
  'qwen2p5-coder-7b': 'qwen',
  llama3: 'llama3',
  general: 'general',
}

const text = (max: number) => z.string().check(z.maxLength(max))
const optionalText = (max: number) => z.optional(z.nullable(text(max)))

const payload = z.object({
  content: z.union([
    text(400_000),
    z
      .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: text(400_000) }))
      .check(z.minLength(1), z.maxLength(100)),
  ]),
  provider: z.optional(z.nullable(z.enum(['anthropic', 'litellm']))),
  model: z.optional(z.nullable(text(100))),
  params: z.optional(
    z.nullable(
      z.object({
        stop_sequences: z.optional(z.array(text(225)).check(z.minLength(1), z.maxLength(10))),
        temperature: z.optional(z.number().check(z.gte(0), z.lte(1))),
        max_tokens_to_sample: z.optional(z.int().check(z.gte(1), z.lte(8192))),
      }),
    ),
  ),
  model_endpoint: optionalText(255),
  model_api_key: optionalText(2000),
  model_identifier: optionalText(1000),
})

export const v1ChatBody = z.object({
  prompt_components: z
    .array(
      z.object({
        type: text(100),
        metadata: z.object({ source: text(100), version: text(100) }),
        payload,
      }),
    )
    .check(z.length(1)),
  stream: z.optional(z.nullable(z.boolean())),
})

export type V1ChatPayload = z.infer<typeof payload>

/** @throws ValidationError 422 unless the payload names a self-hosted (`litellm`) model this gateway knows. */
export function v1ChatModel(p: V1ChatPayload): SelfHostedModel {
  if (p.provider !== 'litellm') {
    throw new ValidationError(
      `prompt_components.0.payload.provider '${p.provider ?? 'anthropic'}' names a GitLab-managed model, which this self-hosted gateway does not serve; send provider 'litellm' with the self-hosted model`,
    )
  }
  const name = p.model ?? ''
  const familyName = Object.hasOwn(LITELLM_MODELS, name) ? LITELLM_MODELS[name] : undefined
  const family = familyName === undefined ? undefined : findFamily(familyName)
  if (!family)
    throw new ValidationError(
      `prompt_components.0.payload.model: unknown model '${name}'; use one of ${Object.keys(LITELLM_MODELS).join(', ')}`,
    )
  return {
    provider: 'litellm',
    family,
    metadata: { name, endpoint: p.model_endpoint, apiKey: p.model_api_key, identifier: p.model_identifier },
  }
}
