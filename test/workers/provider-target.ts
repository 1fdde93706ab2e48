import type { ProviderTarget } from '../contract/providers/target.ts'

export const workersProviderTarget: ProviderTarget = { runtime: 'workerd', fetch: (input, init) => fetch(input, init) }
