/**
 * What a provider contract suite needs from a runtime: that runtime's outbound `fetch` (the Node
 * adapter's undici-based port on Node, workerd's own fetch inside workerd). Suites build wire
 * format modules with it and call the fake model server for real.
 */
export interface ProviderTarget {
  runtime: 'node' | 'workerd'
  fetch: typeof fetch
}
