/** Shared set-up of the code-suggestion suites: a gateway for a fake GitLab issuer, a fake model server, GitLab's headers. */
import { expect } from 'vitest'
import { gitlabHeaders, instanceToken, settingsFor, type Generation } from '../gitlab.ts'
import { gatewayFactory } from '../harness.ts'
import { newIssuer, type Tenant } from '../issuer-client.ts'
import { bodyOf, newModelServer, type ModelServer, type Received } from '../model-server-client.ts'
import type { Gateway, Target } from '../target.ts'
import { chatCompletion, chatStream } from '../wire/openai.ts'
import { sseChunks, SSE_HEADERS } from '../wire/sse.ts'
import { MODEL_KEY } from './fixtures.ts'

export interface CodeSetup {
  issuer: Tenant
  server: ModelServer
  gateway: Gateway
  token: string
  /** The fake server's OpenAI-compatible base, as an administrator enters it (`…/v1`). */
  endpoint: string
  post(path: string, body: unknown, headers?: Record<string, string | undefined>): Promise<Response>
}

export function codeSetup(target: Target) {
  const start = gatewayFactory(target)
  return async (
    settings: Record<string, string> | ((server: ModelServer) => Record<string, string>) = {},
    generation: Generation = '18.x',
    claims: Record<string, unknown> = {},
  ): Promise<CodeSetup> => {
    const [issuer, server] = [await newIssuer(), await newModelServer()]
    const gateway = await start(
      settingsFor(issuer, typeof settings === 'function' ? settings(server) : settings),
    )
    const token = await instanceToken(issuer, generation, claims)
    return {
      issuer,
      server,
      gateway,
      token,
      endpoint: `${server.url}/v1`,
      post: (path, body, headers = {}) =>
        gateway.fetch(path, {
          method: 'POST',
          headers: gitlabHeaders(token, headers),
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
    }
  }
}

/** The fake answers one chat completion with `content`. */
export function answers(content: string | null, usage?: { prompt: number; completion: number }) {
  return {
    match: '/v1/chat/completions',
    chunks: [{ text: JSON.stringify(chatCompletion(content, 'stop', usage)) }],
  }
}

/** The fake streams `texts` as chat deltas (then usage and `[DONE]`). */
export function streams(texts: string[], options: { delayMs?: number; hang?: boolean } = {}) {
  return {
    match: '/v1/chat/completions',
    headers: SSE_HEADERS,
    chunks: sseChunks(chatStream(texts), options.delayMs ?? 0),
    hang: options.hang,
  }
}

/** The messages the gateway sent upstream. */
export function messagesOf(received: Received): { role: string; content: string }[] {
  return bodyOf(received).messages as { role: string; content: string }[]
}

/** Reads a streamed body to its end (throws if the connection broke). */
export async function text(response: Response): Promise<string> {
  return new TextDecoder().decode(await response.arrayBuffer())
}

/** No secret in the gateway's logs or in the texts given. */
export function expectNoSecrets(gateway: Gateway, ...texts: string[]): void {
  for (const value of [gateway.logs().join('\n'), ...texts]) {
    expect(value).not.toContain(MODEL_KEY)
    expect(value).not.toContain('SECRET')
  }
}

/** v4's SSE stream split into events, as GitLab's own tests read it (on `\r\n\r\n`). */
export function sseEvents(body: string): { event: string; data: unknown }[] {
  return body
    .split('\r\n\r\n')
    .filter(Boolean)
    .map((block) => {
      const lines = block.split('\r\n')
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? ''
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? ''
      return { event, data: JSON.parse(data) as unknown }
    })
}
