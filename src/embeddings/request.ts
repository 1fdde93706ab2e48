/**
 * What `POST /v1/embeddings/code_embeddings` accepts (spec features §7.2): the body schema, and
 * the checks GitLab's route makes on `model_metadata`, with its 422 details. GitLab's `gitlab`
 * provider means a GitLab-managed embedding model; a self-hosted gateway has none, so that is a
 * 422 saying what to send instead.
 */
import * as z from 'zod/mini'
import { HttpError, ValidationError } from '../errors.ts'
import type { ModelMetadata } from '../models/target.ts'

/** The only model family GitLab's embeddings route takes with the `litellm` provider. */
export const EMBEDDING_FAMILY = 'embedding'

const optionalText = z.optional(z.nullable(z.string()))

export const embeddingsBody = z.object({
  model_metadata: z.object({
    provider: z.string(),
    identifier: z.string(),
    name: optionalText,
    endpoint: optionalText,
    api_key: optionalText,
  }),
  contents: z.array(z.string()),
  /** 0 or absent: the model's own length (GitLab sends it only when set). */
  dimensions: z.optional(z.nullable(z.int().check(z.nonnegative()))),
  /** A LiteLLM switch (drop what the provider does not support); nothing to drop on the OpenAI-compatible wire. */
  litellm_drop_params: z.optional(z.nullable(z.boolean())),
})

export type EmbeddingsBody = z.infer<typeof embeddingsBody>

export const embeddingsResponse = z.object({
  model: z.object({ engine: z.literal('litellm_embedding'), name: z.string(), identifier: z.string() }),
  predictions: z.array(z.object({ embedding: z.array(z.number()), index: z.int() })),
})

const ALLOWED_PROVIDERS = ['gitlab', 'litellm']

/** Limits of GitLab's model metadata (`create_model_metadata`). */
const LIMITS = { endpoint: 255, api_key: 2000, identifier: 1000 } as const

/**
 * The self-hosted embedding model the request names.
 * @throws ValidationError 422 with GitLab's detail (or one saying what to send for `gitlab`).
 */
export function embeddingModel(metadata: EmbeddingsBody['model_metadata']): ModelMetadata {
  const { provider } = metadata
  if (!ALLOWED_PROVIDERS.includes(provider))
    throw new ValidationError(`Allowed providers are: ${ALLOWED_PROVIDERS.join('|')}.`)
  if (provider === 'gitlab') {
    throw new ValidationError(
      'Provider `gitlab` names a GitLab-managed embedding model, which this self-hosted gateway does not serve; ' +
        "send provider `litellm` with name 'embedding', your model's endpoint and its identifier",
    )
  }
  if (!metadata.name) throw new ValidationError('Model `name` must be set when using `litellm` provider.')
  if (metadata.name !== EMBEDDING_FAMILY)
    throw new ValidationError(`Model \`name\` must be '${EMBEDDING_FAMILY}' when using \`litellm\` provider.`)
  if (!metadata.endpoint)
    throw new ValidationError('Model `endpoint` must be set when using `litellm` provider.')
  // GitLab would leave the model name to LiteLLM's guess; the upstream needs one.
  if (!metadata.identifier.trim())
    throw new ValidationError('Model `identifier` must be set when using `litellm` provider.')
  for (const [field, max] of Object.entries(LIMITS)) {
    const value = metadata[field as keyof typeof LIMITS]
    if (value && value.length > max)
      throw new ValidationError(
        `Error creating the model_metadata: ${field} must have at most ${max} characters`,
      )
  }
  if (!isHttpUrl(metadata.endpoint))
    throw new ValidationError('Error creating the model_metadata: endpoint must be an http(s) URL')
  return {
    name: metadata.name,
    endpoint: metadata.endpoint,
    apiKey: metadata.api_key,
    identifier: metadata.identifier,
  }
}

/**
 * @throws HttpError 400 naming the usable prefixes when the identifier's provider (split at the
 * first `/` as models/target.ts does; none is `custom_openai`) cannot compute embeddings.
 */
export function checkEmbeddingIdentifier(identifier: string, prefixes: readonly string[]): void {
  const trimmed = identifier.trim()
  const slash = trimmed.indexOf('/')
  const prefix = slash > 0 ? trimmed.slice(0, slash) : 'custom_openai'
  if (!prefixes.includes(prefix)) {
    throw new HttpError(
      400,
      `Model identifier prefix '${prefix}/' cannot be used for embeddings; use an OpenAI-compatible one: ${prefixes.map((p) => `${p}/`).join(', ')}`,
    )
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value.trim())
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}
