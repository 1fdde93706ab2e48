/**
 * What a contract suite needs from a runtime: start a gateway with some AIGW_* settings and talk
 * to it. Implemented by test/node/target.ts (the Node server on a real port) and
 * test/workers/target.ts (the Worker entry inside workerd).
 */
export interface Gateway {
  fetch(path: string, init?: RequestInit): Promise<Response>
  /** Log lines written since the gateway started. */
  logs(): string[]
  /** Resolves once background work (key refreshes, cache writes) has finished. */
  settled(): Promise<void>
  close(): Promise<void>
}

export interface Target {
  runtime: 'node' | 'workerd'
  /** Whether separately started gateways share fetched keys (the Workers Cache API does). */
  sharesKeyStore: boolean
  start(settings: Record<string, string>): Promise<Gateway>
  /** Starts with invalid settings and returns what the operator is told. */
  startInvalid(settings: Record<string, string>): Promise<string>
}

/** Parsed JSON log lines. */
export function jsonLogs(gateway: Gateway): Record<string, unknown>[] {
  return gateway.logs().flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>]
    } catch {
      return []
    }
  })
}
