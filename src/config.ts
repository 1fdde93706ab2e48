/**
 * Gateway configuration: the `AIGW_*` variables of GitLab's AI Gateway, parsed once from a plain
 * string map (`process.env` on Node, the Worker's `env` vars and secrets on Workers).
 *
 * Naming follows GitLab's gateway (`AIGW_<GROUP>__<FIELD>`, matched case-insensitively, booleans
 * as pydantic parses them). Errors name the variable, never its value: values may be secrets.
 */
import * as z from 'zod/mini'
import {
  flag,
  headerMap,
  hostList,
  httpUrl,
  integer,
  list,
  logLevel,
  maybeHttpUrl,
  optionalHttpUrl,
  optionalRoutePath,
  pemPrivateKey,
  seconds,
  secret,
  text,
} from './settings.ts'
import type { LogLevel } from './settings.ts'

export type { LogLevel } from './settings.ts'

export interface Config {
  environment: string
  /** GitLab instance URL, without a trailing slash; its path (relative URL root) is kept. */
  gitlabUrl: string
  gitlabApiUrl: string
  /** CustomersDot URL, or null when set to an empty string (air-gapped installs). */
  customerPortalUrl: string | null
  /** JWT audience and issuer of gateway-minted tokens. */
  serviceName: string
  auth: {
    bypassExternal: boolean
    bypassExternalWithHeader: boolean
    bypassJwtSignature: boolean
    /** Compare a non-gateway token's `sub` with `X-Gitlab-Instance-Id` (GitLab's library did). */
    checkSubjectInstanceId: boolean
    /** How many verified tokens to remember (0: verify every request's signature). */
    tokenCacheSize: number
  }
  selfSignedJwt: {
    /** PEM text of the RSA private key that signs user access tokens, or null. */
    signingKey: string | null
    /** PEM text of the previous signing key, still accepted for validation, or null. */
    validationKey: string | null
  }
  server: {
    host: string
    port: number
    /** Path of the API reference page, or null when disabled. */
    docsUrl: string | null
    /** Path of the OpenAPI document, or null when disabled. */
    openapiUrl: string | null
    maxRequestBodyBytes: number
    /** Node only: longest a client may take to send a request's headers, in ms (slow-header clients). */
    headersTimeoutMs: number
    /** Node only: longest a client may take to send a whole request, body included, in ms. */
    requestTimeoutMs: number
  }
  logging: {
    level: LogLevel
    formatJson: boolean
    /** GitLab's switch for logging request data; it also makes 422 bodies detailed. */
    enableRequestLogging: boolean
  }
  customModels: {
    /** Requests may name their own model endpoint and key (self-hosted models). */
    enabled: boolean
    /** Hosts (optionally `host:port`, `*.domain`) a request may name as its model endpoint; null: any but link-local. */
    allowedHosts: readonly string[] | null
    /** Every model call is made non-streaming; streamed answers then arrive as one chunk. */
    disableStreaming: boolean
    /** Headers added to every self-hosted model call (tracing, a gateway's routing header...). */
    extraHeaders: Readonly<Record<string, string>>
  }
  /** GitLab's `RUNWAY_REGION`, reported in code-suggestion answers (`us-central1` when unset, as GitLab does). */
  region: string
  models: {
    /** AIGW_MOCK_MODEL_RESPONSES: every model call gets a canned answer, no upstream is called. */
    mock: boolean
    /** Longest a non-streaming upstream call may take, in ms. */
    timeoutMs: number
    /** Longest a stream may go without a byte from upstream (the first one included), in ms. */
    streamIdleTimeoutMs: number
    /** Longest a streamed answer may take in all, however steadily it flows, in ms. */
    streamTimeoutMs: number
    /** Longest a streamed answer may take until its first output to the client, in ms. */
    firstOutputTimeoutMs: number
    /**
     * Most bytes of one upstream answer the gateway holds in memory: a whole non-streamed answer,
     * one server-sent event, one Bedrock event-stream message, the text a chat turn accumulates.
     */
    maxResponseBytes: number
  }
  providers: ProviderSettings
  proxy: {
    /** Instance uids (self-managed) allowed to use /v1/proxy/*; empty: all. */
    selfManagedEnabled: readonly string[]
    /** Root namespace ids (SaaS) allowed to use /v1/proxy/*; empty: all. */
    saasEnabled: readonly string[]
  }
  docsSearch: {
    /** Node only: the SQLite file of the documentation index (GitLab's `docs.db` schema), or null: search finds nothing. */
    indexPath: string | null
  }
  /** Node only: HTTPS serving (node-entry/tls.ts reads the files). On Workers Cloudflare terminates TLS. */
  serverTls: { enabled: boolean; certFile: string; keyFile: string; ciphers: string }
  /** Node only: the client certificate model calls present (node-entry/tls.ts); Workers use an mTLS binding. */
  mtls: {
    enabled: boolean
    certFile: string
    keyFile: string
    keyPassword: string | undefined
    verify: boolean
    caBundle: string
  }
  /** Node only: the Prometheus metrics server (node-entry/metrics-server.ts); port null: off. Workers have no second port. */
  metrics: { host: string; port: number | null }
}

/**
 * Provider credentials and bases, under the names their SDKs and LiteLLM read. An API key is
 * `undefined` when the variable is unset and `''` when it is set to nothing (GitLab's OpenAI proxy
 * tells those apart).
 */
export interface ProviderSettings {
  openai: { baseUrl: string; apiKey: string | undefined }
  anthropic: { baseUrl: string; apiKey: string | undefined }
  mistral: { baseUrl: string; apiKey: string | undefined }
  fireworks: { baseUrl: string; apiKey: string | undefined }
  azure: { apiVersion: string; apiKey: string | undefined; baseUrl: string | null }
  bedrock: {
    region: string
    /** Runtime endpoint override (a VPC endpoint or a private mirror), or null for the regional AWS one. */
    endpointUrl: string | null
    accessKeyId: string | undefined
    secretAccessKey: string | undefined
    sessionToken: string | undefined
    /** Bedrock API key (`AWS_BEARER_TOKEN_BEDROCK`): sent as a bearer token instead of signing. */
    bearerToken: string | undefined
  }
  vertex: {
    project: string
    location: string
    /** The service-account key JSON (text), or undefined. */
    serviceAccountJson: string | undefined
    /** Base URL of `vertex_ai/` model calls instead of `https://<location>-aiplatform.googleapis.com` (a Private Service Connect endpoint, a mirror), or null. */
    apiBase: string | null
    /** Proxy upstream: the gateway's project, location and endpoint (`https://` is added when absent). */
    proxyProject: string
    proxyLocation: string
    proxyEndpoint: string
  }
}

/** Raised when the configuration cannot be used; every message starts with a variable's name. */
export class ConfigError extends Error {
  readonly problems: readonly string[]
  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export const DEFAULT_PORT = 5052
export const DEFAULT_METRICS_PORT = 8082
export const DEFAULT_TOKEN_CACHE_SIZE = 10_000
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
/** Far below a 512 MiB container: a whole answer is held a few times over while it is parsed. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024

const settingsSchema = z.object({
  AIGW_ENVIRONMENT: text('production'),
  AIGW_GITLAB_URL: httpUrl('https://gitlab.com'),
  AIGW_GITLAB_API_URL: httpUrl('https://gitlab.com/api/v4/'),
  AIGW_CUSTOMER_PORTAL_URL: optionalHttpUrl('https://customers.gitlab.com'),
  AIGW_CLOUD_CONNECTOR_SERVICE_NAME: text('gitlab-ai-gateway'),
  AIGW_AUTH__BYPASS_EXTERNAL: flag(false),
  AIGW_AUTH__BYPASS_EXTERNAL_WITH_HEADER: flag(false),
  AIGW_AUTH__BYPASS_JWT_SIGNATURE: flag(false),
  AIGW_AUTH__CHECK_SUBJECT_INSTANCE_ID: flag(true),
  AIGW_SELF_SIGNED_JWT__SIGNING_KEY: pemPrivateKey,
  AIGW_SELF_SIGNED_JWT__VALIDATION_KEY: pemPrivateKey,
  AIGW_FASTAPI__API_HOST: text('0.0.0.0'),
  AIGW_FASTAPI__API_PORT: integer(DEFAULT_PORT, 1, 65535),
  AIGW_FASTAPI__DOCS_URL: optionalRoutePath('/docs'),
  AIGW_FASTAPI__OPENAPI_URL: optionalRoutePath('/openapi.json'),
  AIGW_FASTAPI__MAX_REQUEST_BODY_BYTES: integer(DEFAULT_MAX_BODY_BYTES, 1024, 1024 * 1024 * 1024),
  // Node's own defaults (60 s / 300 s, checked every 30 s) let a slow client hold a socket for minutes.
  AIGW_FASTAPI__HEADERS_TIMEOUT_S: seconds(10, 600),
  AIGW_FASTAPI__REQUEST_TIMEOUT_S: seconds(60, 3600),
  AIGW_LOGGING__LEVEL: logLevel,
  AIGW_LOGGING__FORMAT_JSON: flag(true),
  AIGW_LOGGING__ENABLE_REQUEST_LOGGING: flag(false),
  AIGW_AUTH__TOKEN_CACHE_SIZE: integer(DEFAULT_TOKEN_CACHE_SIZE, 0, 1_000_000),
  // GitLab's default is false, but its self-hosted image sets true: this gateway is for self-hosted models.
  AIGW_CUSTOM_MODELS__ENABLED: flag(true),
  AIGW_CUSTOM_MODELS__ALLOWED_HOSTS: hostList,
  AIGW_CUSTOM_MODELS__DISABLE_STREAMING: flag(false),
  AIGW_CUSTOM_MODELS__EXTRA_HEADERS: headerMap,
  AIGW_MOCK_MODEL_RESPONSES: flag(false),
  AIGW_UPSTREAM__TIMEOUT_S: seconds(600, 3600),
  AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S: seconds(120, 3600),
  // GitLab's own client waits 60 s for an answer by default; its administrators can raise that to 600 s.
  AIGW_UPSTREAM__STREAM_TIMEOUT_S: seconds(600, 3600),
  AIGW_UPSTREAM__FIRST_OUTPUT_TIMEOUT_S: seconds(60, 3600),
  AIGW_UPSTREAM__MAX_RESPONSE_BYTES: integer(DEFAULT_MAX_RESPONSE_BYTES, 64 * 1024, 1024 * 1024 * 1024),
  AIGW_PROXY_ENDPOINTS__SELF_MANAGED_ENABLED: list,
  AIGW_PROXY_ENDPOINTS__SAAS_ENABLED: list,
  AIGW_MODEL_KEYS__MISTRAL_API_KEY: secret,
  AIGW_MODEL_KEYS__FIREWORKS_PROVIDER_API_KEY: secret,
  AIGW_FIREWORKS_API_BASE_URL: httpUrl('https://api.fireworks.ai/inference/v1'),
  AIGW_GOOGLE_CLOUD_PLATFORM__PROJECT: text(''),
  AIGW_GOOGLE_CLOUD_PLATFORM__LOCATION: text(''),
  AIGW_GOOGLE_CLOUD_PLATFORM__SERVICE_ACCOUNT_JSON_KEY: secret,
  AIGW_VERTEX_TEXT_MODEL__PROJECT: text(''),
  AIGW_VERTEX_TEXT_MODEL__LOCATION: text(''),
  AIGW_VERTEX_TEXT_MODEL__ENDPOINT: text(''),
  AIGW_DOCS_SEARCH__INDEX_PATH: text(''),
  AIGW_FASTAPI__TLS__ENABLED: flag(false),
  AIGW_FASTAPI__TLS__CERT_FILE: text(''),
  AIGW_FASTAPI__TLS__KEY_FILE: text(''),
  AIGW_FASTAPI__TLS__SSL_CIPHERS: text('TLSv1'),
  AIGW_MTLS__ENABLED: flag(false),
  AIGW_MTLS__CERT_FILE: text(''),
  AIGW_MTLS__KEY_FILE: text(''),
  AIGW_MTLS__KEY_PASSWORD: secret,
  AIGW_MTLS__VERIFY: flag(true),
  AIGW_MTLS__CA_BUNDLE: text(''),
  AIGW_FASTAPI__METRICS_HOST: text('0.0.0.0'),
  // 0 turns the metrics server off (an ephemeral port is of no use to a Prometheus scrape config).
  AIGW_FASTAPI__METRICS_PORT: integer(DEFAULT_METRICS_PORT, 0, 65535),
})

/**
 * Settings outside the AIGW_ namespace, read by exact (case-sensitive) name as the provider SDKs
 * and LiteLLM read them.
 */
const providerEnvSchema = z.object({
  OPENAI_API_KEY: secret,
  OPENAI_BASE_URL: httpUrl('https://api.openai.com/v1'),
  ANTHROPIC_API_KEY: secret,
  ANTHROPIC_BASE_URL: httpUrl('https://api.anthropic.com'),
  MISTRAL_API_BASE: httpUrl('https://api.mistral.ai/v1'),
  AZURE_API_KEY: secret,
  AZURE_API_BASE: maybeHttpUrl,
  AZURE_API_VERSION: text('2024-10-21'),
  AWS_ACCESS_KEY_ID: secret,
  AWS_SECRET_ACCESS_KEY: secret,
  AWS_SESSION_TOKEN: secret,
  AWS_BEARER_TOKEN_BEDROCK: secret,
  AWS_REGION_NAME: text(''),
  AWS_REGION: text(''),
  AWS_DEFAULT_REGION: text(''),
  AWS_BEDROCK_RUNTIME_ENDPOINT: maybeHttpUrl,
  VERTEXAI_LOCATION: text(''),
  VERTEXAI_API_BASE: maybeHttpUrl,
  RUNWAY_REGION: text(''),
})

/** The variable names this gateway reads (for documentation and the config-drift test). */
export const SETTING_NAMES: readonly string[] = [
  ...Object.keys(settingsSchema.shape),
  ...Object.keys(providerEnvSchema.shape),
]

/**
 * Parses the settings out of an environment-like map. Names are matched case-insensitively and
 * non-string values (Workers bindings) are ignored.
 * @throws ConfigError naming every invalid variable.
 */
export function parseConfig(env: Readonly<Record<string, unknown>>): Config {
  const upper: Record<string, string> = {}
  const exact: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string') continue
    if (/^aigw_/i.test(name)) upper[name.toUpperCase()] = value
    else if (name in providerEnvSchema.shape) exact[name] = value
  }
  const result = z.safeParse(settingsSchema, upper)
  const providerResult = z.safeParse(providerEnvSchema, exact)
  const issues = [...(result.error?.issues ?? []), ...(providerResult.error?.issues ?? [])]
  if (!result.success || !providerResult.success) {
    throw new ConfigError(issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`))
  }
  const s = result.data
  const p = providerResult.data
  if (s.AIGW_FASTAPI__DOCS_URL !== null && s.AIGW_FASTAPI__DOCS_URL === s.AIGW_FASTAPI__OPENAPI_URL) {
    throw new ConfigError(['AIGW_FASTAPI__OPENAPI_URL: must differ from AIGW_FASTAPI__DOCS_URL'])
  }
  return {
    environment: s.AIGW_ENVIRONMENT,
    gitlabUrl: s.AIGW_GITLAB_URL,
    gitlabApiUrl: s.AIGW_GITLAB_API_URL,
    customerPortalUrl: s.AIGW_CUSTOMER_PORTAL_URL,
    serviceName: s.AIGW_CLOUD_CONNECTOR_SERVICE_NAME,
    auth: {
      bypassExternal: s.AIGW_AUTH__BYPASS_EXTERNAL,
      bypassExternalWithHeader: s.AIGW_AUTH__BYPASS_EXTERNAL_WITH_HEADER,
      bypassJwtSignature: s.AIGW_AUTH__BYPASS_JWT_SIGNATURE,
      checkSubjectInstanceId: s.AIGW_AUTH__CHECK_SUBJECT_INSTANCE_ID,
      tokenCacheSize: s.AIGW_AUTH__TOKEN_CACHE_SIZE,
    },
    selfSignedJwt: {
      signingKey: s.AIGW_SELF_SIGNED_JWT__SIGNING_KEY,
      validationKey: s.AIGW_SELF_SIGNED_JWT__VALIDATION_KEY,
    },
    server: {
      host: s.AIGW_FASTAPI__API_HOST,
      port: s.AIGW_FASTAPI__API_PORT,
      docsUrl: s.AIGW_FASTAPI__DOCS_URL,
      openapiUrl: s.AIGW_FASTAPI__OPENAPI_URL,
      maxRequestBodyBytes: s.AIGW_FASTAPI__MAX_REQUEST_BODY_BYTES,
      headersTimeoutMs: s.AIGW_FASTAPI__HEADERS_TIMEOUT_S,
      requestTimeoutMs: s.AIGW_FASTAPI__REQUEST_TIMEOUT_S,
    },
    logging: {
      level: s.AIGW_LOGGING__LEVEL,
      formatJson: s.AIGW_LOGGING__FORMAT_JSON,
      enableRequestLogging: s.AIGW_LOGGING__ENABLE_REQUEST_LOGGING,
    },
    customModels: {
      enabled: s.AIGW_CUSTOM_MODELS__ENABLED,
      allowedHosts: s.AIGW_CUSTOM_MODELS__ALLOWED_HOSTS,
      disableStreaming: s.AIGW_CUSTOM_MODELS__DISABLE_STREAMING,
      extraHeaders: s.AIGW_CUSTOM_MODELS__EXTRA_HEADERS ?? {},
    },
    region: p.RUNWAY_REGION || 'us-central1',
    models: {
      mock: s.AIGW_MOCK_MODEL_RESPONSES,
      timeoutMs: s.AIGW_UPSTREAM__TIMEOUT_S,
      streamIdleTimeoutMs: s.AIGW_UPSTREAM__STREAM_IDLE_TIMEOUT_S,
      streamTimeoutMs: s.AIGW_UPSTREAM__STREAM_TIMEOUT_S,
      firstOutputTimeoutMs: s.AIGW_UPSTREAM__FIRST_OUTPUT_TIMEOUT_S,
      maxResponseBytes: s.AIGW_UPSTREAM__MAX_RESPONSE_BYTES,
    },
    providers: providerSettings(s, p),
    proxy: {
      selfManagedEnabled: s.AIGW_PROXY_ENDPOINTS__SELF_MANAGED_ENABLED,
      saasEnabled: s.AIGW_PROXY_ENDPOINTS__SAAS_ENABLED,
    },
    docsSearch: { indexPath: s.AIGW_DOCS_SEARCH__INDEX_PATH || null },
    serverTls: {
      enabled: s.AIGW_FASTAPI__TLS__ENABLED,
      certFile: s.AIGW_FASTAPI__TLS__CERT_FILE.trim(),
      keyFile: s.AIGW_FASTAPI__TLS__KEY_FILE.trim(),
      ciphers: s.AIGW_FASTAPI__TLS__SSL_CIPHERS.trim(),
    },
    mtls: {
      enabled: s.AIGW_MTLS__ENABLED,
      certFile: s.AIGW_MTLS__CERT_FILE.trim(),
      keyFile: s.AIGW_MTLS__KEY_FILE.trim(),
      keyPassword: s.AIGW_MTLS__KEY_PASSWORD || undefined,
      verify: s.AIGW_MTLS__VERIFY,
      caBundle: s.AIGW_MTLS__CA_BUNDLE.trim(),
    },
    metrics: {
      host: s.AIGW_FASTAPI__METRICS_HOST.trim() || '0.0.0.0',
      port: s.AIGW_FASTAPI__METRICS_PORT || null,
    },
  }
}

type Parsed<T extends z.ZodMiniType> = z.infer<T>

/** GitLab's inheritance: the Vertex proxy settings fall back to the Google Cloud ones, then to the region. */
function providerSettings(
  s: Parsed<typeof settingsSchema>,
  p: Parsed<typeof providerEnvSchema>,
): ProviderSettings {
  const gcpLocation = s.AIGW_GOOGLE_CLOUD_PLATFORM__LOCATION || p.RUNWAY_REGION || 'us-central1'
  const proxyLocation = s.AIGW_VERTEX_TEXT_MODEL__LOCATION || gcpLocation
  return {
    openai: { baseUrl: p.OPENAI_BASE_URL, apiKey: p.OPENAI_API_KEY },
    anthropic: { baseUrl: p.ANTHROPIC_BASE_URL, apiKey: p.ANTHROPIC_API_KEY },
    mistral: { baseUrl: p.MISTRAL_API_BASE, apiKey: s.AIGW_MODEL_KEYS__MISTRAL_API_KEY },
    fireworks: {
      baseUrl: s.AIGW_FIREWORKS_API_BASE_URL,
      apiKey: s.AIGW_MODEL_KEYS__FIREWORKS_PROVIDER_API_KEY,
    },
    azure: { apiVersion: p.AZURE_API_VERSION, apiKey: p.AZURE_API_KEY, baseUrl: p.AZURE_API_BASE },
    bedrock: {
      region: p.AWS_REGION_NAME || p.AWS_REGION || p.AWS_DEFAULT_REGION || 'us-east-1',
      endpointUrl: p.AWS_BEDROCK_RUNTIME_ENDPOINT,
      accessKeyId: p.AWS_ACCESS_KEY_ID || undefined,
      secretAccessKey: p.AWS_SECRET_ACCESS_KEY || undefined,
      sessionToken: p.AWS_SESSION_TOKEN || undefined,
      bearerToken: p.AWS_BEARER_TOKEN_BEDROCK || undefined,
    },
    vertex: {
      project: s.AIGW_GOOGLE_CLOUD_PLATFORM__PROJECT,
      // LiteLLM's self-hosted Vertex calls: VERTEXAI_LOCATION, else the global endpoint.
      location: p.VERTEXAI_LOCATION || 'global',
      serviceAccountJson: s.AIGW_GOOGLE_CLOUD_PLATFORM__SERVICE_ACCOUNT_JSON_KEY || undefined,
      apiBase: p.VERTEXAI_API_BASE,
      proxyProject: s.AIGW_VERTEX_TEXT_MODEL__PROJECT || s.AIGW_GOOGLE_CLOUD_PLATFORM__PROJECT,
      proxyLocation,
      proxyEndpoint: vertexEndpoint(
        s.AIGW_VERTEX_TEXT_MODEL__ENDPOINT || `${proxyLocation}-aiplatform.googleapis.com`,
      ),
    },
  }
}

/** GitLab's setting is a bare host; a full URL (a private mirror, a test fake) is accepted too. */
function vertexEndpoint(value: string): string {
  return (/^https?:\/\//.test(value) ? value : `https://${value}`).replace(/\/+$/, '')
}
