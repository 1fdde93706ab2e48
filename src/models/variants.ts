/**
 * Identifier prefixes (LiteLLM's provider names, as GitLab administrators type them) and how each
 * is called. Variants of a wire format are rows here, not modules: vLLM, Ollama, Mistral and
 * Fireworks are the OpenAI-compatible format with another default base, key or model prefix.
 */
import type { ProviderSettings } from '../config.ts'
import type { WireFormatName } from '../model-call/types.ts'

export interface Variant {
  format: WireFormatName
  /** Base URL when the request names none (the provider's public API); none: the request must name one. */
  defaultEndpoint?: (s: ProviderSettings) => string | null
  /**
   * The operator's key for this provider. Sent only to `defaultEndpoint`, never to an endpoint the
   * request named: a request must not be able to walk off with the gateway's credentials.
   */
  operatorKey?: (s: ProviderSettings) => string | undefined
  /** Key sent when there is no other (keyless OpenAI-compatible servers still want a bearer). */
  placeholderKey?: string
  /** Appended to the endpoint unless it already ends with it (Ollama's OpenAI API lives under /v1). */
  pathSuffix?: string
  /** Prepended to the model unless already there (Fireworks' account path). */
  modelPrefix?: string
  /** Where the call goes regardless of the request's endpoint (Bedrock and Vertex: from settings). */
  fixedEndpoint?: (s: ProviderSettings) => string
}

const DUMMY_KEY = 'dummy_key'

const openAiCompatible: Variant = { format: 'openai-chat', placeholderKey: DUMMY_KEY }

export const VARIANTS: Readonly<Record<string, Variant>> = {
  custom_openai: openAiCompatible,
  hosted_vllm: openAiCompatible,
  openai: {
    format: 'openai-chat',
    defaultEndpoint: (s) => s.openai.baseUrl,
    operatorKey: (s) => s.openai.apiKey,
    placeholderKey: DUMMY_KEY,
  },
  'text-completion-openai': { format: 'openai-text', placeholderKey: DUMMY_KEY },
  ollama: { ...openAiCompatible, pathSuffix: '/v1' },
  ollama_chat: { ...openAiCompatible, pathSuffix: '/v1' },
  lm_studio: openAiCompatible,
  mistral: {
    format: 'openai-chat',
    defaultEndpoint: (s) => s.mistral.baseUrl,
    operatorKey: (s) => s.mistral.apiKey,
  },
  codestral: {
    format: 'openai-chat',
    defaultEndpoint: (s) => s.mistral.baseUrl,
    operatorKey: (s) => s.mistral.apiKey,
  },
  fireworks_ai: {
    format: 'openai-chat',
    defaultEndpoint: (s) => s.fireworks.baseUrl,
    operatorKey: (s) => s.fireworks.apiKey,
    modelPrefix: 'accounts/fireworks/models/',
  },
  azure: { format: 'azure', defaultEndpoint: (s) => s.azure.baseUrl, operatorKey: (s) => s.azure.apiKey },
  anthropic: {
    format: 'anthropic',
    defaultEndpoint: (s) => s.anthropic.baseUrl,
    operatorKey: (s) => s.anthropic.apiKey,
  },
  bedrock: {
    format: 'bedrock',
    fixedEndpoint: (s) =>
      s.bedrock.endpointUrl ?? `https://bedrock-runtime.${s.bedrock.region}.amazonaws.com`,
  },
  vertex_ai: { format: 'vertex', fixedEndpoint: vertexEndpoint },
}

/** Vertex AI's regional endpoint for the configured project (`global` has no region prefix), or `VERTEXAI_API_BASE`. */
function vertexEndpoint(s: ProviderSettings): string {
  const { project, location, apiBase } = s.vertex
  const base =
    apiBase ??
    `https://${location === 'global' ? 'aiplatform.googleapis.com' : `${location}-aiplatform.googleapis.com`}`
  return `${base}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}`
}
