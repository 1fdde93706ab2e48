/**
 * The peer baseline (toolchain-notes §2, "hono-undici"): the least a Hono proxy on Node can do
 * for this route. No auth, no logging, no validation; `undici.request` upstream and a pull-based
 * ReadableStream back (Readable.toWeb can crash the process when a client hangs up mid-stream).
 *
 *   node bench/minimal-proxy.ts <port> <upstream base, e.g. http://127.0.0.1:5055/v1>
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { Agent, request } from 'undici'

const port = Number(process.argv[2])
const base = process.argv[3] ?? 'http://127.0.0.1:5055/v1'
const dispatcher = new Agent({ connections: 256 })
const app = new Hono()

app.get('/monitoring/healthz', (c) => c.json({ status: 'ok' }))

app.post('/v1/proxy/openai/v1/chat/completions', async (c) => {
  const body = await c.req.arrayBuffer()
  const upstream = await request(`${base}/chat/completions`, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: new Uint8Array(body),
  })
  const iterator = upstream.body[Symbol.asyncIterator]()
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next()
      if (done) controller.close()
      else controller.enqueue(value as Uint8Array)
    },
    cancel() {
      upstream.body.destroy()
    },
  })
  const contentType = upstream.headers['content-type']
  return new Response(stream, {
    status: upstream.statusCode,
    headers: { 'content-type': typeof contentType === 'string' ? contentType : 'application/json' },
  })
})

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`minimal proxy listening on ${info.port}\n`)
})
process.once('SIGTERM', () => {
  server.close(() => process.exit(0))
  setTimeout(() => process.exit(0), 1000).unref()
})
