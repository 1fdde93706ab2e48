// npm run measure:startup: cold start of what `npm start` runs (the bundled Node entry; spawn to
// the first 200 from /monitoring/healthz and, with the Agent Platform service on, to its gRPC port
// accepting connections) and its resident memory when idle, over fresh processes, with the Agent
// Platform service on (the default) and off (DUO_WORKFLOW_PORT=0). The GitLab URL is unreachable
// on purpose: start-up must not wait for any issuer.
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'

const RUNS = Number(process.argv[2] ?? 10)
execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' })
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

const accepts = (port) =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })

async function once(agentPlatform) {
  const port = await freePort()
  const grpcPort = agentPlatform ? await freePort() : 0
  const started = performance.now()
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/node/main.mjs'], {
    env: {
      PATH: process.env.PATH,
      AIGW_FASTAPI__API_PORT: String(port),
      AIGW_FASTAPI__API_HOST: '127.0.0.1',
      AIGW_GITLAB_URL: 'http://127.0.0.1:9',
      AIGW_CUSTOMER_PORTAL_URL: '',
      DUO_WORKFLOW_HOST: '127.0.0.1',
      DUO_WORKFLOW_PORT: String(grpcPort),
    },
    stdio: 'ignore',
  })
  let coldStartMs
  for (;;) {
    try {
      if (
        (await fetch(`http://127.0.0.1:${port}/monitoring/healthz`)).ok &&
        (!agentPlatform || (await accepts(grpcPort)))
      )
        break
    } catch {}
    await sleep(2)
  }
  coldStartMs = performance.now() - started
  for (let i = 0; i < 50; i++) await fetch(`http://127.0.0.1:${port}/monitoring/healthz`)
  await sleep(2000)
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1])
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
  return { coldStartMs, rssMiB: rssKiB / 1024 }
}

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]
console.log(`node ${process.version}, ${RUNS} runs each`)
for (const agentPlatform of [true, false]) {
  const results = []
  for (let i = 0; i < RUNS; i++) results.push(await once(agentPlatform))
  const cold = results.map((r) => r.coldStartMs)
  const rss = results.map((r) => r.rssMiB)
  console.log(
    agentPlatform ? 'with the Agent Platform service (the default):' : 'without it (DUO_WORKFLOW_PORT=0):',
  )
  console.log(
    `  cold start to healthy /monitoring/healthz${agentPlatform ? ' and the gRPC port accepting' : ''}: median ${median(cold).toFixed(0)} ms (min ${Math.min(...cold).toFixed(0)}, max ${Math.max(...cold).toFixed(0)})`,
  )
  console.log(
    `  idle RSS after 50 requests: median ${median(rss).toFixed(1)} MiB (min ${Math.min(...rss).toFixed(1)}, max ${Math.max(...rss).toFixed(1)})`,
  )
}
