/**
 * A fake model server on a real port, for every wire format: each test scripts the exact bytes a
 * provider sends (SSE frames, AWS event-stream frames, JSON errors), with delays between chunks,
 * hang-ups and hangs, and then inspects what the gateway sent it. Tests in any runtime drive it
 * over HTTP through `ModelServer` (test/contract/model-server-client.ts); the builders in
 * test/contract/wire/ produce each format's real framing.
 *
 * Every tenant lives under `/t/<id>`, so parallel tests never share scripts or records.
 *
 * Control API (JSON):
 *   POST /control/tenants                         -> {id, url}
 *   POST /control/t/<id>/script   {steps: Step[]}  replaces the script
 *   GET  /control/t/<id>/requests                 -> Received[]
 *
 * A request to `/t/<id>/<path>` takes the first step whose `match` is a prefix of `<path>` (with
 * its query) and whose `times` are not used up; a step without `times` serves any number.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { Received, Step } from './model-script.ts'

interface Tenant {
  steps: (Step & { used: number })[]
  received: Received[]
}

export interface FakeModelServer {
  url: string
  /** The same tenants over HTTPS, when started with a certificate (its control API stays on `url`). */
  tlsUrl: string | undefined
  close(): Promise<void>
}

export async function startFakeModelServer(tls?: { key: string; cert: string }): Promise<FakeModelServer> {
  const tenants = new Map<string, Tenant>()
  const sockets = new Set<Socket>()
  let baseUrl = ''
  let tlsBaseUrl: string | undefined
  const tlsBase = () => tlsBaseUrl
  let nextId = 1

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const bodyBytes = await readBody(req)
    if (req.method === 'POST' && url.pathname === '/control/tenants') {
      const id = `${nextId++}-${Math.random().toString(36).slice(2, 8)}`
      tenants.set(id, { steps: [], received: [] })
      return sendJson(res, 200, {
        id,
        url: `${baseUrl}/t/${id}`,
        tlsUrl: tlsBase() && `${tlsBase()}/t/${id}`,
      })
    }
    const control = /^\/control\/t\/([^/]+)\/(script|requests)$/.exec(url.pathname)
    if (control) {
      const tenant = tenants.get(control[1] ?? '')
      if (!tenant) return sendJson(res, 404, { error: 'no such tenant' })
      if (control[2] === 'requests') return sendJson(res, 200, tenant.received)
      const { steps } = JSON.parse(bodyBytes.toString('utf8') || '{}') as { steps?: Step[] }
      tenant.steps = (steps ?? []).map((step) => ({ ...step, used: 0 }))
      return sendJson(res, 200, {})
    }
    const served = /^\/t\/([^/]+)(\/.*)?$/.exec(url.pathname)
    const tenant = served ? tenants.get(served[1] ?? '') : undefined
    if (!served || !tenant) return sendJson(res, 404, { error: 'no such tenant' })

    const path = (served[2] ?? '/') + url.search
    const record: Received = {
      method: req.method ?? 'GET',
      path,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      ),
      body: bodyBytes.toString('utf8'),
      bodyBase64: bodyBytes.toString('base64'),
      closedEarly: false,
      closedAfterMs: null,
    }
    tenant.received.push(record)
    const arrived = performance.now()
    res.on('close', () => {
      if (!res.writableFinished) {
        record.closedEarly = true
        record.closedAfterMs = Math.round(performance.now() - arrived)
      }
    })

    const step = tenant.steps.find(
      (s) => path.startsWith(s.match ?? '') && (s.times === undefined || s.used < s.times),
    )
    if (!step)
      return sendJson(res, 500, { error: { message: `fake model server: no script step for ${path}` } })
    step.used++
    await serveStep(step, res)
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) })
      else res.destroy()
    })
  }
  const servers: Server[] = [createHttpServer(listener), ...(tls ? [createHttpsServer(tls, listener)] : [])]
  const urls: string[] = []
  for (const [index, server] of servers.entries()) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    urls.push(`${index === 0 ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`)
  }
  baseUrl = urls[0]!
  tlsBaseUrl = urls[1]
  return {
    url: baseUrl,
    tlsUrl: urls[1],
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await Promise.all(
        servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      )
    },
  }
}

async function serveStep(step: Step, res: ServerResponse): Promise<void> {
  const gone = () => res.destroyed || res.writableEnded
  if (step.delayMs) await sleep(step.delayMs)
  if (gone()) return
  res.writeHead(step.status ?? 200, { 'content-type': 'application/json', ...step.headers })
  res.flushHeaders()
  for (const chunk of step.chunks ?? []) {
    if (chunk.delayMs) await sleep(chunk.delayMs)
    if (gone()) return
    res.write(chunk.base64 !== undefined ? Buffer.from(chunk.base64, 'base64') : (chunk.text ?? ''))
  }
  if (step.destroy) {
    // Let the chunks leave first: destroy() drops whatever is still queued in the socket.
    await sleep(50)
    res.socket?.destroy()
    return
  }
  if (step.hang) return // until the client goes away
  res.end()
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}
