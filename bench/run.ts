/**
 * `npm run bench [-- --quick]`: direct vs minimal proxy vs aigw-edge on Node and in workerd.
 * Builds what it runs, starts every target fresh per row behind a fresh mock upstream, measures
 * throughput, latency at one connection and the memory of 1,000 open streams, prints the tables
 * and writes them to bench/results/latest.md. Exits 1 only when something failed to run (a
 * target did not start, the load tool failed, answers with the wrong status or socket errors);
 * it never judges the numbers.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { startFakeIssuer } from '../test/fakes/oidc-issuer.ts'
import { pickLoadTool, runLoad, type LoadSpec, type LoadTool } from './load.ts'
import { openStreams } from './open-streams.ts'
import {
  cpuSecondsOf,
  killChildrenOnExit,
  machineBusySeconds,
  memoryOf,
  reapedChildrenCpuSeconds,
  runCommand,
  sleep,
  stopChild,
  waitForIdleMachine,
} from './processes.ts'
import { failuresOf, renderReport, type Report, type RowResult, type StreamsRun } from './report.ts'
import {
  CHAT_PATH,
  chatBody,
  CODE_PATH,
  codeCompletionBody,
  gitlabHeaders,
  HOLD_BODY,
  issueTokens,
  ONE_CONNECTION_ROWS,
  pathOf,
  PROXY_PATH,
  ROWS,
  TARGET_ROWS,
  type RowName,
} from './scenarios.ts'
import {
  startMock,
  startTarget,
  type Environment,
  type Mock,
  type Running,
  type TargetName,
} from './targets.ts'
import { readCompatibility, workerdBinary } from './workerd.ts'

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    connections: { type: 'string', default: '50' },
    streams: { type: 'string', default: '1000' },
    /** wrk or autocannon (default: wrk when it is on PATH). */
    'load-tool': { type: 'string' },
    /** On a shared machine: wait up to this many seconds before each measurement until it is idle. */
    'wait-idle': { type: 'string', default: '0' },
    /** Comma-separated subset of the targets, e.g. `--only node,workerd` (matched by substring). */
    only: { type: 'string' },
  },
})
const QUICK = options.quick
const SECONDS = QUICK ? 3 : 10
const WARM_SECONDS = QUICK ? 1 : 2
const ONE_CONNECTION_SECONDS = QUICK ? 3 : 5
const CONNECTIONS = Number(options.connections)
const STREAMS = Number(options.streams)
const WAIT_IDLE_MS = Number(options['wait-idle']) * 1000
const ALL_TARGETS: TargetName[] = ['direct', 'minimal proxy', 'aigw-edge node', 'aigw-edge workerd']
const TARGETS = ALL_TARGETS.filter(
  (t) => !options.only || options.only.split(',').some((part) => t.includes(part.trim())),
)

const root = dirname(import.meta.dirname)
const wallStart = performance.now()
killChildrenOnExit()
// Children (npm, wrangler's custom build) use the same Node as this script.
process.env.PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`
const workDir = mkdtempSync(join(tmpdir(), 'aigw-bench-'))
const tool: LoadTool =
  options['load-tool'] === 'autocannon' || options['load-tool'] === 'wrk'
    ? options['load-tool']
    : pickLoadTool()
const log = (line: string) => process.stdout.write(`${line}\n`)
const thousands = (n: number) => n.toLocaleString('en-US')
log(
  `aigw-edge bench${QUICK ? ' --quick' : ''}: load generator ${tool === 'wrk' ? 'wrk -t1' : 'autocannon'}${options['load-tool'] ? ' (--load-tool)' : tool === 'wrk' ? ' (on PATH)' : ' (wrk is not on PATH)'}; logs in ${workDir}`,
)

log('building: npm run build:node; wrangler deploy --dry-run')
await runCommand('npm', ['run', 'build:node'], { cwd: root, timeoutMs: 120_000 })
const workerDir = join(workDir, 'worker')
await runCommand(
  process.execPath,
  [join(root, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', workerDir],
  {
    cwd: root,
    timeoutMs: 120_000,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
  },
)

const issuer = await startFakeIssuer()
const { gitlabUrl, tokens } = await issueTokens(issuer.url)
const headersOf = (row: RowName) =>
  gitlabHeaders(tokens[ROWS[row].token ?? 'default'], ROWS[row].extraHeaders)
const env: Environment = {
  root,
  workDir,
  nodeBundle: join(root, 'dist/node/main.mjs'),
  // wrangler names the bundle after the entry file (worker-entry/main.ts).
  workerScript: join(workerDir, 'main.js'),
  compatibility: readCompatibility(join(root, 'wrangler.toml')),
  gitlabUrl,
}

function specFor(
  target: TargetName,
  running: Running,
  mock: Mock,
  row: RowName,
  connections: number,
  seconds: number,
): LoadSpec {
  const { method, body, expectStatus, checkEveryStatus } = ROWS[row]
  return {
    url: `${running.origin}${pathOf(target, row)}`,
    method,
    headers: headersOf(row),
    body: body?.(mock.origin),
    connections,
    seconds,
    expectStatus,
    checkEveryStatus,
  }
}

/**
 * One request before the load: the right status, and an answer that looks like what the target
 * makes of the mock's (a proxied one as it came; the code completion as the stream's text; the
 * chat as NDJSON answer deltas that make up the ReAct stream's final answer).
 */
async function preflight(spec: LoadSpec, row: RowName, running: Running): Promise<void> {
  const response = await fetch(spec.url, { method: spec.method, headers: spec.headers, body: spec.body })
  const text = await response.text()
  const logs = running.logFile ? `; its log: ${running.logFile}` : ''
  if (response.status !== spec.expectStatus)
    throw new Error(`HTTP ${response.status} (expected ${spec.expectStatus}): ${text.slice(0, 300)}${logs}`)
  if (row === 'sse' && !text.includes('data: [DONE]'))
    throw new Error(`the SSE answer has no [DONE]: ${text.slice(0, 160)}`)
  if (row === 'json' && !text.includes('"chat.completion"'))
    throw new Error(`not a chat.completion: ${text.slice(0, 160)}`)
  const expected = ROWS[row].expectText
  if (expected) {
    const contentType = response.headers.get('content-type')
    if (text !== expected.text)
      throw new Error(
        `the answer is not the mock's stream text: ${JSON.stringify(text.slice(0, 300))} (expected ${JSON.stringify(expected.text)})${logs}`,
      )
    if (contentType !== expected.contentType)
      throw new Error(
        `content-type ${JSON.stringify(contentType)} (expected ${JSON.stringify(expected.contentType)})${logs}`,
      )
  }
  const chat = ROWS[row].expectChatAnswer
  if (chat) {
    const contentType = response.headers.get('content-type')
    if (contentType !== chat.contentType)
      throw new Error(
        `content-type ${JSON.stringify(contentType)} (expected ${JSON.stringify(chat.contentType)})${logs}`,
      )
    const problem = chatAnswerProblem(text, chat.answer)
    if (problem) throw new Error(`${problem}: ${JSON.stringify(text.slice(0, 300))}${logs}`)
  }
}

/**
 * What is wrong with a Duo Chat answer (undefined: nothing): every line one `final_answer_delta`
 * event, their texts together the expected answer, and the last one saying the model stopped.
 */
function chatAnswerProblem(ndjson: string, answer: string): string | undefined {
  if (!ndjson.endsWith('\n')) return 'the NDJSON answer does not end with a newline'
  let events: { type?: unknown; data?: { text?: unknown; finish_reason?: unknown } }[]
  try {
    events = ndjson
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as (typeof events)[number])
  } catch {
    return 'a line that is not JSON'
  }
  const other = events.find(
    (event) => event.type !== 'final_answer_delta' || typeof event.data?.text !== 'string',
  )
  if (other) return `an event other than a final_answer_delta: ${JSON.stringify(other)}`
  const text = events.map((event) => event.data!.text as string).join('')
  if (text !== answer)
    return `the answer deltas make ${JSON.stringify(text)} (expected ${JSON.stringify(answer)})`
  if (events.at(-1)?.data?.finish_reason !== 'stop') return 'the last delta has no finish_reason stop'
  return undefined
}

/** CPU seconds so far: the target, the mock, reaped children (the load generator), this script and the machine. */
function cpuSnapshot(targetPid: number, mockPid: number) {
  const self = process.cpuUsage()
  return {
    target: cpuSecondsOf(targetPid),
    mock: cpuSecondsOf(mockPid),
    loadGenerator: reapedChildrenCpuSeconds(),
    self: (self.user + self.system) / 1e6,
    machine: machineBusySeconds(),
  }
}

/**
 * With --wait-idle, a row during which something else took more than 0.1 core (other CPU) is
 * measured again, up to 3 times in all, and the cleanest attempt is kept.
 */
async function measureClean(
  target: TargetName,
  row: RowName,
  connections: number,
  seconds: number,
): Promise<RowResult> {
  let best: RowResult | undefined
  for (let attempt = 1; attempt <= (WAIT_IDLE_MS > 0 ? 3 : 1); attempt++) {
    const result = await measure(target, row, connections, seconds)
    if (result.error) return result
    if (!best || (result.otherCpuSeconds ?? 0) < (best.otherCpuSeconds ?? 0)) best = result
    if ((result.otherCpuSeconds ?? 0) <= 0.1 * seconds) break
    log(`    other processes took ${result.otherCpuSeconds?.toFixed(1)} CPU s: measuring again`)
  }
  return best as RowResult
}

async function measure(
  target: TargetName,
  row: RowName,
  connections: number,
  seconds: number,
): Promise<RowResult> {
  const result: RowResult = { target, row: ROWS[row], connections }
  let mock
  let running: Running | undefined
  try {
    mock = await startMock(env)
    running = await startTarget(target, env, { mock, tokenCache: ROWS[row].tokenCache })
    const spec = specFor(target, running, mock, row, connections, seconds)
    await preflight(spec, row, running)
    if (WAIT_IDLE_MS > 0 && !(await waitForIdleMachine(WAIT_IDLE_MS)))
      log('  (the machine did not get idle; measuring anyway)')
    await runLoad(tool, { ...spec, seconds: connections === 1 ? 1 : WARM_SECONDS }, workDir)
    const before = cpuSnapshot(running.pid, mock.child.pid)
    result.load = await runLoad(tool, spec, workDir)
    const after = cpuSnapshot(running.pid, mock.child.pid)
    result.cpuSeconds = after.target - before.target
    result.upstreamCpuSeconds = after.mock - before.mock
    result.loadGeneratorCpuSeconds = after.loadGenerator - before.loadGenerator
    const ours =
      result.cpuSeconds +
      (target === 'direct' ? 0 : result.upstreamCpuSeconds) +
      result.loadGeneratorCpuSeconds
    result.otherCpuSeconds = after.machine - before.machine - ours - (after.self - before.self)
    result.peakMiB = memoryOf(running.pid).peakMiB
  } catch (error) {
    result.error = (error as Error).message
  } finally {
    await running?.stop()
    if (mock) await stopChild(mock.child)
  }
  const l = result.load
  log(
    result.error
      ? // The whole message (the table keeps its first line): a load tool's failure says why on the lines after.
        `  ${target} / ${ROWS[row].label} (-c${connections}): FAILED ${result.error.slice(0, 2000).replaceAll('\n', '\n    ')}`
      : `  ${target} / ${ROWS[row].label} (-c${connections}): ${Math.round(l?.rps ?? 0)} req/s, p50 ${l?.p50Ms.toFixed(3)} ms, p99 ${l?.p99Ms.toFixed(2)} ms, bad ${failuresOf(result)}, other CPU ${result.otherCpuSeconds?.toFixed(1)} s`,
  )
  return result
}

async function measureStreams(target: TargetName): Promise<StreamsRun> {
  let mock
  let running: Running | undefined
  try {
    mock = await startMock(env)
    running = await startTarget(target, env, { mock, tokenCache: true })
    const warm = specFor(target, running, mock, 'sse', 10, 1)
    await preflight(warm, 'sse', running)
    await runLoad(tool, warm, workDir)
    await sleep(1000)
    const result = await openStreams({
      origin: running.origin,
      path: PROXY_PATH,
      headers: headersOf('sse'),
      body: HOLD_BODY,
      streams: STREAMS,
      pid: running.pid,
      mockOrigin: mock.origin,
    })
    log(
      `  ${target}: ${STREAMS} open streams: ${result.baselineMiB.toFixed(1)} → ${result.openMiB.toFixed(1)} → ${result.afterMiB.toFixed(1)} MiB, ${result.failed} failed`,
    )
    return { target, result }
  } catch (error) {
    log(`  ${target}: open streams FAILED ${(error as Error).message.split('\n')[0]}`)
    return { target, error: (error as Error).message }
  } finally {
    await running?.stop()
    if (mock) await stopChild(mock.child)
  }
}

const report: Report = { header: [], throughput: [], oneConnection: [], streams: [] }
log(
  `throughput: ${CONNECTIONS} connections, ${WARM_SECONDS} s warm-up, ${SECONDS} s measured, each target fresh per row`,
)
for (const target of TARGETS) {
  for (const row of TARGET_ROWS[target])
    report.throughput.push(await measureClean(target, row, CONNECTIONS, SECONDS))
}
log(`latency at 1 connection: 1 s warm-up, ${ONE_CONNECTION_SECONDS} s measured`)
for (const target of TARGETS) {
  for (const row of ONE_CONNECTION_ROWS.filter((r) => TARGET_ROWS[target].includes(r))) {
    report.oneConnection.push(await measureClean(target, row, 1, ONE_CONNECTION_SECONDS))
  }
}
log(`open streams: ${STREAMS} through the gateway, held open by the mock`)
for (const target of TARGETS.filter((t) => t.startsWith('aigw-edge')))
  report.streams.push(await measureStreams(target))
await issuer.close()

const wallSeconds = (performance.now() - wallStart) / 1000
const codeBody = codeCompletionBody('http://127.0.0.1:65535')
const chatBodyBytes = Buffer.byteLength(chatBody('http://127.0.0.1:65535'))
const aboveCursor = (JSON.parse(codeBody) as { current_file: { content_above_cursor: string } }).current_file
  .content_above_cursor
const workerdVersion = (await runCommand(workerdBinary(), ['--version'], { timeoutMs: 10_000 })).trim()
report.header = [
  `${new Date().toISOString()}, ${QUICK ? '--quick' : 'default'} mode${WAIT_IDLE_MS ? ` with --wait-idle ${WAIT_IDLE_MS / 1000}` : ''}, wall time ${wallSeconds.toFixed(0)} s`,
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; Node ${process.version}; ${workerdVersion}`,
  `load generator: ${tool === 'wrk' ? 'wrk -t1 --latency (SSE latency is time to the last byte)' : 'autocannon (latency in whole milliseconds only: the 1-connection figures cannot resolve 0.5 ms; install wrk for them)'}; ${CONNECTIONS} connections, ${SECONDS} s after a ${WARM_SECONDS} s warm-up`,
  'aigw-edge node: `node --enable-source-maps dist/node/main.mjs` (what `npm start` runs); aigw-edge workerd: the `wrangler deploy --dry-run` bundle under `workerd serve` (see bench/README.md)',
  `code completion v2, streamed (the gateways only): \`POST ${CODE_PATH}\`, GitLab's self-hosted body (${thousands(Buffer.byteLength(codeBody))} bytes, ${thousands(Buffer.byteLength(aboveCursor))} of them Python above the cursor), codestral via \`custom_openai\` at the mock; the gateway builds the prompt and streams the same 20 mock events back as raw text. Its "vs minimal proxy" is its req/s over the minimal proxy's SSE chat completion row (the same mock stream passed through untouched), its "p50 added" its p50 minus direct's SSE p50`,
  `Duo Chat v2 agent, streamed (the gateways only): \`POST ${CHAT_PATH}\`, GitLab 18.x's body (${thousands(chatBodyBytes)} bytes: an earlier question and answer, the new question, \`unavailable_resources\`, \`model_metadata\` for Mistral via \`custom_openai\` at the mock) with a token granting the chat tools; the gateway renders the ReAct prompt (the tools listed), streams a ReAct answer of the same 20 mock events and answers its final answer as NDJSON \`final_answer_delta\` lines. Compared like the code completion: with the minimal proxy's SSE req/s and direct's SSE p50`,
  'CPU s: user + system seconds of the measured process (the mock for `direct`) during the measured window; peak RSS: its VmHWM',
  'other CPU s: busy CPU of the whole machine in that window minus the target, the mock, the load generator and this script (tick-sampled, so about ±1 s is noise); well above that means something else was running and the row is not clean',
]
// The Agent Platform's section: one Agentic Chat turn with a tool call, over gRPC (bench/agent-platform.ts).
let agentPlatform = ''
if (TARGETS.includes('aigw-edge node')) {
  log('agent platform: one Agentic Chat turn with one tool call')
  try {
    const output = await runCommand(
      process.execPath,
      [join(root, 'bench/agent-platform.ts'), '--no-build', ...(QUICK ? ['--quick'] : [])],
      { cwd: root, timeoutMs: 300_000 },
    )
    agentPlatform = output.slice(output.indexOf('### Agentic Chat'))
  } catch (error) {
    agentPlatform = `### Agentic Chat\n\nDid not run: ${error instanceof Error ? error.message : String(error)}`
    process.exitCode = 1
  }
}
const markdown = `${renderReport(report)}${agentPlatform ? `\n${agentPlatform.trim()}\n` : ''}`
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true })
writeFileSync(join(import.meta.dirname, 'results', 'latest.md'), markdown)
log(`\n${markdown}`)
log(`written to bench/results/latest.md; wall time ${wallSeconds.toFixed(0)} s`)

const failed = [...report.throughput, ...report.oneConnection].filter((r) => r.error || failuresOf(r) > 0)
const failedStreams = report.streams.filter((s) => s.error || (s.result?.failed ?? 0) > 0)
if (failed.length || failedStreams.length) {
  log(`\n${failed.length + failedStreams.length} measurement(s) did not run cleanly (see the tables): exit 1`)
  process.exitCode = 1
}
// Pools and sockets that linger must not keep a finished run alive.
process.exit()
