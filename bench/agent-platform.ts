/**
 * `node bench/agent-platform.ts [--quick]` (also the last section of `npm run bench`): one Agentic
 * Chat turn with one tool call, end to end, beside the same work done directly.
 *
 * - **direct**: what the turn costs the model server and nothing else: the turn's two streamed model
 *   calls (the tool decision, then the 20-event answer), straight to the mock upstream.
 * - **aigw-edge node**: `dist/node/main.mjs` as `npm start` runs it; a fake Workhorse (a real gRPC
 *   client, in this process) opens `ExecuteWorkflow` with a real instance token, and answers the
 *   turn's `runHTTPRequest`s from an in-memory fake Rails: the workflow query, the status events,
 *   the checkpoints, the tool's GitLab API call, the final read. The model calls go to the mock.
 *
 * Measured: turns per second at 20 concurrent turns, the latency of one turn alone (p50, p99), and
 * the gateway's CPU time per turn and RSS after the load; before that, three bursts of 200
 * concurrent turns, with the gateway's heap and RSS after a forced GC at rest and after each. The fake Workhorse and Rails run in this
 * process, so their CPU is not counted as the gateway's.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Action } from '../src/agent-platform/contract.ts'
import { startFakeIssuer } from '../test/fakes/oidc-issuer.ts'
import { createFakeRails } from '../test/fakes/rails.ts'
import { dialWorkhorse } from '../test/fakes/workhorse.ts'
import {
  cpuSecondsOf,
  freePort,
  killChildrenOnExit,
  memoryOf,
  runCommand,
  spawnChild,
  stopChild,
  waitForHttp,
} from './processes.ts'

const { values: options } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, 'no-build': { type: 'boolean', default: false } },
})
const SECONDS = options.quick ? 3 : 10
const CONCURRENCY = 20
const SOLO_TURNS = options.quick ? 30 : 100
const root = join(import.meta.dirname, '..')
killChildrenOnExit()
const log = (line: string) => process.stdout.write(`${line}\n`)
const workDir = mkdtempSync(join(tmpdir(), 'aigw-bench-agent-platform-'))

if (!options['no-build']) await runCommand('npm', ['run', 'build:node'], { cwd: root, timeoutMs: 120_000 })
const mockPort = await freePort()
const mock = spawnChild(
  'mock upstream',
  process.execPath,
  [join(root, 'bench/mock-upstream.ts'), String(mockPort)],
  { cwd: root, logFile: join(workDir, 'mock.log') },
)
const mockOrigin = `http://127.0.0.1:${mockPort}`
await new Promise((resolve) => setTimeout(resolve, 500))

// ---- direct: the two model calls of a turn
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_merge_request',
      description: 'Reads a merge request',
      parameters: { type: 'object', properties: {} },
    },
  },
]
async function directTurn(): Promise<void> {
  const call = async (messages: unknown[]) => {
    const response = await fetch(`${mockOrigin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({
        model: 'gpt-5',
        stream: true,
        max_tokens: 4096,
        temperature: 0,
        tools: TOOLS,
        messages,
      }),
    })
    await response.text()
  }
  await call([{ role: 'user', content: 'What is MR 5 about?' }])
  await call([
    { role: 'user', content: 'What is MR 5 about?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_bench', type: 'function', function: { name: 'get_merge_request', arguments: '{}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_bench', content: '{"title":"Cache fix"}' },
  ])
}

// ---- aigw-edge: the gateway with its Agent Platform service
const issuer = await startFakeIssuer()
const tenant = (await (
  await fetch(`${issuer.url}/control/tenants`, { method: 'POST', body: '{}' })
).json()) as { id: string; url: string }
const now = Math.floor(Date.now() / 1000)
const signed = (await (
  await fetch(`${issuer.url}/control/t/${tenant.id}/sign`, {
    method: 'POST',
    body: JSON.stringify({
      claims: {
        iss: tenant.url,
        sub: 'bench-instance-1',
        aud: ['gitlab-ai-gateway', 'gitlab-duo-workflow-service'],
        gitlab_realm: 'self-managed',
        scopes: ['duo_chat', 'duo_agent_platform'],
        iat: now,
        nbf: now,
        exp: now + 7200,
      },
    }),
  })
).json()) as { token: string }
const httpPort = await freePort()
const grpcPort = await freePort()
const metricsPort = await freePort()
const gateway = spawnChild(
  'aigw-edge node',
  process.execPath,
  // The bundle `npm start` runs, under a wrapper that collects garbage on SIGUSR2 (bench/gc-on-signal.mjs).
  ['--enable-source-maps', join(root, 'bench/gc-on-signal.mjs'), join(root, 'dist/node/main.mjs')],
  {
    cwd: workDir,
    logFile: join(workDir, 'gateway.log'),
    env: {
      PATH: process.env.PATH ?? '',
      AIGW_FASTAPI__API_HOST: '127.0.0.1',
      AIGW_FASTAPI__API_PORT: String(httpPort),
      AIGW_FASTAPI__METRICS_HOST: '127.0.0.1',
      AIGW_FASTAPI__METRICS_PORT: String(metricsPort),
      AIGW_GITLAB_URL: tenant.url,
      AIGW_CUSTOMER_PORTAL_URL: '',
      AIGW_LOGGING__LEVEL: 'warning',
      DUO_WORKFLOW_HOST: '127.0.0.1',
      DUO_WORKFLOW_PORT: String(grpcPort),
    },
  },
)
await waitForHttp(gateway, `http://127.0.0.1:${httpPort}/monitoring/healthz`)
const rails = createFakeRails()
rails.extend('GET', '/api/v4/projects/:id/merge_requests/:merge_request_iid', () => ({
  statusCode: 200,
  json: { iid: 5, title: 'Cache fix', state: 'opened' },
}))
const workhorse = dialWorkhorse({ address: `127.0.0.1:${grpcPort}` })
const metadata = {
  authorization: `Bearer ${signed.token}`,
  'x-gitlab-authentication-type': 'oidc',
  'x-gitlab-realm': 'self-managed',
  'x-gitlab-instance-id': 'bench-instance-1',
  'x-gitlab-global-user-id': 'bench-user',
  'x-gitlab-version': '18.9.0',
  'x-gitlab-agent-platform-model-metadata': JSON.stringify({
    provider: 'openai',
    name: 'gpt',
    endpoint: `${mockOrigin}/v1`,
    api_key: 'k',
    identifier: 'custom_openai/gpt-5',
  }),
}
async function gatewayTurn(): Promise<void> {
  const workflowID = rails.addWorkflow()
  const run = workhorse.executeWorkflow(
    metadata,
    {
      workflowID,
      workflowDefinition: 'chat',
      goal: 'What is MR 5 about?',
      clientCapabilities: ['incremental_streaming'],
      approval: {},
    },
    async (action: Action) => {
      if (!action.runHTTPRequest) return undefined
      const { method, path, body } = action.runHTTPRequest
      const answer = await rails.handle({ method, path, ...(body ? { body } : {}) })
      return { httpResponse: { statusCode: answer.statusCode, body: answer.body } }
    },
  )
  const { code, details } = await run.done
  if (code !== 0) throw new Error(`turn ended ${code}: ${details}`)
}

async function measure(name: string, turn: () => Promise<void>, pid?: number) {
  for (let i = 0; i < 20; i++) await turn() // warm-up
  const latencies: number[] = []
  for (let i = 0; i < SOLO_TURNS; i++) {
    const started = performance.now()
    await turn()
    latencies.push(performance.now() - started)
  }
  latencies.sort((a, b) => a - b)
  const cpuBefore = pid ? cpuSecondsOf(pid) : 0
  let turns = 0
  const deadline = performance.now() + SECONDS * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await turn()
        turns++
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  const cpuPerTurnMs = pid ? ((cpuSecondsOf(pid) - cpuBefore) / turns) * 1000 : undefined
  return {
    name,
    perSecond: turns / elapsed,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!,
    cpuPerTurnMs,
    rssMiB: pid ? memoryOf(pid).rssMiB : undefined,
  }
}

// 200 concurrent sessions on a gateway that has served nothing yet, three times: after a forced GC,
// its V8 heap and RSS at rest and after each burst. A leak grows the heap burst after burst; a
// high-water mark (pages V8 and malloc keep for the next burst) only shows in RSS.
const BURST = 200
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
async function afterGc(): Promise<{ heap: number; rss: number }> {
  const seen = readFileSync(join(workDir, 'gateway.log'), 'utf8').length
  process.kill(gateway.pid, 'SIGUSR2')
  for (let i = 0; i < 100; i++) {
    await pause(50)
    const line = /\{"after_gc":true[^\n]*\}/.exec(
      readFileSync(join(workDir, 'gateway.log'), 'utf8').slice(seen),
    )
    if (line) {
      const { heap_used: heap, rss } = JSON.parse(line[0]) as { heap_used: number; rss: number }
      return { heap: heap / 2 ** 20, rss: rss / 2 ** 20 }
    }
  }
  throw new Error('the gateway did not report its memory after GC')
}
await pause(2000)
const atRest = await afterGc()
const bursts: { seconds: number; memory: { heap: number; rss: number } }[] = []
for (let i = 0; i < 3; i++) {
  const started = performance.now()
  await Promise.all(Array.from({ length: BURST }, () => gatewayTurn()))
  bursts.push({ seconds: (performance.now() - started) / 1000, memory: await afterGc() })
}
const mib = (m: { heap: number; rss: number }) => `heap ${m.heap.toFixed(1)}, RSS ${m.rss.toFixed(0)}`

const rows = [
  await measure('direct (the two model calls)', directTurn),
  await measure('aigw-edge node (one turn over gRPC)', gatewayTurn, gateway.pid),
]
const lines = [
  `### Agentic Chat: one turn with one tool call (${CONCURRENCY} concurrent turns for ${SECONDS} s; one turn alone ${SOLO_TURNS} times)`,
  '',
  '| target | turns/s | one turn p50 ms | p99 ms | gateway CPU ms/turn | gateway RSS MiB after |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.cpuPerTurnMs?.toFixed(2) ?? '—'} | ${r.rssMiB?.toFixed(0) ?? '—'} |`,
  ),
  '',
  `${BURST} concurrent turns on a fresh gateway, three times: all OK, in ${bursts.map((b) => `${b.seconds.toFixed(1)} s`).join(', ')}. Gateway memory after a forced GC, MiB: ${mib(atRest)} at rest; ${bursts.map((b, i) => `after burst ${i + 1} ${mib(b.memory)}`).join('; ')}.`,
  '',
  'A turn through aigw-edge is 10 actions to Workhorse and back (GraphQL, 2 status events, 3 checkpoints, the tool, the final read) and the streamed checkpoints, on top of the two model calls.',
]
log(lines.join('\n'))
workhorse.close()
await stopChild(gateway)
await stopChild(mock)
await issuer.close()
process.exit(0)
