/**
 * What the benchmark measures, each started fresh per row: the mock upstream itself (`direct`),
 * the minimal Hono + undici proxy, the Node gateway (the bundle `npm start` runs) and the Worker
 * bundle in workerd. Every target exposes the pid whose memory and CPU the table reports.
 */
import { join } from 'node:path'
import { freePort, spawnChild, stopChild, waitForHttp, type Child } from './processes.ts'
import { startWorkerd, type Compatibility } from './workerd.ts'

export type TargetName = 'direct' | 'minimal proxy' | 'aigw-edge node' | 'aigw-edge workerd'

export interface Mock {
  origin: string
  child: Child
}

export interface Running {
  origin: string
  /** The measured process (for `direct`, the mock). */
  pid: number
  /** Its stdout and stderr (the gateway's log lines). */
  logFile?: string
  stop(): Promise<void>
}

export interface StartOptions {
  mock: Mock
  /** AIGW_AUTH__TOKEN_CACHE_SIZE=0 when false. */
  tokenCache: boolean
}

export interface Environment {
  root: string
  workDir: string
  nodeBundle: string
  workerScript: string
  compatibility: Compatibility
  gitlabUrl: string
}

const BENCH = import.meta.dirname

export async function startMock(env: Environment): Promise<Mock> {
  const port = await freePort()
  const child = spawnChild(
    'mock upstream',
    process.execPath,
    [join(BENCH, 'mock-upstream.ts'), String(port)],
    {
      logFile: join(env.workDir, 'mock-upstream.log'),
    },
  )
  const origin = `http://127.0.0.1:${port}`
  await waitForHttp(child, `${origin}/control/held`, 10_000, 200)
  return { origin, child }
}

/** The gateway's settings (the same names on Node and in workerd). */
export function gatewaySettings(
  env: Environment,
  options: StartOptions,
  port: number,
): Record<string, string> {
  return {
    AIGW_GITLAB_URL: env.gitlabUrl,
    AIGW_CUSTOMER_PORTAL_URL: '',
    OPENAI_BASE_URL: `${options.mock.origin}/v1`,
    OPENAI_API_KEY: 'sk-bench',
    AIGW_FASTAPI__API_HOST: '127.0.0.1',
    AIGW_FASTAPI__API_PORT: String(port),
    ...(options.tokenCache ? {} : { AIGW_AUTH__TOKEN_CACHE_SIZE: '0' }),
  }
}

export async function startTarget(
  name: TargetName,
  env: Environment,
  options: StartOptions,
): Promise<Running> {
  if (name === 'direct') {
    return { origin: options.mock.origin, pid: options.mock.child.pid, stop: async () => {} }
  }
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const logFile = join(env.workDir, `${name.replaceAll(' ', '-')}-${port}.log`)
  let child: Child
  if (name === 'minimal proxy') {
    const args = [join(BENCH, 'minimal-proxy.ts'), String(port), `${options.mock.origin}/v1`]
    child = spawnChild(name, process.execPath, args, { logFile })
    await waitForHttp(child, `${origin}/monitoring/healthz`, 15_000, 200)
  } else if (name === 'aigw-edge node') {
    // What `npm start` runs; from the work directory, so that no stray .env in the checkout applies.
    child = spawnChild(name, process.execPath, ['--enable-source-maps', env.nodeBundle], {
      logFile,
      cwd: env.workDir,
      env: { PATH: process.env.PATH, ...gatewaySettings(env, options, port) },
    })
    await waitForHttp(child, `${origin}/monitoring/ready`, 20_000, 200)
  } else {
    const bindings = gatewaySettings(env, options, port)
    child = startWorkerd({
      scriptPath: env.workerScript,
      port,
      compatibility: env.compatibility,
      bindings,
      logFile,
    })
    await waitForHttp(child, `${origin}/monitoring/ready`, 30_000, 200)
  }
  return { origin, pid: child.pid, logFile, stop: () => stopChild(child) }
}
