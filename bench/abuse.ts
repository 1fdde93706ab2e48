/**
 * `node bench/abuse.ts [--bundle dist/node/main.mjs] [--quick]`: the fault-and-abuse figures, measured
 * on the Node gateway as `npm start` runs it (a child process, RSS read from /proc) against a model
 * server that misbehaves on purpose (in this process):
 * - memory: RSS before and after a 50 MiB (and 400 MiB) non-streamed answer, and its peak (VmHWM);
 *   a Duo Chat turn whose model writes a 200 MiB thought that never reaches an answer;
 * - clocks: how long a v2 completion stream stays open when the model server drips an SSE comment
 *   every 2 s (capped at 100 s);
 * - the proxy: whether an upstream that echoes `Authorization` in its error hands the key out.
 * Pass `--bundle` to measure another build (e.g. a worktree of an older commit) with the same
 * harness. Nothing is asserted: it prints a table.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { startFakeIssuer } from '../test/fakes/oidc-issuer.ts'
import { CHAT_SCOPES, chatBody, codeCompletionBody, gitlabHeaders, INSTANCE_ID } from './scenarios.ts'

const args = process.argv.slice(2)
const bundle = resolve(
  args[args.indexOf('--bundle') + 1] && args.includes('--bundle')
    ? args[args.indexOf('--bundle') + 1]!
    : 'dist/node/main.mjs',
)
const quick = args.includes('--quick')
const KEY = 'sk-abuse-OPERATOR-KEY-0123456789'
const MiB = 1024 * 1024

// The misbehaving model server.
const model = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8')
    const url = req.url ?? ''
    const mode = /\/mode\/([a-z]+)\/(\d+)/.exec(url)
    const [kind, size] = mode ? [mode[1], Number(mode[2])] : ['', 0]
    if (url.includes('/v1/proxy-echo')) {
      res.writeHead(401, { 'content-type': 'application/json' })
      return res.end(
        JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization}` } }),
      )
    }
    if (kind === 'big') return bigAnswer(res, size * MiB)
    if (kind === 'thought') return thought(res, size * MiB)
    if (kind === 'drip') return drip(res)
    res.writeHead(404).end(body.slice(0, 10))
  })
})

function bigAnswer(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/json' })
  const head =
    '{"id":"x","object":"chat.completion","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"'
  const tail = '"}}]}'
  res.write(head)
  const piece = 'x'.repeat(64 * 1024)
  let sent = 0
  const pump = () => {
    while (sent < bytes) {
      sent += piece.length
      if (!res.write(piece)) return res.once('drain', pump)
    }
    res.end(tail)
  }
  res.on('close', () => (sent = bytes + 1))
  pump()
}

function thought(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  const event = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'I keep thinking about it. '.repeat(400) } }] })}\n\n`
  let sent = 0
  const pump = () => {
    while (sent < bytes) {
      sent += 26 * 400
      if (!res.write(event)) return res.once('drain', pump)
    }
    res.end('data: [DONE]\n\n')
  }
  res.on('close', () => (sent = bytes + 1))
  pump()
}

function drip(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  const timer = setInterval(() => res.write(': still here\n\n'), 2000)
  res.on('close', () => clearInterval(timer))
}

await new Promise<void>((done) => model.listen(0, '127.0.0.1', done))
const modelOrigin = `http://127.0.0.1:${(model.address() as AddressInfo).port}`

const issuer = await startFakeIssuer()
const tenant = (await (
  await fetch(`${issuer.url}/control/tenants`, { method: 'POST', body: '{}' })
).json()) as { id: string; url: string }
const now = Math.floor(Date.now() / 1000)
const sign = async (scopes: readonly string[]) =>
  (
    (await (
      await fetch(`${issuer.url}/control/t/${tenant.id}/sign`, {
        method: 'POST',
        body: JSON.stringify({
          claims: {
            iss: tenant.url,
            sub: INSTANCE_ID,
            aud: 'gitlab-ai-gateway',
            gitlab_realm: 'self-managed',
            scopes,
            iat: now,
            nbf: now,
            exp: now + 3600,
          },
        }),
      })
    ).json()) as { token: string }
  ).token
const token = await sign(['duo_chat', 'complete_code', ...CHAT_SCOPES])

async function startGateway(): Promise<{ child: ChildProcess; origin: string }> {
  const port = 20000 + Math.floor(Math.random() * 20000)
  const child = spawn(process.execPath, [bundle], {
    env: {
      PATH: process.env.PATH,
      AIGW_GITLAB_URL: tenant.url,
      AIGW_CUSTOMER_PORTAL_URL: '',
      AIGW_FASTAPI__API_HOST: '127.0.0.1',
      AIGW_FASTAPI__API_PORT: String(port),
      AIGW_FASTAPI__METRICS_PORT: '0',
      AIGW_LOGGING__LEVEL: 'ERROR',
      OPENAI_BASE_URL: `${modelOrigin}/v1/proxy-echo`,
      OPENAI_API_KEY: KEY,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const origin = `http://127.0.0.1:${port}`
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${origin}/monitoring/ready`)).status === 200) return { child, origin }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('the gateway did not become ready')
}

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024
  return { rss: Math.round(kb('VmRSS')), peak: Math.round(kb('VmHWM')) }
}

const rows: string[][] = []
const settle = () => new Promise((r) => setTimeout(r, 1500))

async function memoryCase(label: string, path: string, body: string): Promise<void> {
  const { child, origin } = await startGateway()
  try {
    const before = memory(child.pid!)
    const started = performance.now()
    let outcome: string
    try {
      const response = await fetch(`${origin}${path}`, {
        method: 'POST',
        headers: gitlabHeaders(token),
        body,
      })
      const text = await response.text()
      outcome = `${response.status} ${text.slice(0, 90).replace(/\s+/g, ' ')}${text.length > 90 ? '…' : ''}`
    } catch (error) {
      outcome = `no answer (${(error as Error).message})`
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    await settle()
    const after = child.exitCode === null ? memory(child.pid!) : { rss: 0, peak: 0 }
    rows.push([
      label,
      `${before.rss}`,
      `${after.peak}`,
      `${after.rss}`,
      seconds,
      child.exitCode === null ? outcome : `gateway died (${child.exitCode})`,
    ])
  } finally {
    child.kill('SIGKILL')
  }
}

await memoryCase(
  'v2 completion, 50 MiB answer',
  '/v2/code/completions',
  codeCompletionBody(`${modelOrigin}/mode/big/50`).replace('"stream":true', '"stream":false'),
)
if (!quick)
  await memoryCase(
    'v2 completion, 400 MiB answer',
    '/v2/code/completions',
    codeCompletionBody(`${modelOrigin}/mode/big/400`).replace('"stream":true', '"stream":false'),
  )
await memoryCase('Duo Chat, 200 MiB thought', '/v2/chat/agent', chatBody(`${modelOrigin}/mode/thought/200`))

console.log(
  '\n| case | RSS before MiB | peak RSS MiB | RSS after MiB | seconds | answer |\n|---|---|---|---|---|---|',
)
for (const row of rows) console.log(`| ${row.join(' | ')} |`)

// Clocks: a drip of SSE comments, one every 2 s.
{
  const { child, origin } = await startGateway()
  const started = performance.now()
  const controller = new AbortController()
  const cap = setTimeout(() => controller.abort(), 100_000)
  let ended = 'still open at 100 s (stopped by the client)'
  try {
    const response = await fetch(`${origin}/v2/code/completions`, {
      method: 'POST',
      headers: gitlabHeaders(token),
      body: codeCompletionBody(`${modelOrigin}/mode/drip/0`),
      signal: controller.signal,
    })
    const text = await response.text().catch((error: Error) => `[${error.message}]`)
    ended = `ended after ${((performance.now() - started) / 1000).toFixed(1)} s, ${text.length} bytes received (${text.slice(0, 40)})`
  } catch {
    // aborted at the cap
  }
  clearTimeout(cap)
  console.log(`\nv2 completion stream, an SSE comment every 2 s: ${ended}`)
  child.kill('SIGKILL')
}

// The proxy and an upstream echoing the key.
{
  const { child, origin } = await startGateway()
  const response = await fetch(`${origin}/v1/proxy/openai/v1/chat/completions`, {
    method: 'POST',
    headers: gitlabHeaders(token),
    body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }),
  })
  const text = await response.text()
  console.log(
    `\nproxy, upstream echoing Authorization: ${response.status} ${text} -> key ${text.includes(KEY) ? 'LEAKED' : 'not in the body'}`,
  )
  child.kill('SIGKILL')
}

model.close()
await issuer.close()
process.exit(0)
