/**
 * SSRF guard for model endpoints a request names (GitLab sends the self-hosted model's endpoint
 * in every request, so whoever holds a token chooses where the gateway connects).
 *
 * Always refused: link-local addresses (`169.254.0.0/16`, `fe80::/10`) in every form an address can
 * take (ip-address.ts reduces them first: IPv4-mapped, NAT64, 6to4...) and the cloud metadata
 * services' names and addresses. Private ranges and loopback stay allowed: that is where
 * self-hosted models live. With `AIGW_CUSTOM_MODELS__ALLOWED_HOSTS` set, only the listed hosts are
 * allowed at all.
 *
 * This checks the URL as written (the WHATWG parser already normalises `http://2852039166/` and
 * `http://0xa9.254.169.254/` to `169.254.169.254`). A host name whose DNS answer is forbidden is
 * refused by the Node adapter at connect time with the same check; Workers cannot reach link-local
 * addresses at all.
 */
import { HttpError } from '../errors.ts'
import { forbiddenAddress } from './ip-address.ts'

const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
])

export function checkModelEndpoint(endpoint: string, allowedHosts: readonly string[] | null): void {
  const url = new URL(endpoint)
  const hostname = url.hostname.toLowerCase().replace(/\.$/, '')
  if (METADATA_HOSTS.has(hostname) || forbiddenAddress(hostname)) {
    throw new HttpError(
      400,
      `The model endpoint ${url.host} is a link-local or cloud metadata address; the gateway does not connect there`,
    )
  }
  if (allowedHosts && !allowedHosts.some((entry) => hostMatches(entry, hostname, portOf(url)))) {
    throw new HttpError(
      400,
      `The model endpoint host ${url.host} is not in AIGW_CUSTOM_MODELS__ALLOWED_HOSTS`,
    )
  }
}

function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80')
}

/** `host`, `host:port` or `*.domain` (any subdomain, any port). */
function hostMatches(entry: string, hostname: string, port: string): boolean {
  if (entry.startsWith('*.')) return hostname.endsWith(entry.slice(1))
  const colon = entry.lastIndexOf(':')
  const hasPort = colon > 0 && !entry.endsWith(']') && /^\d+$/.test(entry.slice(colon + 1))
  const host = hasPort ? entry.slice(0, colon) : entry
  return host === hostname && (!hasPort || entry.slice(colon + 1) === port)
}
