/**
 * JSON request bodies through the real app pipeline: 422 for bad JSON (GitLab's
 * `{"detail": "Validation error"}`), 413 for an oversized chunked body, and a plain 500 without
 * internals for a failing handler. No route of this release reads a JSON body yet, so a probe
 * route is mounted on the real `createApp`; feature routes get their own tests.
 */
import * as z from 'zod/mini'
import { describe, expect, it } from 'vitest'
import { createMemoryKeyStore } from '../../src/auth/memory-key-store.ts'
import { parseConfig } from '../../src/config.ts'
import { createGateway } from '../../src/gateway.ts'
import { readJsonBody } from '../../src/http/json-body.ts'

const probeSchema = z.object({ prompt: z.string(), max_tokens: z.optional(z.int()) })

async function probeApp(settings: Record<string, string> = {}) {
  const logs: string[] = []
  const gateway = await createGateway(
    parseConfig({
      AIGW_AUTH__BYPASS_EXTERNAL: 'true',
      AIGW_CUSTOMER_PORTAL_URL: '',
      AIGW_FASTAPI__MAX_REQUEST_BODY_BYTES: '2048',
      ...settings,
    }),
    { fetch, keyStore: createMemoryKeyStore(), logSink: (line) => logs.push(line) },
  )
  gateway.app.post('/probe', async (c) =>
    c.json(await readJsonBody(c, probeSchema, gateway.config.logging.enableRequestLogging)),
  )
  gateway.app.post('/explode', () => {
    throw new Error('database password is hunter2')
  })
  return { app: gateway.app, logs }
}

const post = (body: BodyInit, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  ({ method: 'POST', headers, body, duplex: 'half' }) as RequestInit

function chunked(text: string, chunkSize = 512): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(offset, (offset += chunkSize)))
    },
  })
}

export function bodyContract(runtime: string) {
  describe(`JSON request bodies [${runtime}]`, () => {
    it('accepts a valid body', async () => {
      const { app } = await probeApp()
      const response = await app.request('/probe', post('{"prompt":"def hello"}'))
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ prompt: 'def hello' })
    })

    it('answers 422 {"detail":"Validation error"} for malformed JSON or a wrong shape', async () => {
      const { app } = await probeApp()
      for (const body of [
        '{"prompt": ',
        'not json',
        '',
        '[]',
        '{"prompt": 42}',
        '{"prompt":"x","max_tokens":1.5}',
      ]) {
        const response = await app.request('/probe', post(body))
        expect(response.status, body).toBe(422)
        expect(await response.json()).toEqual({ detail: 'Validation error' })
      }
    })

    it('details the problems when request logging is on', async () => {
      const { app } = await probeApp({ AIGW_LOGGING__ENABLE_REQUEST_LOGGING: 'true' })
      const response = await app.request('/probe', post('{"max_tokens":"many"}'))
      expect(response.status).toBe(422)
      const { detail } = (await response.json()) as { detail: string }
      expect(detail).toContain('body.prompt')
      expect(detail).toContain('body.max_tokens')
    })

    it('answers 413 for a chunked body that grows past the limit', async () => {
      const { app } = await probeApp()
      const small = await app.request('/probe', post(chunked(JSON.stringify({ prompt: 'x'.repeat(1000) }))))
      expect(small.status).toBe(200)
      const big = await app.request('/probe', post(chunked(JSON.stringify({ prompt: 'x'.repeat(5000) }))))
      expect(big.status).toBe(413)
      expect(await big.json()).toEqual({ detail: 'Request body is larger than 2048 bytes' })
    })

    it('answers a failing handler with a plain 500 and logs the cause, not to the client', async () => {
      const { app, logs } = await probeApp()
      const response = await app.request('/explode', { method: 'POST' })
      expect(response.status).toBe(500)
      const text = await response.text()
      expect(JSON.parse(text)).toEqual({ detail: 'Internal Server Error' })
      expect(text).not.toContain('hunter2')
      const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(lines.filter((l) => l.level === 'error')).toEqual([
        expect.objectContaining({ message: 'Unhandled error', exception_class: 'Error' }),
      ])
      expect(lines.find((l) => l.logger === 'api.access')).toMatchObject({
        path: '/explode',
        status_code: 500,
      })
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    })
  })
}
