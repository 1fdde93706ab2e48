/**
 * How much the upstream client costs a streaming proxy: one minimal Hono + @hono/node-server
 * proxy, POST → a local mock upstream, `new Response(upstream.body)` back, with the upstream call
 * made by (a) global fetch, (b) undici's npm `fetch`, (c) `createOutboundFetch().fetch`
 * (node-entry/outbound-fetch.ts) and (d) raw `undici.request` with a hand-written pull stream.
 * wrk (-t1 --latency): 2 s warm-up, then 50 connections for 10 s and 1 connection for 5 s, for
 * an SSE answer (20 events + [DONE], each written separately) and a small JSON one.
 *
 *   node_modules/.bin/node bench/outbound-fetch.ts [variants, default a,b,c,d]
 *
 * Each process (mock, proxy) is its own; on 2 cores the proxy's CPU per request is what differs.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SELF = fileURLToPath(import.meta.url)
const VARIANTS = {
  a: 'global fetch',
  b: 'undici fetch (npm)',
  c: 'createOutboundFetch',
  d: 'undici.request + pull stream',
}
type Variant = keyof typeof VARIANTS

async function mock(): Promise<void> {
  const events = Array.from(
    { length: 20 },
    (_, i) =>
      `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"word${i} "}}]}\n\n`,
  )
  const completion = JSON.stringify({
    id: 'c1',
    object: 'chat.completion',
    choices: [
      { index: 0, message: { role: 'assistant', content: 'Hello! How can I help?' }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 8, completion_tokens: 7, total_tokens: 15 },
  })
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (part: string) => (body += part))
    req.on('end', () => {
      if (!body.includes('"stream":true')) {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(completion),
        })
        return res.end(completion)
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const event of events) res.write(event)
      res.end('data: [DONE]\n\n')
    })
  })
  await listen(server)
}

async function proxy(variant: Variant, upstream: string): Promise<void> {
  const { Hono } = await import('hono')
  const { getRequestListener } = await import('@hono/node-server')
  const undici = await import('undici')
  const { createOutboundFetch } = await import('../node-entry/outbound-fetch.ts')
  const agent = new undici.Agent({ connections: 128 })
  const outbound = createOutboundFetch()
  const call: (
    body: string,
  ) => Promise<{ status: number; type: string; body: ReadableStream<Uint8Array> | null }> = {
    a: (body: string) => viaFetch(globalThis.fetch, body),
    b: (body: string) => viaFetch(undici.fetch as unknown as typeof fetch, body),
    c: (body: string) => viaFetch(outbound.fetch, body),
    d: async (body: string) => {
      const answer = await agent.request({
        origin: upstream,
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      const chunks = answer.body[Symbol.asyncIterator]()
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await chunks.next()
          if (done) controller.close()
          else controller.enqueue(value as Uint8Array)
        },
        cancel: () => void answer.body.destroy(),
      })
      return { status: answer.statusCode, type: String(answer.headers['content-type']), body: stream }
    },
  }[variant]
  async function viaFetch(fetchImpl: typeof fetch, body: string) {
    const response = await fetchImpl(`${upstream}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: response.body }
  }
  const app = new Hono()
  app.post('/v1/chat/completions', async (c) => {
    const answer = await call(await c.req.text())
    return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.type } })
  })
  await listen(createServer(getRequestListener(app.fetch)))
}

function listen(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
      resolve()
    }),
  )
}

/** Starts this file in a role and resolves with the port it printed. */
function start(...args: string[]): Promise<{ port: number; cpuMs: () => number; stop: () => void }> {
  const child = spawn(process.execPath, [SELF, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  // utime + stime of the process, in clock ticks (100 Hz): CPU per request survives a noisy VM.
  const cpuMs = () =>
    readFileSync(`/proc/${child.pid}/stat`, 'utf8')
      .split(') ')[1]!
      .split(' ')
      .slice(11, 13)
      .reduce((sum, t) => sum + Number(t) * 10, 0)
  return new Promise((resolve) =>
    child.stdout.once('data', (data: Buffer) =>
      resolve({ port: Number(data.toString().trim()), cpuMs, stop: () => child.kill() }),
    ),
  )
}

function wrk(port: number, lua: string, connections: number, seconds: number) {
  const out = execFileSync('wrk', [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    lua,
    `http://127.0.0.1:${port}/v1/chat/completions`,
  ]).toString()
  const ms = (p: string) => {
    const [, value, unit] = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out) ?? []
    return Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1)
  }
  if (/Non-2xx|Socket errors/.test(out)) process.stderr.write(out)
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), p50: ms('50'), p99: ms('99') }
}

async function main(variants: Variant[]): Promise<void> {
  const scripts = Object.fromEntries(
    (['json', 'sse'] as const).map((kind) => {
      const file = join(tmpdir(), `outbound-${kind}.lua`)
      const body = JSON.stringify({
        model: 'gpt-5',
        messages: [{ role: 'user', content: 'hi' }],
        stream: kind === 'sse',
      })
      writeFileSync(
        file,
        `wrk.method = "POST"\nwrk.headers["content-type"] = "application/json"\nwrk.body = [[${body}]]\n`,
      )
      return [kind, file]
    }),
  ) as Record<'json' | 'sse', string>
  const upstream = await start('mock')
  console.log(`node ${process.version}; rows: 50 connections for 10 s, then 1 connection for 5 s (p50)`)
  console.log(
    '| variant | answer | req/s | p50 ms | p99 ms | 1-conn p50 ms | proxy CPU µs/req |\n| --- | --- | --- | --- | --- | --- | --- |',
  )
  for (const variant of variants) {
    for (const kind of ['sse', 'json'] as const) {
      const gateway = await start('proxy', variant, `http://127.0.0.1:${upstream.port}`)
      wrk(gateway.port, scripts[kind], 50, 2)
      const cpuBefore = gateway.cpuMs()
      const loaded = wrk(gateway.port, scripts[kind], 50, 10)
      const cpuPerRequestUs = ((gateway.cpuMs() - cpuBefore) * 1000) / (loaded.rps * 10)
      const single = wrk(gateway.port, scripts[kind], 1, 5)
      gateway.stop()
      const f = (n: number) => n.toFixed(2)
      console.log(
        `| (${variant}) ${VARIANTS[variant]} | ${kind} | ${Math.round(loaded.rps)} | ${f(loaded.p50)} | ${f(loaded.p99)} | ${f(single.p50)} | ${Math.round(cpuPerRequestUs)} |`,
      )
    }
  }
  upstream.stop()
}

const [role, ...rest] = process.argv.slice(2)
if (role === 'mock') await mock()
else if (role === 'proxy') await proxy(rest[0] as Variant, rest[1] ?? '')
else await main(((role ?? 'a,b,c,d').split(',') as Variant[]).filter((v) => v in VARIANTS))
