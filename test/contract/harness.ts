import { afterEach, vi } from 'vitest'
import type { Gateway, Target } from './target.ts'

/** Starts gateways that are closed (and the clock restored) after each test. */
export function gatewayFactory(target: Target): (settings: Record<string, string>) => Promise<Gateway> {
  const open: Gateway[] = []
  afterEach(async () => {
    vi.useRealTimers()
    for (const gateway of open.splice(0)) await gateway.close()
  })
  return async (settings) => {
    const gateway = await target.start(settings)
    open.push(gateway)
    return gateway
  }
}

/** Freezes `Date` (only: timers keep running) so tests can move the gateway's clock. */
export function controlClock(): { advance(ms: number): void } {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(Date.now())
  return { advance: (ms) => vi.setSystemTime(Date.now() + ms) }
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>
}
