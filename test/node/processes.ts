/** Starting the gateway as real processes (`npm start`, `wrangler dev`) for black-box tests. */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface Started {
  child: ChildProcess
  url: string
  output: () => string
  /** Milliseconds from spawn to the first 200 from /monitoring/healthz. */
  readyAfterMs: number
  exited: Promise<number | null>
  /** Signals the process group, or only the spawned process (as a supervisor signals `npm start`). */
  stop(signal?: NodeJS.Signals, only?: 'group' | 'leader'): Promise<number | null>
}

export interface StartOptions {
  env: Record<string, string | undefined>
  port: number
  cwd?: string
  timeoutMs?: number
}

/** Spawns a command and waits until /monitoring/healthz answers 200 on the port. */
export async function startProcess(command: string, args: string[], options: StartOptions): Promise<Started> {
  const started = performance.now()
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    // No metrics port unless a test asks: spawned gateways would otherwise all claim 8082, which the container test needs.
    // Nor an Agent Platform port (50052), for the same reason; tests of that port set DUO_WORKFLOW_PORT.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AIGW_FASTAPI__METRICS_PORT: '0',
      DUO_WORKFLOW_PORT: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let exitedEarly = false
  void exited.then(() => (exitedEarly = true))
  const url = `http://127.0.0.1:${options.port}`
  const deadline = started + (options.timeoutMs ?? 20_000)
  for (;;) {
    if (exitedEarly) throw new Error(`${command} exited before answering:\n${output}`)
    if (performance.now() > deadline) {
      killGroup(child, 'SIGKILL')
      throw new Error(`${command} did not answer on ${url} in time:\n${output}`)
    }
    try {
      const response = await fetch(`${url}/monitoring/healthz`)
      if (response.status === 200) break
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {
    child,
    url,
    output: () => output,
    readyAfterMs: performance.now() - started,
    exited,
    async stop(signal = 'SIGTERM', only = 'group') {
      if (only === 'leader') child.kill(signal)
      else killGroup(child, signal)
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

/** Signals the whole process group (npm and wrangler run their servers as children). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal)
  } catch {
    // already gone
  }
}

/** Runs a command to completion. */
export function run(command: string, args: string[], env: Record<string, string | undefined>, cwd = ROOT) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => resolve({ code, output }))
  })
}

/** Debian's Chromium, when installed (.ci/run installs it, and makes its absence a failure). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path))
if (!CHROMIUM && process.env.AIGW_TEST_REQUIRE_CHROMIUM) {
  throw new Error(
    'AIGW_TEST_REQUIRE_CHROMIUM is set but Chromium is not installed (apt-get install chromium)',
  )
}

/**
 * The DOM of a page after its scripts ran, in headless Chromium that cannot resolve any host but
 * 127.0.0.1: a page that needs the internet (a CDN) fails to render here.
 */
export async function renderedDom(url: string): Promise<string> {
  if (!CHROMIUM) throw new Error('Chromium is not installed')
  const profile = mkdtempSync(join(tmpdir(), 'aigw-chromium-'))
  const flags = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    '--virtual-time-budget=10000',
    '--dump-dom',
    url,
  ]
  const { code, output } = await run(CHROMIUM, flags, {})
  rmSync(profile, { recursive: true, force: true })
  if (code !== 0) throw new Error(`chromium exited with ${code}: ${output.slice(-2000)}`)
  return output
}
