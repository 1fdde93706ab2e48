/**
 * One OIDC issuer's signing keys (the GitLab instance, or CustomersDot): discovery at
 * `<base URL>/.well-known/openid-configuration` (keeping the base URL's path, unlike GitLab's
 * gateway), then its `jwks_uri`.
 *
 * Three tiers: imported keys in memory, then the shared `KeyStore` (other isolates' fetches on
 * Workers), then the origin. TTL comes from the JWKS `Cache-Control`, clamped to [60 s, 24 h]
 * (24 h when absent, as GitLab caches). Origin fetches are rate-limited to one per 30 s, and a
 * failed fetch keeps the keys already held (stale-if-error).
 */
import { readBounded } from '../http/bounded-body.ts'
import type { JWK } from 'jose'
import type { BackgroundTasks, GatewayMetrics, KeyStore, StoredKeySet } from '../platform.ts'
import { errorFields, type Logger } from '../logging.ts'
import { importRsaPublicJwk } from './pem.ts'

export interface KeyEntry {
  kid: string | undefined
  key: CryptoKey
  /** Which source published it (for logs and /monitoring/ready). */
  source: string
  /** The RSA modulus (JWK `n`) of a fetched key, so a refetched set can reuse imported keys. */
  modulus?: string
}

export type SourceName = 'gitlab' | 'customers_dot'

export interface SourceStatus {
  source: string
  url: string
  keys: number
  fetched_at: string | null
  expires_at: string | null
  stale: boolean
  last_error: string | null
}

/**
 * - `load`: nothing held yet: shared store, then origin.
 * - `revalidate`: held keys have expired: a fresher shared copy, else origin. Never awaited by requests.
 * - `refresh`: a token that no held key verifies: origin only.
 */
export type UpdateMode = 'load' | 'revalidate' | 'refresh'

export const REFRESH_COOLDOWN_MS = 30_000
export const FETCH_TIMEOUT_MS = 5_000
const DEFAULT_TTL_S = 86_400
const MIN_TTL_S = 60
const MAX_TTL_S = 86_400
/** How long the shared store keeps a key set past its expiry, to stand in while the origin is down. */
const STALE_RETENTION_S = 7 * 86_400

export interface RemoteKeySourceOptions {
  name: SourceName
  baseUrl: string
  fetch: typeof fetch
  store: KeyStore
  now: () => number
  logger: Logger
  /** Counts origin fetches by outcome, when metrics are on. */
  metrics?: GatewayMetrics | undefined
}

interface HeldKeys {
  keys: KeyEntry[]
  fetchedAt: number
  expiresAt: number
}

export class RemoteKeySource {
  readonly name: SourceName
  readonly baseUrl: string
  private readonly options: RemoteKeySourceOptions
  private held: HeldKeys | undefined
  private lastOriginAttempt = Number.NEGATIVE_INFINITY
  private lastError: string | undefined
  private pending: Promise<boolean> | undefined

  constructor(options: RemoteKeySourceOptions) {
    this.options = options
    this.name = options.name
    this.baseUrl = options.baseUrl
  }

  keys(): readonly KeyEntry[] {
    return this.held?.keys ?? []
  }

  hasKeys(): boolean {
    return this.held !== undefined
  }

  isStale(): boolean {
    return this.held !== undefined && this.held.expiresAt <= this.options.now()
  }

  /**
   * Starts (or joins) an update. Resolves true when a key set was taken in; returns null when the
   * cooldown forbids asking the origin now. The work is registered with `tasks` so that it
   * finishes even if the request that started it goes away.
   */
  update(mode: UpdateMode, tasks: BackgroundTasks): Promise<boolean> | null {
    if (this.pending) return this.pending
    const mayAskOrigin = this.options.now() - this.lastOriginAttempt >= REFRESH_COOLDOWN_MS
    if (mode !== 'load' && !mayAskOrigin) return null
    const work = this.run(mode, mayAskOrigin, tasks).finally(() => {
      this.pending = undefined
    })
    this.pending = work
    tasks.waitUntil(work)
    return work
  }

  status(): SourceStatus {
    const held = this.held
    return {
      source: this.name,
      url: this.baseUrl,
      keys: held?.keys.length ?? 0,
      fetched_at: held ? new Date(held.fetchedAt).toISOString() : null,
      expires_at: held ? new Date(held.expiresAt).toISOString() : null,
      stale: this.isStale(),
      last_error: this.lastError ?? null,
    }
  }

  private async run(mode: UpdateMode, mayAskOrigin: boolean, tasks: BackgroundTasks): Promise<boolean> {
    const now = this.options.now()
    const stored = mode === 'refresh' ? undefined : await this.readStore()
    if (stored && stored.expiresAt > now && (!this.held || stored.fetchedAt > this.held.fetchedAt)) {
      await this.take(stored)
      return true
    }
    if (mayAskOrigin && (await this.fetchFromOrigin(tasks))) return true
    if (stored && !this.held) {
      // The origin is down and we hold nothing: an expired shared copy beats no keys at all.
      await this.take(stored)
      this.options.logger.warning('Using expired JWKS from the shared cache: the issuer is unreachable', {
        source: this.name,
        fetched_at: new Date(stored.fetchedAt).toISOString(),
      })
      return true
    }
    return false
  }

  private async fetchFromOrigin(tasks: BackgroundTasks): Promise<boolean> {
    const now = this.options.now()
    this.lastOriginAttempt = now
    try {
      const jwksUri = await this.discoverJwksUri()
      const response = await this.get(jwksUri)
      const body = (await readJson(response, jwksUri)) as { keys?: unknown }
      if (!Array.isArray(body.keys)) throw new Error(`no "keys" array in the JWKS at ${jwksUri}`)
      const { ttlSeconds, shareable } = cachePolicy(response.headers.get('cache-control'))
      const stored: StoredKeySet = {
        jwksUri,
        keys: body.keys as JWK[],
        fetchedAt: now,
        expiresAt: now + ttlSeconds * 1000,
      }
      await this.take(stored)
      this.lastError = undefined
      this.options.metrics?.jwksRefresh(this.name, 'success')
      this.options.logger.info('Loaded signing keys', {
        source: this.name,
        keys: this.keys().length,
        ttl_s: ttlSeconds,
      })
      if (shareable) {
        const put = this.options.store
          .put(this.storeKey(), stored, ttlSeconds + STALE_RETENTION_S)
          .catch((error: unknown) =>
            this.options.logger.warning('Could not write the shared JWKS cache', errorFields(error)),
          )
        tasks.waitUntil(put)
      }
      return true
    } catch (error) {
      this.lastError = describeFetchError(error)
      this.options.metrics?.jwksRefresh(this.name, 'failure')
      this.options.logger.warning(
        this.held
          ? 'Could not refresh signing keys; keeping the keys already loaded'
          : 'Could not load signing keys',
        { source: this.name, url: this.baseUrl, keys_kept: this.keys().length, error: this.lastError },
      )
      return false
    }
  }

  private async discoverJwksUri(): Promise<string> {
    const url = `${this.baseUrl}/.well-known/openid-configuration`
    const document = (await readJson(await this.get(url), url)) as { jwks_uri?: unknown }
    const jwksUri = document.jwks_uri
    if (typeof jwksUri !== 'string' || !/^https?:\/\//.test(jwksUri)) {
      throw new Error(`no http(s) jwks_uri in the OpenID configuration at ${url}`)
    }
    return jwksUri
  }

  private async get(url: string): Promise<Response> {
    const response = await this.options.fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'follow',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    })
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`HTTP ${response.status} from ${url}`)
    }
    return response
  }

  /** Imports a key set, reusing keys already imported so a refetch of the same set costs nothing. */
  private async take(stored: StoredKeySet): Promise<void> {
    const previous = new Map(this.keys().map((entry) => [`${entry.kid ?? ''}|${entry.modulus}`, entry]))
    const keys: KeyEntry[] = []
    for (const jwk of stored.keys) {
      if (!isRs256SigningKey(jwk)) continue
      const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined
      const reused = previous.get(`${kid ?? ''}|${jwk.n}`)
      if (reused) {
        keys.push(reused)
        continue
      }
      try {
        const key = await importRsaPublicJwk(jwk as JsonWebKey)
        keys.push({ kid, key, source: this.name, modulus: jwk.n })
      } catch (error) {
        this.options.logger.warning('Skipping a key that could not be imported', {
          source: this.name,
          kid,
          ...errorFields(error),
        })
      }
    }
    this.held = { keys, fetchedAt: stored.fetchedAt, expiresAt: stored.expiresAt }
  }

  private async readStore(): Promise<StoredKeySet | undefined> {
    try {
      return await this.options.store.get(this.storeKey())
    } catch (error) {
      this.options.logger.warning('Could not read the shared JWKS cache', errorFields(error))
      return undefined
    }
  }

  private storeKey(): string {
    return `${this.baseUrl}/.well-known/openid-configuration`
  }
}

function isRs256SigningKey(jwk: JWK): boolean {
  return (
    jwk.kty === 'RSA' &&
    typeof jwk.n === 'string' &&
    typeof jwk.e === 'string' &&
    (jwk.alg === undefined || jwk.alg === 'RS256') &&
    (jwk.use === undefined || jwk.use === 'sig')
  )
}

/** An OIDC discovery document or a key set is a few KiB; a larger answer is a broken or hostile issuer. */
const MAX_DOCUMENT_BYTES = 1024 * 1024

async function readJson(response: Response, url: string): Promise<object> {
  const text = await readBounded(response, MAX_DOCUMENT_BYTES)
  if (text === undefined) throw new Error(`more than ${MAX_DOCUMENT_BYTES} bytes from ${url}`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error(`invalid JSON from ${url}`)
  }
  if (typeof value !== 'object' || value === null) throw new Error(`unexpected JSON from ${url}`)
  return value
}

/** TTL from `Cache-Control: max-age`, clamped; `no-store` keeps the set out of the shared store. */
export function cachePolicy(header: string | null): { ttlSeconds: number; shareable: boolean } {
  if (!header) return { ttlSeconds: DEFAULT_TTL_S, shareable: true }
  const directives = header.toLowerCase()
  if (/(^|[\s,])no-store\b/.test(directives)) return { ttlSeconds: MIN_TTL_S, shareable: false }
  if (/(^|[\s,])no-cache\b/.test(directives)) return { ttlSeconds: MIN_TTL_S, shareable: true }
  const maxAge = /(?:^|[\s,])max-age\s*=\s*"?(\d+)/.exec(directives)
  if (!maxAge) return { ttlSeconds: DEFAULT_TTL_S, shareable: true }
  return { ttlSeconds: Math.min(MAX_TTL_S, Math.max(MIN_TTL_S, Number(maxAge[1]))), shareable: true }
}

/**
 * A short, secret-free reason: Node's fetch hides the useful part (ECONNREFUSED, TLS) in `cause`;
 * workerd gives no cause at all, and its two words for a failed connection are translated.
 */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (error.name === 'TimeoutError' || error.name === 'AbortError')
    return `timed out after ${FETCH_TIMEOUT_MS} ms`
  if (/^internal error\b/.test(error.message)) {
    const reason = 'the host name may not resolve, or its TLS certificate was refused'
    return `could not connect: ${reason} (the Workers runtime says only "${error.message}")`
  }
  if (error.message === 'Network connection lost.') {
    return 'could not connect: the connection was refused or closed before an answer (Network connection lost.)'
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
  const detail =
    typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : ''
  return detail ? `${error.message}: ${detail}` : error.message
}
