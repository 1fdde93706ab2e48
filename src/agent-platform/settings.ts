/**
 * The Agent Platform service's settings: the `DUO_WORKFLOW_*` names of GitLab's Duo Workflow
 * Service where it has them (matched case-insensitively, as the gateway's `AIGW_*` ones), parsed
 * once from the same string map. The service reads its GitLab and CustomersDot URLs from here and
 * falls back to the gateway's, so one set of key sources and caches serves both when they agree.
 *
 * GitLab's service reads a bare `PORT`; on many platforms that is the HTTP port, so the gRPC port is
 * `DUO_WORKFLOW_PORT` here.
 */
import * as z from 'zod/mini'
import { ConfigError } from '../config.ts'
import { flag, integer, maybeHttpUrl, pemPrivateKey, seconds, text } from '../settings.ts'

export interface AgentPlatformSettings {
  /** Node only: where the gRPC server listens; port null: the service is off. */
  host: string
  port: number | null
  tls: { enabled: boolean; certFile: string; keyFile: string }
  /** DUO_WORKFLOW_AUTH__ENABLED=false: every call is a debug user's (never in production). */
  authEnabled: boolean
  /** The GitLab instance whose OIDC keys verify tokens (DUO_WORKFLOW_AUTH__OIDC_GITLAB_URL, else AIGW_GITLAB_URL). */
  gitlabUrl: string | null
  /** CustomersDot (DUO_WORKFLOW_AUTH__OIDC_CUSTOMER_PORTAL_URL, else AIGW_CUSTOMER_PORTAL_URL); null: off. */
  customerPortalUrl: string | null
  /** Token audience, and issuer of the tokens GenerateToken mints. */
  serviceName: string
  selfSignedJwt: { signingKey: string | null; validationKey: string | null }
  /** How long SIGTERM lets open sessions save and end, in ms. */
  shutdownGraceMs: number
  /** The most request metadata accepted, in bytes (GitLab's service: 24 KiB; namespace id lists exceed it). */
  maxMetadataBytes: number
}

export const DEFAULT_GRPC_PORT = 50052
export const DEFAULT_SERVICE_NAME = 'gitlab-duo-workflow-service'

const schema = z.object({
  DUO_WORKFLOW_HOST: text('0.0.0.0'),
  // 0 turns the service off.
  DUO_WORKFLOW_PORT: integer(DEFAULT_GRPC_PORT, 0, 65535),
  DUO_WORKFLOW_TLS__ENABLED: flag(false),
  DUO_WORKFLOW_TLS__CERT_FILE: text(''),
  DUO_WORKFLOW_TLS__KEY_FILE: text(''),
  DUO_WORKFLOW_AUTH__ENABLED: flag(true),
  DUO_WORKFLOW_AUTH__OIDC_GITLAB_URL: maybeHttpUrl,
  DUO_WORKFLOW_AUTH__OIDC_CUSTOMER_PORTAL_URL: maybeHttpUrl,
  DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY: pemPrivateKey,
  DUO_WORKFLOW_SELF_SIGNED_JWT__VALIDATION_KEY: pemPrivateKey,
  DUO_WORKFLOW_CLOUD_CONNECTOR_SERVICE_NAME: text(DEFAULT_SERVICE_NAME),
  DUO_WORKFLOW_SHUTDOWN_GRACE_PERIOD_S: seconds(25, 3600),
  DUO_WORKFLOW_MAX_METADATA_BYTES: integer(64 * 1024, 24 * 1024, 1024 * 1024),
})

/**
 * GitLab's service reads these too; they mean nothing here (logging is the gateway's, and there is
 * no direct-HTTP mode or reflection), but an administrator who copies GitLab's settings is not
 * warned about them.
 */
const ACCEPTED_FOR_COMPATIBILITY = [
  'DUO_WORKFLOW_LOGGING__LEVEL',
  'DUO_WORKFLOW_LOGGING__JSON_FORMAT',
  'DUO_WORKFLOW_LOGGING__TO_FILE',
  'DUO_WORKFLOW_SERVICE_ENVIRONMENT',
  'DUO_WORKFLOW_DIRECT_CONNECTION_BASE_URL',
  'DUO_WORKFLOW_GITLAB_SSL_CA_FILE',
  'DUO_WORKFLOW_GRPC_REFLECTION_ENABLED',
]

/** Every DUO_WORKFLOW_* name this service reads or accepts (documentation and the unknown-name warnings). */
export const AGENT_PLATFORM_SETTING_NAMES: readonly string[] = [
  ...Object.keys(schema.shape),
  ...ACCEPTED_FOR_COMPATIBILITY,
]

/**
 * @param gateway the gateway's own URLs, the fallback of the OIDC ones.
 * @throws ConfigError naming every invalid variable.
 */
export function parseAgentPlatformSettings(
  env: Readonly<Record<string, unknown>>,
  gateway: { gitlabUrl: string; customerPortalUrl: string | null },
): AgentPlatformSettings {
  const upper: Record<string, string> = {}
  for (const [name, value] of Object.entries(env))
    if (typeof value === 'string' && /^duo_workflow_/i.test(name)) upper[name.toUpperCase()] = value
  const result = z.safeParse(schema, upper)
  if (!result.success)
    throw new ConfigError(result.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`))
  const s = result.data
  if (
    s.DUO_WORKFLOW_TLS__ENABLED &&
    (!s.DUO_WORKFLOW_TLS__CERT_FILE.trim() || !s.DUO_WORKFLOW_TLS__KEY_FILE.trim())
  ) {
    throw new ConfigError([
      'DUO_WORKFLOW_TLS__ENABLED: needs DUO_WORKFLOW_TLS__CERT_FILE and DUO_WORKFLOW_TLS__KEY_FILE',
    ])
  }
  // Unset means the gateway's CustomersDot; set to nothing turns it off, as AIGW_CUSTOMER_PORTAL_URL does.
  const portalSet = Object.keys(upper).includes('DUO_WORKFLOW_AUTH__OIDC_CUSTOMER_PORTAL_URL')
  return {
    host: s.DUO_WORKFLOW_HOST.trim() || '0.0.0.0',
    port: s.DUO_WORKFLOW_PORT || null,
    tls: {
      enabled: s.DUO_WORKFLOW_TLS__ENABLED,
      certFile: s.DUO_WORKFLOW_TLS__CERT_FILE.trim(),
      keyFile: s.DUO_WORKFLOW_TLS__KEY_FILE.trim(),
    },
    authEnabled: s.DUO_WORKFLOW_AUTH__ENABLED,
    gitlabUrl: s.DUO_WORKFLOW_AUTH__OIDC_GITLAB_URL ?? gateway.gitlabUrl,
    customerPortalUrl: portalSet ? s.DUO_WORKFLOW_AUTH__OIDC_CUSTOMER_PORTAL_URL : gateway.customerPortalUrl,
    serviceName: s.DUO_WORKFLOW_CLOUD_CONNECTOR_SERVICE_NAME,
    selfSignedJwt: {
      signingKey: s.DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY,
      validationKey: s.DUO_WORKFLOW_SELF_SIGNED_JWT__VALIDATION_KEY,
    },
    shutdownGraceMs: s.DUO_WORKFLOW_SHUTDOWN_GRACE_PERIOD_S,
    maxMetadataBytes: s.DUO_WORKFLOW_MAX_METADATA_BYTES,
  }
}
