/**
 * What the Node server answers before a request reaches the app (node-entry/client-errors.ts): a
 * malformed request, headers too large (over 64 KiB, not Node's 16), and clients too slow to send
 * their headers or their body.
 * Node's own answers had empty bodies and let a slow client hold a socket for 90 s (headers) or
 * 330 s (body); here they are `{"detail": ...}` and the limits are settings.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_HEADER_BYTES } from '../../node-entry/client-errors.ts'
import { startServer, type RunningServer } from '../../node-entry/server.ts'

/** Writes `parts` to a raw connection (waiting `pauseMs` after each) and reads until the server closes it. */
function raw(port: number, parts: string[], pauseMs = 0): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve({ text, closedAfterMs: performance.now() - started }))
    socket.on('connect', async () => {
      for (const part of parts) {
        if (socket.destroyed) return
        socket.write(part)
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs))
      }
    })
  })
}

function parse(text: string): { status: number; headers: string; body: unknown } {
  const [head = '', body = ''] = text.split('\r\n\r\n')
  return {
    status: Number(head.split(' ')[1]),
    headers: head.toLowerCase(),
    body: body ? JSON.parse(body) : undefined,
  }
}

describe('Node server: answers before routing, and slow clients [node]', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({
      env: {
        AIGW_FASTAPI__HEADERS_TIMEOUT_S: '0.5',
        AIGW_FASTAPI__REQUEST_TIMEOUT_S: '1',
        AIGW_CUSTOMER_PORTAL_URL: '',
        AIGW_GITLAB_URL: 'http://127.0.0.1:9',
        // So that a request without a token reaches its route, which reads the body.
        AIGW_AUTH__BYPASS_EXTERNAL: 'true',
      },
      host: '127.0.0.1',
      port: 0,
      logSink: () => {},
    })
  })
  afterAll(() => server?.close(100))

  it('answers a malformed request 400 {"detail"} and closes the connection', async () => {
    const answer = parse((await raw(server.port, ['GARBAGE / HTTP/9.9\r\n\r\n'])).text)
    expect(answer.status).toBe(400)
    expect(answer.headers).toContain('content-type: application/json')
    expect(answer.headers).toContain('connection: close')
    expect(answer.body).toEqual({ detail: 'Bad Request' })
  })

  it('takes a 16 KiB header (Node alone would not), and answers headers over MAX_HEADER_BYTES 431 {"detail"}', async () => {
    const withHeader = (bytes: number) =>
      `GET /monitoring/healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(bytes)}\r\nConnection: close\r\n\r\n`
    expect(parse((await raw(server.port, [withHeader(16 * 1024)])).text).status).toBe(200)
    const answer = parse((await raw(server.port, [withHeader(MAX_HEADER_BYTES)])).text)
    expect(answer.status).toBe(431)
    expect(answer.body).toEqual({ detail: 'Request Header Fields Too Large' })
  })

  it('answers a client that never finishes its headers 408 {"detail"} after AIGW_FASTAPI__HEADERS_TIMEOUT_S, not after Node\'s minute', async () => {
    const { text, closedAfterMs } = await raw(server.port, [
      'POST /v1/code/user_access_token HTTP/1.1\r\nHost: x\r\n',
    ])
    expect(parse(text)).toMatchObject({ status: 408, body: { detail: 'Request Timeout' } })
    expect(closedAfterMs).toBeLessThan(10_000)
  })

  it('answers a client that never finishes its body 408 after AIGW_FASTAPI__REQUEST_TIMEOUT_S', async () => {
    const head =
      'POST /v2/code/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n'
    const { text, closedAfterMs } = await raw(server.port, [head, '{"a":', '"b'], 200)
    expect(parse(text)).toMatchObject({ status: 408, body: { detail: 'Request Timeout' } })
    expect(closedAfterMs).toBeLessThan(10_000)
  })

  it('still serves well-formed requests on the same server', async () => {
    expect((await fetch(`${server.url}/monitoring/healthz`)).status).toBe(200)
  })
})
