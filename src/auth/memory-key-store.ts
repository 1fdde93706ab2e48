import type { KeyStore, StoredKeySet } from '../platform.ts'

/** The shared key store of a single process (Node): plain memory with expiry. */
export function createMemoryKeyStore(now: () => number = Date.now): KeyStore {
  const entries = new Map<string, { value: StoredKeySet; until: number }>()
  return {
    async get(key) {
      const entry = entries.get(key)
      if (entry && entry.until > now()) return entry.value
      entries.delete(key)
      return undefined
    },
    async put(key, value, ttlSeconds) {
      entries.set(key, { value, until: now() + ttlSeconds * 1000 })
    },
  }
}
