import type { ProviderTarget } from '../contract/providers/target.ts'

export const nodeProviderTarget: ProviderTarget = { runtime: 'node', fetch: globalThis.fetch }
