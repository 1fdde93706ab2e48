/**
 * From a self-hosted model's metadata (what GitLab sends: family name, endpoint, key, identifier)
 * to a `ModelTarget`, with GitLab's rules (spec features §4.4):
 * - `provider/model` is split at the first `/`: `custom_openai/mistralai/Mistral-7B` calls model
 *   `mistralai/Mistral-7B` on an OpenAI-compatible server; a bare identifier is `custom_openai`;
 * - no identifier at all: `custom_openai/<family name>` (GitLab leaves LiteLLM to guess);
 * - the endpoint loses its trailing `/`, and is ignored for Bedrock and Vertex;
 * - no key for an OpenAI-compatible server: the literal `dummy_key`.
 */
import type { ProviderSettings } from '../config.ts'
import { HttpError } from '../errors.ts'
import { ProviderSetupError, type ModelTarget } from '../model-call/types.ts'
import { VARIANTS } from './variants.ts'

export interface ModelMetadata {
  /** The model family (`codestral`, `llama3`, `gpt`...). */
  name: string
  endpoint?: string | null | undefined
  apiKey?: string | null | undefined
  identifier?: string | null | undefined
}

/** What an API key may hold to travel in an HTTP header unchanged on every runtime. */
const HEADER_SAFE = /^[\x20-\x7e]+$/

export function resolveTarget(metadata: ModelMetadata, settings: ProviderSettings): ModelTarget {
  const identifier = metadata.identifier?.trim() || `custom_openai/${metadata.name}`
  const slash = identifier.indexOf('/')
  const provider = slash > 0 ? identifier.slice(0, slash) : 'custom_openai'
  let model = slash > 0 ? identifier.slice(slash + 1) : identifier
  const variant = VARIANTS[provider]
  if (!variant) {
    throw new HttpError(
      400,
      `Unsupported model identifier prefix '${provider}/'; use one of: ${Object.keys(VARIANTS).join(', ')}`,
    )
  }
  if (!model)
    throw new HttpError(400, `The model identifier '${identifier}' names no model after '${provider}/'`)
  if (variant.modelPrefix && !model.startsWith(variant.modelPrefix.split('/')[0]! + '/'))
    model = variant.modelPrefix + model
  const requestKey = metadata.apiKey || undefined
  if (requestKey !== undefined && !HEADER_SAFE.test(requestKey)) {
    // It goes into a header; the runtimes would refuse it there (Node, with the key in the message) or mangle it (workerd).
    throw new HttpError(400, 'The model API key may only contain printable ASCII characters')
  }

  if (variant.fixedEndpoint) {
    if (variant.format === 'vertex' && !settings.vertex.project) {
      throw new ProviderSetupError('Vertex AI models need AIGW_GOOGLE_CLOUD_PLATFORM__PROJECT to be set')
    }
    return {
      format: variant.format,
      provider,
      upstreamModel: model,
      endpoint: variant.fixedEndpoint(settings),
      ...(requestKey ? { apiKey: requestKey } : {}),
      requestSuppliedEndpoint: false,
    }
  }

  const requested = metadata.endpoint?.trim()
  const endpoint = requested
    ? normaliseEndpoint(requested, variant.pathSuffix)
    : variant.defaultEndpoint?.(settings)
  if (!endpoint) throw new HttpError(400, `A model endpoint is required for '${provider}/' models`)
  const operatorKey = requested ? undefined : variant.operatorKey?.(settings) || undefined
  const apiKey = requestKey ?? operatorKey ?? variant.placeholderKey
  return {
    format: variant.format,
    provider,
    upstreamModel: model,
    endpoint,
    ...(apiKey ? { apiKey } : {}),
    requestSuppliedEndpoint: Boolean(requested),
  }
}

function normaliseEndpoint(value: string, pathSuffix: string | undefined): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new HttpError(400, 'The model endpoint is not a valid URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HttpError(400, 'The model endpoint must be an http(s) URL')
  if (url.username || url.password)
    throw new HttpError(400, 'The model endpoint must not contain credentials; send the key as the API key')
  if (url.search || url.hash)
    throw new HttpError(400, 'The model endpoint must not have a query string or fragment')
  let base = url.href.replace(/\/+$/, '')
  if (pathSuffix && !base.endsWith(pathSuffix)) base += pathSuffix
  return base
}
