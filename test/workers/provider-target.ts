import { workerdFetchFailure } from '../../worker-entry/fetch-failure.ts'
import type { ProviderTarget } from '../contract/providers/target.ts'

// What the Worker entry uses for every outbound call (worker-entry/main.ts, without an mTLS binding).
export const workersProviderTarget: ProviderTarget = {
  runtime: 'workerd',
  fetch: (input, init) => fetch(input, init),
  fetchFailure: workerdFetchFailure,
}
