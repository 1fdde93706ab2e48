/**
 * Tokens that verified, so the next request with the same token does no RSA work: GitLab Rails
 * reuses one token for many requests. Bounded (least recently used goes first), keyed by the
 * token's SHA-256 (the cache holds no token), an entry never outlives the token's `exp` (the claim
 * checks still run on every hit) and is dropped as soon as the key that verified it is no longer
 * held (its issuer rotated or withdrew it).
 */
import type { GatewayMetrics } from '../platform.ts'
import type { TokenClaims } from './auth-context.ts'

/** Longest an entry lives, also for a token without `exp`. */
const MAX_ENTRY_MS = 3_600_000

interface Entry {
  claims: TokenClaims
  key: CryptoKey
  until: number
}

export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>()
  private readonly capacity: number
  private readonly now: () => number
  hits = 0
  misses = 0

  readonly digest: (token: string) => string | Promise<string>
  private readonly metrics: GatewayMetrics | undefined

  constructor(
    capacity: number,
    now: () => number,
    sha256Hex: (text: string) => string | Promise<string> = webCryptoSha256Hex,
    metrics?: GatewayMetrics,
  ) {
    this.capacity = capacity
    this.now = now
    this.digest = sha256Hex
    this.metrics = metrics
  }

  /** The claims of a token verified before with a key that `isHeld` still accepts. */
  get(digest: string, isHeld: (key: CryptoKey) => boolean): TokenClaims | undefined {
    const entry = this.entries.get(digest)
    if (!entry || entry.until <= this.now() || !isHeld(entry.key)) {
      if (entry) this.entries.delete(digest)
      this.misses++
      this.metrics?.tokenCache(false)
      return undefined
    }
    // Most recently used moves to the end; eviction takes from the front.
    this.entries.delete(digest)
    this.entries.set(digest, entry)
    this.hits++
    this.metrics?.tokenCache(true)
    return entry.claims
  }

  set(digest: string, claims: TokenClaims, key: CryptoKey): void {
    if (this.capacity <= 0) return
    const now = this.now()
    const until = Math.min(typeof claims.exp === 'number' ? claims.exp * 1000 : Infinity, now + MAX_ENTRY_MS)
    if (until <= now) return
    this.entries.delete(digest)
    while (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(digest, { claims, key, until })
  }

  get size(): number {
    return this.entries.size
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export async function webCryptoSha256Hex(text: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  let hex = ''
  for (const byte of bytes) hex += HEX[byte]
  return hex
}
