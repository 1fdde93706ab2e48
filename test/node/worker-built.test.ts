/**
 * The Worker as wrangler builds and serves it (`npx wrangler dev --var NAME:VALUE ...`, the
 * documented interface), over real HTTP, with the settings given as --var, static assets for
 * /docs, and the fake issuer reached from workerd.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { gitlabHeaders, instanceToken, settingsFor, TOKEN_PATH } from '../contract/gitlab.ts'
import { newIssuer, type Tenant } from '../contract/issuer-client.ts'
import { ideCompletion } from '../contract/code/fixtures.ts'
import { streams } from '../contract/code/harness.ts'
import { newModelServer } from '../contract/model-server-client.ts'
import { CHROMIUM, freePort, renderedDom, startProcess, type Started } from './processes.ts'

describe('wrangler dev', () => {
  let issuer: Tenant
  let worker: Started

  beforeAll(async () => {
    issuer = await newIssuer()
    await issuer.setState({ delayMs: 300 })
    const port = await freePort()
    const vars = Object.entries(settingsFor(issuer)).flatMap(([name, value]) => [
      '--var',
      `${name}:${value.replace(/\n/g, '\\n')}`,
    ])
    worker = await startProcess(
      'node_modules/.bin/wrangler',
      [
        'dev',
        '--port',
        String(port),
        '--ip',
        '127.0.0.1',
        '--inspector-port',
        String(await freePort()),
        ...vars,
      ],
      {
        port,
        env: { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
        timeoutMs: 60_000,
      },
    )
    console.info(`wrangler dev: healthy after ${Math.round(worker.readyAfterMs)} ms`)
  }, 90_000)
  afterAll(() => worker?.stop())

  it('shares one gateway and one key load between concurrent requests of an isolate', async () => {
    const headers = gitlabHeaders(await instanceToken(issuer, '18.x'))
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(`${worker.url}${TOKEN_PATH}`, { method: 'POST', headers }).then((r) => r.status),
      ),
    )
    expect(statuses).toEqual(Array(12).fill(200))
    expect(await issuer.stats()).toEqual({ discovery: 1, jwks: 1 })
    expect(worker.output().match(/"message":"Gateway configured"/g)).toHaveLength(1)
  })

  it('answers GitLab like the Node server does', async () => {
    const anonymous = await fetch(`${worker.url}${TOKEN_PATH}`, { method: 'POST' })
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toEqual({ error: 'No authorization header presented' })
    expect(anonymous.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    const minted = await fetch(`${worker.url}${TOKEN_PATH}`, {
      method: 'POST',
      headers: gitlabHeaders(await instanceToken(issuer, '17.x')),
    })
    expect(minted.status).toBe(200)
    expect(Object.keys(await minted.json()).sort()).toEqual(['expires_at', 'token'])
    expect((await fetch(`${worker.url}/monitoring/ready`)).status).toBe(200)
  })

  it('serves the Swagger UI assets and the OpenAPI document', async () => {
    const bundle = await fetch(`${worker.url}/docs/assets/swagger-ui-bundle.js`)
    expect(bundle.status).toBe(200)
    expect(bundle.headers.get('content-type')).toMatch(/javascript/)
    expect((await fetch(`${worker.url}/openapi.json`)).status).toBe(200)
  })

  it.skipIf(!CHROMIUM)('renders /docs in headless Chromium with no internet', async () => {
    const dom = await renderedDom(`${worker.url}/docs`)
    expect(dom).toContain('GitLab AI Gateway')
    expect(dom).toMatch(/class="opblock opblock-post/)
    expect(dom).toContain('/v1/code/user_access_token')
  })

  it('cancels the model call when the client hangs up while a streamed answer flows (not before its first byte: see the README)', async () => {
    // workerd notices a hang-up only when it next writes to the client: once output flows that is
    // at once, before the first byte not at all (the first-output clock then ends the call).
    const server = await newModelServer()
    await server.script({
      ...streams(
        Array.from({ length: 50 }, (_, i) => `w${i} `),
        { delayMs: 100 },
      ),
    })
    const controller = new AbortController()
    const response = await fetch(`${worker.url}/v2/code/completions`, {
      method: 'POST',
      headers: gitlabHeaders(await instanceToken(issuer, '18.x')),
      body: JSON.stringify(ideCompletion(`${server.url}/v1`, { stream: true })),
      signal: controller.signal,
    })
    const reader = response.body!.getReader()
    await reader.read()
    controller.abort()
    const closed = await server.waitForEarlyClose(3000)
    expect(closed.closedAfterMs).toBeLessThan(4000)
  })

  it('never shows a signing key in its output', () => {
    expect(worker.output()).not.toContain(inject('gatewayKeys').signing.split('\n')[1])
  })
})
