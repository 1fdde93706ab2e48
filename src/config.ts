/**
 * Gateway configuration: the `AIGW_*` variables of GitLab's AI Gateway, parsed once from a plain
 * string map (`process.env` on Node, the Worker's `env` vars and secrets on Workers).
 *
 * Naming follows GitLab's gateway (`AIGW_<GROUP>__<FIELD>`, matched case-insensitively, booleans
 * as pydantic parses them). Errors name the variable, never its value: values may be secrets.
 */
import * as z from 'zod/mini'

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical'

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
  }
  logging: {
    level: LogLevel
    formatJson: boolean
    /** GitLab's switch for logging request data; it also makes 422 bodies detailed. */
    enableRequestLogging: boolean
  }
  customModels: { enabled: boolean }
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
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

// pydantic's boolean words (GitLab's own tests set AIGW_AUTH__BYPASS_EXTERNAL=yes)
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 't', 'y'])
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'f', 'n'])
const LOG_LEVELS: Record<string, LogLevel> = {
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  critical: 'critical',
  fatal: 'critical',
}

type Issues = { issues: { push(issue: { code: 'custom'; message: string; input: unknown }): void } }

class SettingProblem extends Error {}

/**
 * One setting. `parse` gets the trimmed value: undefined when unset, '' when set to nothing (which
 * means "default" for scalars and "off" for optional features). Failures become zod issues.
 */
function setting<T>(parse: (value: string | undefined, fail: (message: string) => never) => T) {
  const fail = (message: string): never => {
    throw new SettingProblem(message)
  }
  return z.pipe(
    z.optional(z.string()),
    z.transform((raw: string | undefined, ctx: Issues) => {
      try {
        return parse(raw?.trim(), fail)
      } catch (error) {
        if (!(error instanceof SettingProblem)) throw error
        // input stays undefined: values may be secrets and must not reach logs or error bodies
        ctx.issues.push({ code: 'custom', message: error.message, input: undefined })
        return z.NEVER
      }
    }),
  )
}

const flag = (fallback: boolean) =>
  setting((value, fail) => {
    if (!value) return fallback
    const word = value.toLowerCase()
    if (TRUE_WORDS.has(word)) return true
    if (FALSE_WORDS.has(word)) return false
    return fail('expected a boolean (true/false, yes/no, on/off, 1/0)')
  })

const text = (fallback: string) => setting((value) => value || fallback)

const httpUrl = (fallback: string) => setting((value, fail) => parseHttpUrl(value || fallback, fail))

/** An optional feature's URL: unset means the default, an empty string turns the feature off. */
const optionalHttpUrl = (fallback: string) =>
  setting((value, fail) => (value === '' ? null : parseHttpUrl(value ?? fallback, fail)))

/** A route path such as `/docs`: unset means the default, empty (or `none`) turns the route off. */
const optionalRoutePath = (fallback: string) =>
  setting((value, fail) => {
    if (value === undefined) return fallback
    if (value === '' || value.toLowerCase() === 'none') return null
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(value) || value.includes('//')) {
      return fail('expected a path such as /docs')
    }
    return value.length > 1 ? value.replace(/\/$/, '') : value
  })

const integer = (fallback: number, min: number, max: number) =>
  setting((value, fail) => {
    if (!value) return fallback
    const n = Number(value)
    if (!/^\d+$/.test(value) || n < min || n > max) return fail(`expected a whole number from ${min} to ${max}`)
    return n
  })

const logLevel = setting((value, fail): LogLevel => {
  if (!value) return 'info'
  return LOG_LEVELS[value.toLowerCase()] ?? fail('expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL')
})

/**
 * An RSA private key in PEM form. Accepts the literal `\n` escapes GitLab's example.env uses. The
 * structure is checked here; the key itself is imported (and checked again) when the app starts.
 */
const pemPrivateKey = setting((value, fail) => {
  if (!value) return null
  const pem = value.replace(/\\n/g, '\n')
  const match = /-----BEGIN (RSA )?PRIVATE KEY-----([\s\S]+?)-----END (RSA )?PRIVATE KEY-----/.exec(pem)
  if (!match || match[1] !== match[3] || !/^[A-Za-z0-9+/=\s]+$/.test(match[2] ?? '')) {
    return fail('expected an RSA private key in PEM format (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)')
  }
  return match[0]
})

function parseHttpUrl(value: string, fail: (message: string) => never): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return fail('expected an http(s) URL such as https://gitlab.example.com')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('expected an http(s) URL')
  if (url.username || url.password) return fail('credentials in the URL are not supported')
  if (url.search || url.hash) return fail('expected a URL without query string or fragment')
  return url.href.replace(/\/+$/, '')
}

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
  AIGW_LOGGING__LEVEL: logLevel,
  AIGW_LOGGING__FORMAT_JSON: flag(true),
  AIGW_LOGGING__ENABLE_REQUEST_LOGGING: flag(false),
  AIGW_CUSTOM_MODELS__ENABLED: flag(false),
})

/** The variable names this gateway reads (for documentation and the config-drift test). */
export const SETTING_NAMES: readonly string[] = Object.keys(settingsSchema.shape)

/**
 * Parses the settings out of an environment-like map. Names are matched case-insensitively and
 * non-string values (Workers bindings) are ignored.
 * @throws ConfigError naming every invalid variable.
 */
export function parseConfig(env: Readonly<Record<string, unknown>>): Config {
  const upper: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string' && /^aigw_/i.test(name)) upper[name.toUpperCase()] = value
  }
  const result = z.safeParse(settingsSchema, upper)
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`))
  }
  const s = result.data
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
    },
    logging: {
      level: s.AIGW_LOGGING__LEVEL,
      formatJson: s.AIGW_LOGGING__FORMAT_JSON,
      enableRequestLogging: s.AIGW_LOGGING__ENABLE_REQUEST_LOGGING,
    },
    customModels: { enabled: s.AIGW_CUSTOM_MODELS__ENABLED },
  }
}
