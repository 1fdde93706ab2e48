/**
 * All keys a token may be signed with: the gateway's own (self-signed) keys and those of the
 * GitLab instance and CustomersDot. Like GitLab's gateway it tries every key (17.x tokens carry no
 * `kid`); unlike it, a token that no held key verifies triggers a refetch (at most one per source
 * per 30 s), so a rotated GitLab key works without a restart.
 *
 * Requests are never slowed by a slow source once they can be verified with what is held: expired
 * key sets are revalidated in the background, and a refetch resolves as soon as any source's new
 * keys verify the token.
 */
import { compactVerify } from 'jose'
import type { BackgroundTasks } from '../platform.ts'
import type { KeyEntry, RemoteKeySource, SourceStatus } from './remote-key-source.ts'
import { TokenRejected } from './token-rejected.ts'

export class Keyring {
  private readonly localKeys: readonly KeyEntry[]
  readonly remotes: readonly RemoteKeySource[]

  constructor(localKeys: readonly KeyEntry[], remotes: readonly RemoteKeySource[]) {
    this.localKeys = localKeys
    this.remotes = remotes
  }

  /** Verifies a compact JWS and returns its payload bytes and the key that verified it. */
  async verify(token: string, kid: string | undefined, tasks: BackgroundTasks): Promise<Verified> {
    this.revalidateStale(tasks)

    const tried = new Set<CryptoKey>()
    const payload = await tryKeys(token, kid, this.heldKeys(), tried)
    if (payload) return payload

    // Keys may also have arrived since the first attempt (a start-up prefetch finishing), even
    // when the cooldown now forbids a refetch: every source's untried keys get their turn.
    const retries = this.remotes.map(async (source) => {
      await source.update(source.hasKeys() ? 'refresh' : 'load', tasks)
      return tryKeys(token, kid, source.keys(), tried)
    })
    const late = await firstDefined(retries)
    if (late) return late
    throw new TokenRejected(
      this.heldKeys().length ? 'no key verifies the signature' : 'no signing keys available',
    )
  }

  /** Loads every source (start-up prefetch and /monitoring/ready); never throws. */
  async warmUp(tasks: BackgroundTasks): Promise<void> {
    await Promise.all(this.remotes.map((source) => (source.hasKeys() ? null : source.update('load', tasks))))
  }

  /** Starts a background refresh of every source whose keys have expired; never waits for it. */
  revalidateStale(tasks: BackgroundTasks): void {
    for (const source of this.remotes) if (source.isStale()) source.update('revalidate', tasks)
  }

  /** Whether a key is still in service (a verified-token cache entry is only as good as its key). */
  holds(key: CryptoKey): boolean {
    if (this.localKeys.some((entry) => entry.key === key)) return true
    return this.remotes.some((source) => source.keys().some((entry) => entry.key === key))
  }

  heldKeys(): KeyEntry[] {
    // Self-signed keys first: gateway-minted tokens (IDE direct access) are the busiest and have no kid.
    return [...this.localKeys, ...this.remotes.flatMap((source) => source.keys())]
  }

  status(): { self_signed_keys: number; sources: SourceStatus[] } {
    return { self_signed_keys: this.localKeys.length, sources: this.remotes.map((source) => source.status()) }
  }
}

export interface Verified {
  payload: Uint8Array
  key: CryptoKey
}

/** Tries keys whose `kid` matches first, then the others (python-jose ignores `kid` entirely). */
async function tryKeys(
  token: string,
  kid: string | undefined,
  keys: readonly KeyEntry[],
  tried: Set<CryptoKey>,
): Promise<Verified | undefined> {
  const ordered =
    kid === undefined ? keys : [...keys.filter((k) => k.kid === kid), ...keys.filter((k) => k.kid !== kid)]
  for (const { key } of ordered) {
    if (tried.has(key)) continue
    tried.add(key)
    try {
      return { payload: (await compactVerify(token, key, { algorithms: ['RS256'] })).payload, key }
    } catch {
      // not this key
    }
  }
  return undefined
}

/** The first promise to resolve with a value; undefined once all have settled without one. */
function firstDefined<T>(promises: Promise<T | undefined>[]): Promise<T | undefined> {
  if (promises.length === 0) return Promise.resolve(undefined)
  return new Promise((resolve) => {
    let left = promises.length
    for (const promise of promises) {
      promise.then(
        (value) => (value !== undefined ? resolve(value) : --left === 0 && resolve(undefined)),
        () => --left === 0 && resolve(undefined),
      )
    }
  })
}
