/**
 * IP addresses as the SSRF guard must see them: every way of writing one reduced to the address it
 * reaches, in one place, before any check. An IPv6 address can carry an IPv4 one (IPv4-mapped
 * `::ffff:169.254.169.254`, written `::ffff:a9fe:a9fe` too, the deprecated IPv4-compatible
 * `::169.254.169.254`, SIIT `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4
 * `2002:a9fe:a9fe::`): a guard that compares text, or only knows one of those forms, lets a host
 * name whose DNS answer uses another reach the cloud metadata service. Teredo is left out: its
 * embedded address is reachable only through a Teredo relay, not by connecting to it.
 *
 * Parsing is ipaddr.js's (small, no dependencies, runs on both runtimes); it also takes IPv6 zone
 * ids (`fe80::1%eth0`) and the bracketed form URLs write.
 */
import ipaddr from 'ipaddr.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6

/** Addresses of cloud metadata services that are not link-local (169.254.169.254 and fe80:: are covered by range). */
const METADATA_ADDRESSES = ['100.100.100.200', '192.0.0.192', 'fd00:ec2::254'].map((text) =>
  ipaddr.parse(text).toNormalizedString(),
)

/**
 * The address `text` reaches: an IPv6 address that carries an IPv4 address becomes that IPv4
 * address; undefined when `text` is not an IP address (a host name).
 */
export function reachedAddress(text: string): Address | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  if (!ipaddr.isValid(bare)) return undefined
  const address = ipaddr.parse(bare)
  if (address.kind() === 'ipv4') return address
  return embeddedIPv4(address as ipaddr.IPv6) ?? address
}

/** Why the gateway must not connect to `text` (link-local or a cloud metadata address), or undefined. */
export function forbiddenAddress(text: string): string | undefined {
  const address = reachedAddress(text)
  if (!address) return undefined
  if (address.range() === 'linkLocal') return 'a link-local address'
  if (METADATA_ADDRESSES.includes(address.toNormalizedString())) return 'a cloud metadata address'
  return undefined
}

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = address.parts
  const zero = (from: number, to: number) => p.slice(from, to).every((part) => part === 0)
  const v4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff])
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (SIIT)
  if (zero(0, 5) && p[5] === 0xffff) return v4(p[6]!, p[7]!)
  if (zero(0, 4) && p[4] === 0xffff && p[5] === 0) return v4(p[6]!, p[7]!)
  // ::a.b.c.d (IPv4-compatible); :: and ::1 are not IPv4 addresses
  if (zero(0, 6) && (p[6] !== 0 || p[7]! > 1)) return v4(p[6]!, p[7]!)
  // NAT64: 64:ff9b::/96 (well-known), and a /96 inside 64:ff9b:1::/48 (local use): the IPv4 address last
  if (p[0] === 0x64 && p[1] === 0xff9b && (zero(2, 6) || p[2] === 1)) return v4(p[6]!, p[7]!)
  // 6to4: 2002:AABB:CCDD::/48
  if (p[0] === 0x2002) return v4(p[1]!, p[2]!)
  return undefined
}
