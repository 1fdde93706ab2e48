/** Talks to the fake model server (test/fakes/model-server.ts) over HTTP, from any runtime. */
import { inject } from 'vitest'
import type { Received, Step } from '../fakes/model-script.ts'

export type { Chunk, Received, Step } from '../fakes/model-script.ts'

export class ModelServer {
  /** Base URL of this tenant: the model server's "host" as the gateway sees it. */
  readonly url: string
  private readonly control: string
  constructor(control: string, url: string) {
    this.control = control
    this.url = url
  }

  /** Replaces the script: what the server answers, in order (see Step). */
  async script(...steps: Step[]): Promise<void> {
    const response = await fetch(`${this.control}/script`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ steps }),
    })
    if (!response.ok) throw new Error(`fake model server script: ${response.status}`)
    await response.body?.cancel()
  }

  async requests(): Promise<Received[]> {
    const response = await fetch(`${this.control}/requests`)
    return (await response.json()) as Received[]
  }

  /** The only request received so far (fails the test when there were more or none). */
  async onlyRequest(): Promise<Received> {
    const received = await this.requests()
    if (received.length !== 1) throw new Error(`expected one upstream request, got ${received.length}`)
    return received[0]!
  }

  /** Waits until the server has seen the client close a request's connection early; resolves with that request. */
  async waitForEarlyClose(timeoutMs = 3000): Promise<Received> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const closed = (await this.requests()).find((r) => r.closedEarly)
      if (closed) return closed
      if (Date.now() > deadline) throw new Error('the upstream connection was not closed by the gateway')
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
}

/**
 * A fresh tenant. With `tls`, the gateway is pointed at the tenant over HTTPS with a certificate
 * nobody trusts (every handshake fails); the test still scripts and inspects it over plain HTTP.
 */
export async function newModelServer(options: { tls?: boolean } = {}): Promise<ModelServer> {
  const base = inject('modelServerUrl')
  const response = await fetch(`${base}/control/tenants`, { method: 'POST' })
  const { id, url, tlsUrl } = (await response.json()) as { id: string; url: string; tlsUrl: string }
  return new ModelServer(`${base}/control/t/${id}`, options.tls ? tlsUrl : url)
}

/** JSON body of a received request. */
export function bodyOf(received: Received): Record<string, unknown> {
  return JSON.parse(received.body) as Record<string, unknown>
}
