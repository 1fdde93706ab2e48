/**
 * AIGW_MTLS__* on Workers: model calls go through the MODEL_MTLS certificate binding (its `fetch`
 * presents the client certificate), the OIDC issuer's calls never do. The binding here is a
 * recording stand-in that forwards to the real fetch: workerd under test has no client certificates.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env as workerEnv } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import worker, { type Env } from '../../worker-entry/main.ts'
import { ideCompletion } from '../contract/code/fixtures.ts'
import { answers } from '../contract/code/harness.ts'
import { gitlabHeaders, instanceToken, settingsFor } from '../contract/gitlab.ts'
import { newIssuer } from '../contract/issuer-client.ts'
import { newModelServer } from '../contract/model-server-client.ts'

afterEach(() => vi.restoreAllMocks())

async function completeThrough(settings: Record<string, string>, withBinding: boolean) {
  const [issuer, server] = [await newIssuer(), await newModelServer()]
  await server.script(answers('return sum(items)'))
  const viaBinding: string[] = []
  const binding = {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      viaBinding.push(new URL(input instanceof Request ? input.url : String(input)).origin)
      return fetch(input, init)
    },
  }
  const env: Env = {
    ASSETS: (workerEnv as Env).ASSETS,
    ...settingsFor(issuer, settings),
    ...(withBinding ? { MODEL_MTLS: binding as unknown as Fetcher } : {}),
  }
  const lines: string[] = []
  vi.spyOn(console, 'warn').mockImplementation(
    (...args: unknown[]) => void lines.push(args.map(String).join(' ')),
  )
  vi.spyOn(console, 'log').mockImplementation(() => {})
  const ctx = createExecutionContext()
  const request = new Request('http://gateway.test/v2/code/completions', {
    method: 'POST',
    headers: gitlabHeaders(await instanceToken(issuer, '18.x')),
    body: JSON.stringify(ideCompletion(`${server.url}/v1`)),
  }) as Request<unknown, IncomingRequestCfProperties>
  const response = await worker.fetch(request, env, ctx)
  await waitOnExecutionContext(ctx)
  return {
    response,
    viaBinding,
    warnings: lines,
    modelOrigin: new URL(server.url).origin,
    issuerOrigin: new URL(issuer.url).origin,
  }
}

describe('AIGW_MTLS__* on Workers (MODEL_MTLS binding)', () => {
  it("sends model calls through the binding and the issuer's key fetches around it", async () => {
    const { response, viaBinding, modelOrigin, issuerOrigin } = await completeThrough(
      { AIGW_MTLS__ENABLED: 'true' },
      true,
    )
    expect(response.status).toBe(200)
    expect(((await response.json()) as { choices: { text: string }[] }).choices[0]?.text).toBe(
      'return sum(items)',
    )
    expect(viaBinding).toEqual([modelOrigin])
    expect(viaBinding).not.toContain(issuerOrigin)
  })

  it('leaves the binding unused while AIGW_MTLS__ENABLED is off', async () => {
    const { response, viaBinding } = await completeThrough({}, true)
    expect(response.status).toBe(200)
    expect(viaBinding).toEqual([])
  })

  it('warns when AIGW_MTLS__ENABLED is on without a MODEL_MTLS binding', async () => {
    const { response, warnings } = await completeThrough({ AIGW_MTLS__ENABLED: 'true' }, false)
    expect(response.status).toBe(200)
    expect(warnings.join('\n')).toContain('no mTLS certificate binding MODEL_MTLS')
  })
})
