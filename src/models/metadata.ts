/**
 * Which self-hosted model a request names, in either of GitLab's wire shapes (spec features
 * §0.6, gitlab-client §5.2): the top-level `model_metadata` object (v3/v4 code, chat, prompts) or
 * the flat `model_*` fields of the v2 code routes.
 *
 * GitLab's gateway silently ignores a `model_metadata` it cannot use and falls back to a
 * GitLab-managed model this gateway cannot reach; here every such case is a 422 whose detail says
 * what to fix.
 */
import * as z from 'zod/mini'
import { ValidationError } from '../errors.ts'
import type { ModelMetadata } from './target.ts'
import { FAMILY_NAMES, findFamily, type ModelFamily } from './families.ts'

export interface SelfHostedModel {
  /** The provider as the request sent it (`litellm`, `openai`, `api`, `bedrock`...): GitLab echoes it as the model "engine". */
  provider: string
  family: ModelFamily
  /** Endpoint, key and identifier, for models/target.ts. */
  metadata: ModelMetadata
}

/** Providers that mean a GitLab-managed model: served by GitLab's cloud gateway, never by a self-hosted one. */
const GITLAB_MANAGED = new Set(['gitlab', 'amazon_q'])

const optionalText = (max: number) => z.optional(z.nullable(z.string().check(z.maxLength(max))))

const metadataSchema = z.object({
  provider: z.string().check(z.maxLength(100)),
  name: z.string().check(z.maxLength(100)),
  endpoint: optionalText(255),
  api_key: optionalText(2000),
  identifier: optionalText(1000),
})

/** The `model_metadata` schema as the OpenAPI document shows it. */
export const modelMetadataDoc = z.object({
  provider: z.string(),
  name: z.string(),
  endpoint: z.optional(z.nullable(z.string())),
  api_key: z.optional(z.nullable(z.string())),
  identifier: z.optional(z.nullable(z.string())),
})

/**
 * The self-hosted model of a top-level `model_metadata` value, or undefined when the request has
 * none (absent or null).
 * @throws ValidationError 422 naming the field to fix.
 */
export function parseModelMetadata(value: unknown): SelfHostedModel | undefined {
  if (value === undefined || value === null) return undefined
  // First: such metadata has no family name, and the schema's complaint about it would mislead.
  const named = (value as { provider?: unknown }).provider
  if (typeof named === 'string' && GITLAB_MANAGED.has(named)) throw gitlabManaged(named)
  const parsed = z.safeParse(metadataSchema, value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = ['model_metadata', ...issue.path.map(String)].join('.')
    throw new ValidationError(
      `${field}: ${issue.message}. Expected {"provider", "name" (the model family), "endpoint", "api_key", "identifier"}`,
    )
  }
  const { provider, name, endpoint, api_key: apiKey, identifier } = parsed.data
  return {
    provider,
    family: familyNamed(name, 'model_metadata.name'),
    metadata: { name, endpoint, apiKey, identifier },
  }
}

/**
 * The self-hosted model a top-level `model_metadata` names; a request without one is a 422 that
 * says what to send (GitLab would fall back to a GitLab-managed model this gateway cannot reach).
 * @throws ValidationError
 */
export function requireModelMetadata(value: unknown): SelfHostedModel {
  const model = parseModelMetadata(value)
  if (model) return model
  throw new ValidationError(
    'No self-hosted model in the request: send a top-level model_metadata ' +
      `{"provider", "name" (the model family, one of ${FAMILY_NAMES.join(', ')}), "endpoint", "api_key", "identifier"}`,
  )
}

function gitlabManaged(provider: string): ValidationError {
  return new ValidationError(
    `model_metadata.provider '${provider}' names a GitLab-managed model, which this self-hosted gateway does not serve; ` +
      'configure a self-hosted model for the feature in GitLab',
  )
}

export interface FlatModelFields {
  model_provider?: string | null | undefined
  model_name?: string | null | undefined
  model_endpoint?: string | null | undefined
  model_api_key?: string | null | undefined
  model_identifier?: string | null | undefined
}

/** The self-hosted model of the v2 code routes' flat fields (the caller has checked `model_provider`). */
export function flatModel(fields: FlatModelFields, provider: string): SelfHostedModel {
  const name = fields.model_name?.trim()
  if (!name)
    throw new ValidationError(
      `model_name is required with model_provider '${provider}': the self-hosted model's family, one of ${FAMILY_NAMES.join(', ')}`,
    )
  return {
    provider,
    family: familyNamed(name, 'model_name'),
    metadata: {
      name,
      endpoint: fields.model_endpoint,
      apiKey: fields.model_api_key,
      identifier: fields.model_identifier,
    },
  }
}

function familyNamed(name: string, field: string): ModelFamily {
  const family = findFamily(name)
  if (!family)
    throw new ValidationError(
      `${field}: unknown model family '${name}'; use one of ${FAMILY_NAMES.join(', ')}`,
    )
  return family
}
