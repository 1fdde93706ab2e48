/**
 * Shared by the provider suites of the code routes (providers-openai.contract.ts,
 * providers-cloud.contract.ts): a gateway whose settings may point at the fake model server,
 * GitLab's bodies naming one self-hosted model, scripted steps in each wire format, and the proof
 * that a stream is forwarded while the model is still generating and freed when the IDE hangs up.
 */
import { expect } from 'vitest'
import { gitlabHeaders, instanceToken, settingsFor } from '../gitlab.ts'
import { gatewayFactory } from '../harness.ts'
import { newIssuer } from '../issuer-client.ts'
import {
  newModelServer,
  type Chunk,
  type ModelServer,
  type Received,
  type Step,
} from '../model-server-client.ts'
import { within } from '../providers/streams.ts'
import type { Gateway, Target } from '../target.ts'
import { sseChunks, SSE_HEADERS, type SseFrame } from '../wire/sse.ts'
import { ideCompletion, v3Completion } from './fixtures.ts'

export interface ProviderSetup {
  server: ModelServer
  gateway: Gateway
  post(path: string, body: unknown): Promise<Response>
}

/** A fake model server first, then a gateway whose settings may name it (AZURE_API_BASE, AWS_BEDROCK_RUNTIME_ENDPOINT...). */
export function providerSetup(target: Target) {
  const start = gatewayFactory(target)
  return async (
    settings: (server: ModelServer) => Record<string, string> = () => ({}),
  ): Promise<ProviderSetup> => {
    const [issuer, server] = [await newIssuer(), await newModelServer()]
    const gateway = await start(settingsFor(issuer, settings(server)))
    const token = await instanceToken(issuer, '18.x')
    return {
      server,
      gateway,
      post: (path, body) =>
        gateway.fetch(path, { method: 'POST', headers: gitlabHeaders(token), body: JSON.stringify(body) }),
    }
  }
}

/** The self-hosted model as an administrator configured it: family, identifier, endpoint and key ('' when left empty). */
export interface SelfHosted {
  name: string
  identifier: string
  endpoint?: string
  key?: string
}

/** The editor content of fixtures.ts, as the prompts see it: v2 puts the IDE's context file in front of the prefix. */
export const V2_PREFIX = 'class Item: ...\ndef total(items):\n    '
export const V3_PREFIX = 'def total(items):\n    '
export const SUFFIX = '\n\nprint(total([]))\n'

/** `/v2/code/completions`: GitLab's flat `model_*` fields (`model_provider: litellm`). */
export function v2Body(model: SelfHosted, stream = false): Record<string, unknown> {
  return ideCompletion(model.endpoint ?? '', {
    model_name: model.name,
    model_identifier: model.identifier,
    model_api_key: model.key ?? '',
    stream,
  })
}

/** `/v3/code/completions`, `/v4/code/suggestions`: a top-level `model_metadata` with Rails' `provider`. */
export function v3Body(provider: string, model: SelfHosted, stream = false) {
  return v3Completion(model.endpoint ?? '', {
    stream,
    metadata: { provider, name: model.name, identifier: model.identifier, api_key: model.key ?? '' },
  })
}

/** The fake answers `match` with one JSON body. */
export function jsonStep(match: string, body: unknown): Step {
  return { match, chunks: [{ text: JSON.stringify(body) }] }
}

/** The fake streams `frames` as SSE; with `hang`, it then keeps the response open (the model is still generating). */
export function sseStep(match: string, frames: SseFrame[], hang = false): Step {
  return { match, headers: SSE_HEADERS, chunks: sseChunks(frames), hang }
}

/** The fake sends `chunks` (any framing), then keeps the response open. */
export function hangingStep(match: string, headers: Record<string, string>, chunks: Chunk[]): Step {
  return { match, headers, chunks, hang: true }
}

/** `choices[0].text` of a v2 or v3 answer (fails on a non-200). */
export async function suggestion(response: Response): Promise<string | undefined> {
  const text = await response.text()
  expect(response.status, text).toBe(200)
  return (JSON.parse(text) as { choices: { text: string }[] }).choices[0]?.text
}

/**
 * Reads the streamed answer until `first` has arrived (the fake never finishes, so it was forwarded
 * while the model was still generating), hangs up, and returns the upstream request that the
 * gateway then closed.
 */
export async function expectForwardedThenFreed(
  response: Response,
  first: string,
  server: ModelServer,
): Promise<Received> {
  expect(response.status).toBe(200)
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let received = ''
  while (!received.includes(first)) {
    const next = await within(reader.read(), 5000)
    if (next === 'still waiting' || next.done)
      throw new Error(
        `the first chunk did not arrive while the model was generating (got ${JSON.stringify(received)})`,
      )
    received += next.value
  }
  await reader.cancel()
  return server.waitForEarlyClose()
}

/** Upstream requests whose path starts with `prefix` (the Vertex token grant and the model call share a fake). */
export async function requestsTo(server: ModelServer, prefix: string): Promise<Received[]> {
  return (await server.requests()).filter((received) => received.path.startsWith(prefix))
}
