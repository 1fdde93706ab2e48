/**
 * Does the Agent Platform port answer as GitLab calls it? grpc.health.v1.Health/Check, then
 * ListTools (what GitLab's admin "GitLab Duo health check" calls; without GitLab's token it must
 * answer UNAUTHENTICATED). At the address given (`--agent-platform-url`, GitLab's "Local URL":
 * host:port) or at this machine's configured port. Plaintext and TLS are both tried, since the
 * usual mistake is a mismatch with GitLab's DUO_AGENT_PLATFORM_SERVICE_SECURE.
 */
import type { AgentPlatformSettings } from '../../src/agent-platform/settings.ts'
import type { AgentPlatformOptions } from './args.ts'
import { isAnswer, openGrpcSession, type GrpcAddress } from './grpc-probe.ts'
import type { NetworkFailure } from './probe.ts'
import { fail, pass, skip, warn, type CheckResult } from './report.ts'
import { probeTls } from './tls-probe.ts'

const ID = 'agent_platform_health'
const TITLE = 'Agent Platform port'
const TIMEOUT_MS = 5_000
const STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN']
const CODE: Record<number, string> = {
  0: 'OK',
  4: 'DEADLINE_EXCEEDED',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
}
const codeName = (code: number) => CODE[code] ?? `status ${code}`
const secure = (tls: boolean) => `DUO_AGENT_PLATFORM_SERVICE_SECURE=${tls}`

export async function checkGrpcHealth(
  service: AgentPlatformSettings,
  options: AgentPlatformOptions,
): Promise<CheckResult> {
  const given = options.url !== undefined
  const address = given
    ? parseAddress(options.url!)
    : { host: loopbackFor(service.host), port: service.port! }
  const where = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`
  const expected = service.tls.enabled
  // The configured transport first, then the other one: which one answers is what GitLab must be told.
  let tls = expected
  let session = await openGrpcSession(address, tls, TIMEOUT_MS)
  if (
    !session.ok &&
    session.failure.kind !== 'refused' &&
    session.failure.kind !== 'dns' &&
    session.failure.kind !== 'timeout'
  ) {
    const other = await openGrpcSession(address, !expected, TIMEOUT_MS)
    if (other.ok) ((session = other), (tls = !expected))
  }
  const details = { address: where, tls }
  if (!session.ok) {
    const failure = session.failure
    if (!given && failure.kind === 'refused') {
      return skip(
        ID,
        TITLE,
        `not checked: nothing listens on ${where}, so the gateway is not running here; give --agent-platform-url <host>:<port> to check a running one`,
      )
    }
    const unreachable = ['refused', 'dns', 'timeout', 'blocked'].includes(failure.kind)
    const verdict = unreachable
      ? `${where} cannot be reached: ${failure.reason}`
      : `${where} answers, but speaks gRPC neither in plaintext nor over TLS (${failure.reason})`
    return fail(ID, TITLE, verdict, unreachableFix(where, failure, given), {
      address: where,
      error: failure.code ?? failure.kind,
    })
  }
  try {
    const health = await session.call('/grpc.health.v1.Health/Check')
    if (!isAnswer(health)) {
      const fix =
        "Check that this address is the gateway's Agent Platform port (DUO_WORKFLOW_PORT), not another service."
      return fail(
        ID,
        TITLE,
        `${where} answered HTTP/2 but not the health check: ${health.reason}`,
        fix,
        details,
      )
    }
    if (health.code === 0) {
      const status = STATUS[health.body[0] === 0x08 ? (health.body[1] ?? 0) : 0] ?? 'UNKNOWN'
      if (status !== 'SERVING') {
        return fail(
          ID,
          TITLE,
          `${where} is ${status}: the service is shutting down or not ready`,
          'If it stays so, restart the gateway and read its log.',
          { ...details, health: status },
        )
      }
    } else if (health.code !== 12) {
      return fail(
        ID,
        TITLE,
        `the health check at ${where} answered ${codeName(health.code)}: ${health.message}`,
        "Check that this address is the gateway's Agent Platform port.",
        details,
      )
    }
    const tools = await session.call('/DuoWorkflow/ListTools')
    if (!isAnswer(tools) || (tools.code !== 0 && tools.code !== 16)) {
      const answer = isAnswer(tools) ? `${codeName(tools.code)}: ${tools.message}` : tools.reason
      const fix =
        'This address is not a GitLab Duo Agent Platform service: check the port (DUO_WORKFLOW_PORT) and what listens there.'
      return fail(
        ID,
        TITLE,
        `${where} does not serve ListTools as GitLab's admin health check calls it (${answer})`,
        fix,
        details,
      )
    }
    const listed =
      tools.code === 0
        ? 'ListTools answers without a token (authentication is off)'
        : "ListTools answers UNAUTHENTICATED without GitLab's token, as it should"
    const verdict = `${where} is SERVING over ${tls ? 'TLS' : 'plaintext'}; ${listed}. GitLab must dial it with ${secure(tls)}${tls ? ' (its default)' : ''}`
    if (!given && tls !== expected) {
      const found = `${where} answers over ${tls ? 'TLS' : 'plaintext'}, but DUO_WORKFLOW_TLS__ENABLED is ${expected}`
      const fix =
        'Stop what listens on that port, or run the doctor with the settings of the gateway that does.'
      return fail(
        ID,
        TITLE,
        `${found}: another program, or a gateway started with other settings, listens there`,
        fix,
        details,
      )
    }
    if (tls) return certificate(address, where, given, verdict, details)
    return pass(ID, TITLE, verdict, details)
  } finally {
    session.close()
  }
}

/** GitLab verifies the certificate (Workhorse with the system's CAs, Rails with GitLab's trusted certificates): say whether this machine would. */
async function certificate(
  address: GrpcAddress,
  where: string,
  given: boolean,
  verdict: string,
  details: Record<string, unknown>,
): Promise<CheckResult> {
  const url = new URL(
    `https://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`,
  )
  const probe = await probeTls(url, TIMEOUT_MS)
  if (!probe.ok) return pass(ID, TITLE, verdict, details)
  const { findings } = probe
  const facts = { ...details, subject: findings.subject, issuer: findings.issuer, valid_to: findings.validTo }
  const nameError =
    findings.error === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altname|hostname/i.test(findings.error ?? '')
  if (findings.authorized || (nameError && !given))
    return pass(ID, TITLE, `${verdict}; certificate ${findings.subject} issued by ${findings.issuer}`, facts)
  const problem =
    findings.error === 'CERT_HAS_EXPIRED'
      ? `expired on ${findings.validTo}`
      : nameError
        ? `does not name ${address.host}`
        : `is not trusted by this machine (${findings.error}; issued by ${findings.issuer})`
  return warn(
    ID,
    TITLE,
    `${verdict}; but its certificate ${problem}`,
    `GitLab verifies it: give GitLab a certificate for the host name in its Local URL, signed by a CA that the GitLab host trusts (Workhorse uses the system's CAs). A certificate for ${where} alone is not enough when GitLab dials a name.`,
    { ...facts, error: findings.error },
  )
}

/** host:port as GitLab's "Local URL for the GitLab Duo Agent Platform service" takes it. */
export function parseAddress(value: string): GrpcAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s/:[\]]+)):(\d{1,5})$/.exec(value.trim())
  if (!match || Number(match[3]) < 1 || Number(match[3]) > 65535) {
    throw new Error(
      `--agent-platform-url takes host:port with no scheme or path (as GitLab's "Local URL for the GitLab Duo Agent Platform service"), e.g. aigw.example.com:50052; got ${JSON.stringify(value)}`,
    )
  }
  return { host: match[1] ?? match[2]!, port: Number(match[3]) }
}

/** A server bound to every address is reached on loopback; one bound to a single address, there. */
function loopbackFor(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host
}

function unreachableFix(where: string, failure: NetworkFailure, given: boolean): string {
  switch (failure.kind) {
    case 'refused':
      return `Nothing listens on ${where}: check that the gateway runs with its Agent Platform service on (DUO_WORKFLOW_PORT, default 50052), that the port is published (docker run -p 50052:50052; the Service's grpc port in Kubernetes) and that no firewall rejects it.`
    case 'timeout':
      return `A firewall drops the traffic to ${where}: open the port between GitLab (Rails and Workhorse) and the gateway.`
    case 'dns':
      return 'Check the host name: GitLab must resolve it too.'
    default:
      return given
        ? `Is ${where} the gateway's Agent Platform port (DUO_WORKFLOW_PORT, default 50052), and not its HTTP port (5052) or a proxy that speaks HTTP/1.1 only?`
        : "Another program may hold the port: read the gateway's start-up log."
  }
}
