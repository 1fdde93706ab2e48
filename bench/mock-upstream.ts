/**
 * The benchmark's OpenAI-compatible upstream, run as its own process (so its CPU is never counted
 * as the gateway's): `node bench/mock-upstream.ts <port>`.
 *
 *   POST /v1/chat/completions       stream:true → 20 chat.completion.chunk events + [DONE], each
 *                                   written separately (≈3.8 KB; their texts are in mock-stream.ts);
 *                                   otherwise a small JSON answer. Any body with `stream: true`
 *                                   streams, so the gateway's code completions (a codestral prompt,
 *                                   `stream_options`) get the same stream as the proxied row. A
 *                                   Duo Chat turn (the last message is the assistant's `Thought:`
 *                                   prefill) gets a ReAct answer in as many events instead
 *                                   An Agentic Chat step (the body offers `tools`) whose last message
 *                                   is the user's gets one streamed `get_merge_request` tool call
 *                                   instead (bench/agent-platform.ts); after the tool's result, the
 *                                   usual 20-event answer
 *   POST /hold/v1/chat/completions  the first event at once, the rest only after /control/release;
 *                                   also on /v1/chat/completions when the last message is `/hold`
 *                                   (the gateway forwards the body unchanged, so a gateway that has
 *                                   just warmed up on normal streams can hold some open)
 *   POST /control/release           finishes every held stream       → {released}
 *   GET  /control/held              streams held open right now      → {held}
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { deltaContent, reactDeltaContent, STREAM_EVENTS as EVENTS } from './mock-stream.ts'

const held = new Set<ServerResponse>()

function chunk(index: number, content: (index: number) => string): string {
  const delta = index === 0 ? { role: 'assistant', content: content(0) } : { content: content(index) }
  const event = {
    id: 'chatcmpl-bench01',
    object: 'chat.completion.chunk',
    created: 1_764_633_600,
    model: 'gpt-5-2025-08-07',
    choices: [{ index: 0, delta, finish_reason: index === EVENTS - 1 ? 'stop' : null }],
  }
  return `data: ${JSON.stringify(event)}\n\n`
}

const SSE_EVENTS = Array.from({ length: EVENTS }, (_, i) => chunk(i, deltaContent))
const REACT_EVENTS = Array.from({ length: EVENTS }, (_, i) => chunk(i, reactDeltaContent))
const DONE = 'data: [DONE]\n\n'
const TOOL_CALL_EVENTS = [
  { role: 'assistant', content: '' },
  {
    tool_calls: [
      {
        index: 0,
        id: 'call_bench',
        type: 'function',
        function: { name: 'get_merge_request', arguments: '{"project_id":1,' },
      },
    ],
  },
  { tool_calls: [{ index: 0, function: { arguments: '"merge_request_iid":5}' } }] },
].map((delta, i, all) => {
  const event = {
    id: 'chatcmpl-bench02',
    object: 'chat.completion.chunk',
    created: 1_764_633_600,
    model: 'gpt-5-2025-08-07',
    choices: [{ index: 0, delta, finish_reason: i === all.length - 1 ? 'tool_calls' : null }],
  }
  return `data: ${JSON.stringify(event)}\n\n`
})
const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench0000000000000000000000',
  object: 'chat.completion',
  created: 1_764_633_600,
  model: 'gpt-5-2025-08-07',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello! How can I help?' },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 8, completion_tokens: 7, total_tokens: 15 },
})
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }

function finishStream(res: ServerResponse, from: number, events = SSE_EVENTS): void {
  for (const event of events.slice(from)) res.write(event)
  res.end(DONE)
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = ''
  req.setEncoding('utf8')
  for await (const part of req) text += part as string
  return text
}

function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = req.method === 'POST' ? await readBody(req) : ''
  const path = req.url ?? '/'
  if (req.method === 'POST' && path === '/control/release') {
    const streams = [...held]
    held.clear()
    for (const stream of streams) finishStream(stream, 1)
    return json(res, 200, JSON.stringify({ released: streams.length }))
  }
  if (req.method === 'GET' && path === '/control/held')
    return json(res, 200, JSON.stringify({ held: held.size }))
  if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/hold/v1/chat/completions')) {
    return json(res, 404, '{"error":{"message":"not found"}}')
  }
  const request = JSON.parse(body || '{}') as {
    stream?: unknown
    tools?: unknown
    messages?: { role?: unknown; content?: unknown }[]
  }
  if (request.stream !== true) return json(res, 200, COMPLETION)
  res.writeHead(200, SSE_HEADERS)
  if (path.startsWith('/hold/') || request.messages?.at(-1)?.content === '/hold') {
    res.write(SSE_EVENTS[0] ?? '')
    held.add(res)
    res.once('close', () => held.delete(res))
    return
  }
  if (Array.isArray(request.tools) && request.messages?.at(-1)?.role === 'user')
    return finishStream(res, 0, TOOL_CALL_EVENTS)
  finishStream(res, 0, isReactTurn(request.messages?.at(-1)) ? REACT_EVENTS : SSE_EVENTS)
}

/** Duo Chat's ReAct prompt ends with the assistant prefill `Thought:` (a string, or one text part). */
function isReactTurn(last: { role?: unknown; content?: unknown } | undefined): boolean {
  if (last?.role !== 'assistant') return false
  const content = Array.isArray(last.content)
    ? (last.content[0] as { text?: unknown } | undefined)?.text
    : last.content
  return typeof content === 'string' && content.trim() === 'Thought:'
}

const port = Number(process.argv[2] ?? 0)
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  handle(req, res).catch(() => json(res, 400, '{"error":{"message":"bad request"}}'))
})
server.listen(port, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(
    `mock upstream listening on ${typeof address === 'object' && address ? address.port : port}\n`,
  )
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
