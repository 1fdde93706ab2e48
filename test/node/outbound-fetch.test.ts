/**
 * The Node outbound port (node-entry/outbound-fetch.ts) against the fake model server and small
 * local servers: Web-shaped responses, streaming without buffering, cancels and aborts that hang
 * up on the upstream, fetch-shaped errors with the codes the core classifies, redirects,
 * keep-alive reuse, and trust of CAs added with `tls.setDefaultCACertificates` (as env.ts does).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createOutboundFetch } from '../../node-entry/outbound-fetch.ts'
import { newModelServer } from '../contract/model-server-client.ts'
import { SSE_HEADERS, sseFrame } from '../contract/wire/sse.ts'
import { freePort } from './processes.ts'

const outbound = createOutboundFetch()
const fetchOut = outbound.fetch
afterAll(() => outbound.close())

/** A local server that counts the TCP connections it accepts. */
async function countingServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  server: Server = createServer(),
) {
  let connections = 0
  server.on('request', handler)
  server.on('connection', () => connections++)
  server.on('secureConnection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  }
}

/** Rejects with what `promise` rejected with (fails the test if it resolved). */
async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { cause?: { code?: string; message?: string } }> {
  try {
    await promise
  } catch (error) {
    return error as Error & { cause?: { code?: string } }
  }
  throw new Error('expected a rejection')
}

describe('request and response', () => {
  it('sends the exact body bytes with their content-length and returns status, headers and body', async () => {
    const server = await newModelServer()
    await server.script({ status: 418, headers: { 'x-upstream': 'yes' }, chunks: [{ text: '{"ok":true}' }] })
    const bytes = new Uint8Array([0, 255, 128, 10, 13, 0xe2])
    const response = await fetchOut(`${server.url}/v1/messages?beta=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'X-Api-Key': 'k' },
      body: bytes,
    })
    expect(response).toBeInstanceOf(Response)
    expect(response.status).toBe(418)
    expect(response.statusText).toBe("I'm a Teapot")
    expect(response.headers.get('x-upstream')).toBe('yes')
    expect(response.body).toBeInstanceOf(ReadableStream)
    expect(await response.json()).toEqual({ ok: true })
    const received = await server.onlyRequest()
    expect(received.method).toBe('POST')
    expect(received.path).toBe('/v1/messages?beta=1')
    expect(received.bodyBase64).toBe(Buffer.from(bytes).toString('base64'))
    expect(received.headers['content-length']).toBe('6')
    expect(received.headers['x-api-key']).toBe('k')
  })

  it('takes a Request as input, with its method, headers and body', async () => {
    const server = await newModelServer()
    await server.script({ chunks: [{ text: '{}' }] })
    const body = JSON.stringify({ prompt: 'héllo ✓' })
    const request = new Request(`${server.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body,
    })
    expect((await fetchOut(request)).status).toBe(200)
    const received = await server.onlyRequest()
    expect(received.body).toBe(body)
    expect(received.headers['content-length']).toBe(String(Buffer.byteLength(body)))
    expect(received.headers['content-type']).toBe('application/json')
    expect(received.headers.authorization).toBe('Bearer t')
  })

  it("sends string, ArrayBuffer and URLSearchParams bodies, with fetch's default content types", async () => {
    const server = await newModelServer()
    await server.script({ chunks: [{ text: '{}' }] })
    await (await fetchOut(server.url, { method: 'POST', body: 'grüß' })).text()
    await (await fetchOut(server.url, { method: 'PUT', body: new TextEncoder().encode('ab').buffer })).text()
    await (await fetchOut(server.url, { method: 'POST', body: new URLSearchParams({ a: '1 2' }) })).text()
    const [text, buffer, form] = await server.requests()
    expect([text?.body, text?.headers['content-length'], text?.headers['content-type']]).toEqual([
      'grüß',
      '6',
      'text/plain;charset=UTF-8',
    ])
    expect([buffer?.method, buffer?.body, buffer?.headers['content-length']]).toEqual(['PUT', 'ab', '2'])
    expect([form?.body, form?.headers['content-type']]).toEqual([
      'a=1+2',
      'application/x-www-form-urlencoded;charset=UTF-8',
    ])
  })

  it('keeps repeated response headers apart, and has no body for HEAD and 204', async () => {
    const local = await countingServer((req, res) => {
      if (req.url === '/empty') return res.writeHead(204).end()
      res.setHeader('set-cookie', ['a=1', 'b=2'])
      res.setHeader('x-multi', ['one', 'two'])
      res.end('body')
    })
    try {
      const response = await fetchOut(`http://127.0.0.1:${local.port}/`)
      expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
      expect(response.headers.get('x-multi')).toBe('one, two')
      expect(await response.text()).toBe('body')
      const head = await fetchOut(`http://127.0.0.1:${local.port}/`, { method: 'HEAD' })
      expect([head.status, head.body]).toEqual([200, null])
      const empty = await fetchOut(`http://127.0.0.1:${local.port}/empty`, { method: 'DELETE' })
      expect([empty.status, empty.body]).toEqual([204, null])
    } finally {
      await local.close()
    }
  })

  it('reuses keep-alive connections for sequential requests', async () => {
    const local = await countingServer((_req, res) => res.end('ok'))
    try {
      // undici frees a socket a tick after the body ends, so back-to-back requests alternate
      // between two sockets (global fetch does the same); without keep-alive this would be 10.
      for (let i = 0; i < 10; i++)
        expect(await (await fetchOut(`http://127.0.0.1:${local.port}/${i}`)).text()).toBe('ok')
      expect(local.connections()).toBeLessThanOrEqual(2)
    } finally {
      await local.close()
    }
  })
})

describe('streaming', () => {
  it('hands out the first chunk while the upstream still holds the stream open', async () => {
    const server = await newModelServer()
    await server.script({
      headers: SSE_HEADERS,
      chunks: [{ text: sseFrame({ data: { n: 1 } }) }],
      hang: true,
    })
    const response = await fetchOut(server.url, { method: 'POST', body: '{}' })
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toBe('data: {"n":1}\n\n')
    expect(first.value?.constructor).toBe(Uint8Array)
    await reader.cancel()
  })

  it('hangs up on the upstream at once when the reader cancels mid-stream', async () => {
    const server = await newModelServer()
    await server.script({ headers: SSE_HEADERS, chunks: [{ text: sseFrame({ data: 'a' }) }], hang: true })
    const reader = (await fetchOut(server.url, { method: 'POST', body: '{}' })).body!.getReader()
    await reader.read()
    await reader.cancel()
    expect((await server.waitForEarlyClose(1000)).closedEarly).toBe(true)
  })

  it('an abort mid-stream errors the body with the reason and hangs up on the upstream', async () => {
    const server = await newModelServer()
    await server.script({ headers: SSE_HEADERS, chunks: [{ text: sseFrame({ data: 'a' }) }], hang: true })
    const controller = new AbortController()
    const reader = (
      await fetchOut(server.url, { method: 'POST', body: '{}', signal: controller.signal })
    ).body!.getReader()
    await reader.read()
    const reason = new DOMException('stop', 'AbortError')
    controller.abort(reason)
    expect(await rejection(reader.read())).toBe(reason)
    await server.waitForEarlyClose(1000)
  })

  it('opens no extra connection after a cancelled or aborted stream (IDEs cancel completions constantly)', async () => {
    // undici 7 re-queues the aborted request and connects again for it (#5845): one empty connection per cancel.
    const streaming = await countingServer((_req, res) => {
      res.writeHead(200, SSE_HEADERS)
      res.write(sseFrame({ data: 'a' }))
    })
    try {
      const own = createOutboundFetch()
      for (const how of ['cancel', 'abort', 'cancel', 'abort'] as const) {
        const controller = new AbortController()
        const reader = (
          await own.fetch(`http://127.0.0.1:${streaming.port}/`, {
            method: 'POST',
            body: '{}',
            signal: controller.signal,
          })
        ).body!.getReader()
        await reader.read()
        if (how === 'abort') controller.abort(new DOMException('stop', 'AbortError'))
        await reader.cancel().catch(() => {})
      }
      // Time for a reconnect to happen if one were going to.
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(streaming.connections()).toBe(4)
      await own.close()
    } finally {
      await streaming.close()
    }
  })

  it('an upstream that drops the connection mid-stream errors the body instead of ending it', async () => {
    const server = await newModelServer()
    await server.script({
      headers: SSE_HEADERS,
      chunks: [{ text: sseFrame({ data: 'a' }) }, { text: 'data: par', delayMs: 20 }],
      destroy: true,
    })
    const response = await fetchOut(server.url, { method: 'POST', body: '{}' })
    const error = await rejection(response.text())
    expect(error).toBeInstanceOf(TypeError)
    expect(error.cause?.code).toBe('UND_ERR_SOCKET')
  })
})

describe('abort signals', () => {
  it('rejects at once with the reason when the signal is already aborted, and sends nothing', async () => {
    const server = await newModelServer()
    const reason = new DOMException('gone', 'AbortError')
    expect(await rejection(fetchOut(server.url, { signal: AbortSignal.abort(reason) }))).toBe(reason)
    expect(await server.requests()).toEqual([])
  })

  it("aborts the request while waiting for the answer, with the timeout's TimeoutError", async () => {
    const server = await newModelServer()
    await server.script({ delayMs: 5000, chunks: [{ text: '{}' }] })
    const error = await rejection(
      fetchOut(server.url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(100) }),
    )
    expect(error).toBeInstanceOf(DOMException)
    expect(error.name).toBe('TimeoutError')
    await server.waitForEarlyClose(1000)
  })
})

describe('fetch-shaped errors', () => {
  it('ECONNREFUSED for a closed port', async () => {
    const error = await rejection(fetchOut(`http://127.0.0.1:${await freePort()}/`))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe('fetch failed')
    expect(error.cause?.code).toBe('ECONNREFUSED')
  })

  it('ENOTFOUND for a host that does not exist', async () => {
    const error = await rejection(fetchOut('http://no-such-host.invalid/'))
    expect(error).toBeInstanceOf(TypeError)
    // EAI_AGAIN where no resolver answers at all.
    expect(error.cause?.code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/)
  })

  it('a TLS error for a certificate nobody trusts', async () => {
    // Not newModelServer({ tls: true }): its control API is behind the same untrusted certificate.
    const error = await rejection(fetchOut(`${inject('untrustedModelServerUrl')}/t/none`))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.cause?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
  })
})

describe('redirects', () => {
  async function redirecting(status: number) {
    const server = await newModelServer()
    await server.script(
      { match: '/start', status, headers: { location: `${server.url}/final` } },
      { match: '/final', chunks: [{ text: '{"final":true}' }] },
    )
    return server
  }

  it('follows them for GET, and never for POST (a model server must not send the key and prompt elsewhere)', async () => {
    const server = await redirecting(302)
    expect(await (await fetchOut(`${server.url}/start`)).json()).toEqual({ final: true })
    const post = await fetchOut(`${server.url}/start`, {
      method: 'POST',
      body: 'x',
      headers: { 'x-api-key': 'k' },
    })
    expect([post.status, post.headers.get('location')]).toEqual([302, `${server.url}/final`])
    const kept = await redirecting(307)
    expect((await fetchOut(`${kept.url}/start`, { method: 'POST', body: 'x' })).status).toBe(307)
    expect((await server.requests()).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /start',
      'GET /final',
      'POST /start',
    ])
    expect((await kept.requests()).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /start'])
  })

  it('follows at most 5', async () => {
    const server = await newModelServer()
    const hops = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        match: `/h${i}`,
        status: 302,
        headers: { location: `${server.url}/h${i + 1}` },
      }))
    await server.script(...hops(5), { match: '/h5', chunks: [{ text: 'done' }] })
    expect(await (await fetchOut(`${server.url}/h0`)).text()).toBe('done')
    await server.script(...hops(6), { match: '/h6', chunks: [{ text: 'done' }] })
    expect(await rejection(fetchOut(`${server.url}/h0`))).toBeInstanceOf(TypeError)
  })

  it("returns the 3xx with redirect: 'manual' and rejects with redirect: 'error'", async () => {
    const server = await redirecting(301)
    const manual = await fetchOut(`${server.url}/start`, { redirect: 'manual' })
    expect([manual.status, manual.headers.get('location')]).toEqual([301, `${server.url}/final`])
    const error = await rejection(fetchOut(`${server.url}/start`, { redirect: 'error' }))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.cause?.message).toBe('unexpected redirect')
    expect((await server.requests()).map((r) => r.path)).toEqual(['/start', '/start'])
  })
})

describe('TLS trust set with tls.setDefaultCACertificates (as node-entry/env.ts applies SSL_CERT_FILE)', () => {
  const original = getCACertificates('default')
  let directory: string
  let ca: string
  let https: Awaited<ReturnType<typeof countingServer>>

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'aigw-outbound-ca-'))
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' })
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=aigw-edge outbound test CA',
    )
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    )
    writeFileSync(join(directory, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n')
    openssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    )
    const read = (name: string) => readFileSync(join(directory, name), 'utf8')
    ca = read('ca.pem')
    const server = createHttpsServer({ key: read('server.key'), cert: read('server.pem') })
    https = await countingServer((_req, res) => res.end('trusted'), server)
  })
  afterAll(async () => {
    setDefaultCACertificates(original)
    await https?.close()
    rmSync(directory, { recursive: true, force: true })
  })

  it('refuses the private CA until it is added to the default CAs, then trusts it (same agent)', async () => {
    const own = createOutboundFetch()
    try {
      const error = await rejection(own.fetch(`https://127.0.0.1:${https.port}/`))
      expect(error.cause?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
      setDefaultCACertificates([...original, ca])
      expect(await (await own.fetch(`https://127.0.0.1:${https.port}/`)).text()).toBe('trusted')
      expect(await (await createOutboundFetch().fetch(`https://127.0.0.1:${https.port}/`)).text()).toBe(
        'trusted',
      )
    } finally {
      await own.close()
    }
  })
})
