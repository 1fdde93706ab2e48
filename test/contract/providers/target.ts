/**
 * What a provider contract suite needs from a runtime: that runtime's outbound `fetch` (the Node
 * adapter's undici-based port on Node, workerd's own fetch inside workerd). Suites build wire
 * format modules with it and call the fake model server for real.
 */
export interface ProviderTarget {
  runtime: 'node' | 'workerd'
  fetch: typeof fetch
}

/** Sends what a wire format module built (`format.request(call)`) through a runtime's fetch. */
export async function sendUpstream(fetch: typeof globalThis.fetch, upstream: Promise<{ url: string; init: RequestInit }>): Promise<Response> {
  const { url, init } = await upstream
  return fetch(url, init)
}

/** What the model client gives a stream parser by default (AIGW_UPSTREAM__MAX_RESPONSE_BYTES). */
export const LIMITS = { maxEventBytes: 16 * 1024 * 1024 }
