/**
 * The Agent Platform service (GitLab's Duo Workflow Service, gRPC beside the gateway): its port and
 * transport with what GitLab must be told, its token checks, its GenerateToken keys, then whether
 * the port answers as GitLab calls it (grpc-health.ts). The keys are never printed.
 */
import { DEFAULT_SERVICE_NAME, type AgentPlatformSettings } from '../../src/agent-platform/settings.ts'
import type { AgentPlatformOptions } from './args.ts'
import { checkGrpcHealth } from './grpc-health.ts'
import { checkIssuer } from './issuer.ts'
import { checkKeyPair, GENERATE_KEY } from './keys.ts'
import { fail, pass, skip, warn, type CheckResult } from './report.ts'
import type { DoctorSettings } from './settings.ts'

const PORT = 'DUO_WORKFLOW_PORT'
const SIGNING_KEY = 'DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY'
const TITLES = {
  agent_platform_auth: 'Agent Platform authentication',
  agent_platform_signing_key: 'Agent Platform signing key',
  agent_platform_validation_key: 'Agent Platform validation key',
  agent_platform_health: 'Agent Platform port',
}

export async function checkAgentPlatform(
  settings: DoctorSettings,
  fetcher: typeof fetch,
  options: AgentPlatformOptions,
): Promise<CheckResult[]> {
  const service = settings.agentPlatform
  if (service.port === null) {
    const off = `not checked: the Agent Platform service is off (${PORT}=0)`
    return [
      skip(
        'agent_platform',
        'Agent Platform service',
        `off: ${PORT}=0, so GitLab's Agentic Chat (the default Duo Chat from GitLab 18.8) cannot use this gateway; set ${PORT}=50052 (the default) to serve it`,
      ),
      ...Object.entries(TITLES).map(([id, title]) => skip(id, title, off)),
    ]
  }
  const [oidc, keys, health] = await Promise.all([
    separateIssuer(settings, fetcher),
    checkKeyPair(settings, {
      id: 'agent_platform_',
      title: 'Agent Platform ',
      prefix: 'DUO_WORKFLOW_SELF_SIGNED_JWT',
      signingKey: service.selfSignedJwt.signingKey,
      validationKey: service.selfSignedJwt.validationKey,
      missing: {
        verdict: `${SIGNING_KEY} is not set: GenerateToken answers FAILED_PRECONDITION, so IDEs that connect to the service directly (GitLab's direct_access) and flows started from CI cannot get a token; Agentic Chat through GitLab (the web, and IDEs through Workhorse) works without it`,
        fix: `If IDEs connect directly or flows run from CI, set ${SIGNING_KEY} to an RSA private key: ${GENERATE_KEY}.`,
      },
    }),
    checkGrpcHealth(service, options),
  ])
  return [checkPort(settings, service), checkAuth(settings, service), ...oidc, ...keys, health]
}

/** The address and transport, and the two things GitLab's administrator sets to match them. */
function checkPort(settings: DoctorSettings, service: AgentPlatformSettings): CheckResult {
  const title = 'Agent Platform service'
  const refused = [...settings.problems].filter(([variable]) => /^DUO_WORKFLOW_/i.test(variable))
  if (refused.length) {
    return fail(
      'agent_platform',
      title,
      `the gateway refuses to start: ${refused.map(([variable, problem]) => `${variable}: ${problem}`).join('; ')}`,
      'Fix the variables named (docs/settings.md, "Agent Platform"); the checks below ran without them.',
      { problems: Object.fromEntries(refused) },
    )
  }
  const { host, port, tls } = service
  const details = { host, port, tls: tls.enabled, ...(tls.enabled ? { cert_file: tls.certFile } : {}) }
  const transport = tls.enabled ? `TLS (${tls.certFile})` : 'plaintext (h2c)'
  const gitlab = tls.enabled
    ? 'DUO_AGENT_PLATFORM_SERVICE_SECURE left at its default (true), and a certificate GitLab trusts for that host name'
    : 'DUO_AGENT_PLATFORM_SERVICE_SECURE=false in its environment (its default, true, dials TLS)'
  return pass(
    'agent_platform',
    title,
    `gRPC on ${host}:${port}, ${transport}. In GitLab: "Local URL for the GitLab Duo Agent Platform service" = <this host as GitLab reaches it>:${port} (no scheme), and ${gitlab}`,
    details,
  )
}

function checkAuth(settings: DoctorSettings, service: AgentPlatformSettings): CheckResult {
  const id = 'agent_platform_auth'
  const title = TITLES[id]
  if (!service.authEnabled) {
    return fail(
      id,
      title,
      'DUO_WORKFLOW_AUTH__ENABLED is false: every gRPC call is let in without a token, as a debug user who may do anything',
      'Remove DUO_WORKFLOW_AUTH__ENABLED (or set it to true) once troubleshooting is done.',
    )
  }
  const issuers = [service.gitlabUrl, service.customerPortalUrl].filter(Boolean).join(' and ')
  const details = {
    gitlab_url: service.gitlabUrl,
    customer_portal_url: service.customerPortalUrl,
    audience: service.serviceName,
  }
  if (service.serviceName !== DEFAULT_SERVICE_NAME) {
    return warn(
      id,
      title,
      `tokens must carry the audience ${service.serviceName} (DUO_WORKFLOW_CLOUD_CONNECTOR_SERVICE_NAME), but GitLab's carry ${DEFAULT_SERVICE_NAME}: every call from GitLab would be UNAUTHENTICATED`,
      `Unset DUO_WORKFLOW_CLOUD_CONNECTOR_SERVICE_NAME (its default is ${DEFAULT_SERVICE_NAME}).`,
      details,
    )
  }
  const own = settings.isSet('DUO_WORKFLOW_AUTH__OIDC_GITLAB_URL')
    ? ' (DUO_WORKFLOW_AUTH__OIDC_GITLAB_URL)'
    : ' (AIGW_GITLAB_URL, checked above)'
  return pass(
    id,
    title,
    `tokens are checked against the signing keys of ${issuers || 'no issuer'}${own}, audience ${service.serviceName}`,
    details,
  )
}

/** The service's own GitLab URL, when it names another instance than AIGW_GITLAB_URL: checked like that one. */
async function separateIssuer(settings: DoctorSettings, fetcher: typeof fetch): Promise<CheckResult[]> {
  const url = settings.agentPlatform.gitlabUrl
  if (!settings.isSet('DUO_WORKFLOW_AUTH__OIDC_GITLAB_URL') || !url || url === settings.config.gitlabUrl)
    return []
  const source = {
    id: 'agent_platform_gitlab',
    label: 'Agent Platform GitLab',
    variable: 'DUO_WORKFLOW_AUTH__OIDC_GITLAB_URL',
    url,
    required: true,
  }
  return (await checkIssuer(source, fetcher, settings)).results
}
