import type { ModelCall } from '../../../src/model-call/types.ts'
import type { FetchFailureReader } from '../../../src/platform.ts'
import type { UpstreamCall, WireFormat } from '../../../src/providers/wire-format.ts'
/**
 * What a provider contract suite needs from a runtime: that runtime's outbound `fetch` (the Node
 * adapter's undici-based port on Node, workerd's own fetch inside workerd) and its adapter's
 * reading of fetch's failures. Suites build wire format modules with it and call the fake model
 * server for real.
 */
export interface ProviderTarget {
  runtime: 'node' | 'workerd'
  fetch: typeof fetch
  fetchFailure: FetchFailureReader
}

/** Sends what a wire format module built (`format.request(call)`) through a runtime's fetch. */
export async function sendUpstream(
  fetch: typeof globalThis.fetch,
  upstream: Promise<{ url: string; init: RequestInit }>,
): Promise<Response> {
  const { url, init } = await upstream
  return fetch(url, init)
}

/** What the model client gives a stream parser by default (AIGW_UPSTREAM__MAX_RESPONSE_BYTES). */
export const LIMITS = { maxEventBytes: 16 * 1024 * 1024 }

/** A call as the provider suites write it: the call, and whether to ask for the streamed form (default: yes). */
export type TestCall = ModelCall & { stream?: boolean }

/** The upstream request a wire format builds for a test call. */
export function requestOf(format: WireFormat, call: TestCall): Promise<UpstreamCall> {
  const { stream = true, ...rest } = call
  return format.request(rest, stream)
}
