/**
 * SSRF guard for model endpoints a request names (GitLab sends the self-hosted model's endpoint
 * in every request, so whoever holds a token chooses where the gateway connects).
 *
 * Always refused: link-local addresses (`169.254.0.0/16`, `fe80::/10`, also IPv4-mapped) and the
 * cloud metadata services' names and addresses. Private ranges and loopback stay allowed: that is
 * where self-hosted models live. With `AIGW_CUSTOM_MODELS__ALLOWED_HOSTS` set, only the listed
 * hosts are allowed at all.
 *
 * This checks the URL as written (the WHATWG parser already normalises `http://2852039166/` and
 * `http://0xa9.254.169.254/` to `169.254.169.254`). A host name whose DNS answer is link-local is
 * refused by the Node adapter at connect time; Workers cannot reach link-local addresses at all.
 */
import { HttpError } from '../errors.ts'

const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (legacy)
  '[fd00:ec2::254]', // AWS IMDS over IPv6
])

export function checkModelEndpoint(endpoint: string, allowedHosts: readonly string[] | null): void {
  const url = new URL(endpoint)
  const hostname = url.hostname.toLowerCase().replace(/\.$/, '')
  if (METADATA_HOSTS.has(hostname) || isLinkLocal(hostname)) {
    throw new HttpError(400, `The model endpoint ${url.host} is a link-local or cloud metadata address; the gateway does not connect there`)
  }
  if (allowedHosts && !allowedHosts.some((entry) => hostMatches(entry, hostname, portOf(url)))) {
    throw new HttpError(400, `The model endpoint host ${url.host} is not in AIGW_CUSTOM_MODELS__ALLOWED_HOSTS`)
  }
}

/** An IPv4 or IPv6 literal (as URL.hostname writes it) in a link-local range. */
export function isLinkLocal(hostname: string): boolean {
  const v4 = ipv4(hostname)
  if (v4) return v4[0] === 169 && v4[1] === 254
  if (!hostname.startsWith('[')) return false
  const v6 = hostname.slice(1, -1)
  // fe80::/10 covers fe80 to febf.
  if (/^fe[89ab][0-9a-f]?:/.test(v6)) return true
  // IPv4-mapped (::ffff:a9fe:a9fe, the form URL normalises ::ffff:169.254.169.254 to).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6)
  if (mapped) {
    const high = parseInt(mapped[1]!, 16)
    return high >> 8 === 169 && (high & 0xff) === 254
  }
  return false
}

function ipv4(hostname: string): number[] | undefined {
  const parts = hostname.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined
  return parts.map(Number)
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
