import { afterAll } from 'vitest'
import { createOutboundFetch } from '../../node-entry/outbound-fetch.ts'
import type { ProviderTarget } from '../contract/providers/target.ts'

// The port the Node server uses for every outbound call (node-entry/server.ts).
const outbound = createOutboundFetch()
afterAll(() => outbound.close())

export const nodeProviderTarget: ProviderTarget = {
  runtime: 'node',
  fetch: outbound.fetch,
  fetchFailure: outbound.fetchFailure,
}
