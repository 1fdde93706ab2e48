/**
 * The Dockerfile, built and run for real with buildah (no Docker engine here; see
 * ../shared/spec/container-notes.md): scripts/container/build-image.sh builds it on a stand-in for
 * node:22-slim, then the image's own command runs under `buildah run --isolation chroot`, which
 * shares the host's network: the gateway answers on the host's 127.0.0.1:5052 and reaches the
 * suite's fake GitLab issuer and fake model server on loopback. The request set is the install
 * guide's: healthz, /docs and its assets, an authenticated call, a streamed completion; the Agent
 * Platform's gRPC health check on 50052 (the same process serves both); then SIGTERM to node must
 * drain the open stream and exit 0. Prints the compressed size, the idle
 * RSS and the cold start to healthy.
 *
 * Skips only where buildah is not installed or cannot run (it needs root);
 * AIGW_TEST_REQUIRE_BUILDAH=1 (set by .ci/run) turns that skip into a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { SWAGGER_UI_FILES } from '../../src/routes/swagger-ui-files.ts'
import { ideCompletion } from '../contract/code/fixtures.ts'
import { streams } from '../contract/code/harness.ts'
import { GLOBAL_USER_ID, gitlabHeaders, INSTANCE_ID, instanceToken, TOKEN_PATH } from '../contract/gitlab.ts'
import { newIssuer } from '../contract/issuer-client.ts'
import { newModelServer } from '../contract/model-server-client.ts'
import { dialWorkhorse } from '../fakes/workhorse.ts'
import { ROOT } from './processes.ts'

const IMAGE = `localhost/aigw-edge:container-test-${process.pid}`
const ARCHIVE = join(tmpdir(), `aigw-edge-container-test-${process.pid}.oci.tar`)
const PORT = 5052
const METRICS_PORT = 8082
const GRPC_PORT = 50052
const URL_5052 = `http://127.0.0.1:${PORT}`
const MB = 1_000_000
const MiB = 1024 * 1024

/** Why buildah cannot be used here, or undefined when it can. */
function buildahUnavailable(): string | undefined {
  const probe = spawnSync('buildah', ['images', '--quiet'], { encoding: 'utf8' })
  if (probe.error)
    return `buildah is not installed (${(probe.error as NodeJS.ErrnoException).code}); apt-get install buildah debootstrap`
  if (probe.status !== 0) return `buildah cannot run here: ${probe.stderr.trim().split('\n').at(-1)}`
  return undefined
}

const unavailable = buildahUnavailable()
if (unavailable && process.env.AIGW_TEST_REQUIRE_BUILDAH)
  throw new Error(`AIGW_TEST_REQUIRE_BUILDAH is set but ${unavailable}`)
if (unavailable) console.warn(`container test skipped: ${unavailable}`)

function buildah(...args: string[]): string {
  const result = spawnSync('buildah', args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`buildah ${args[0]} failed: ${result.stderr}`)
  return result.stdout.trim()
}

/** Whether anything accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

/** Every descendant of `pid` (chroot isolation shares the host's PID namespace). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // The command name may hold spaces and parentheses: the parent PID follows the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)])
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = []
  const visit = (p: number) => {
    for (const child of parents.get(p) ?? []) (found.push(child), visit(child))
  }
  visit(pid)
  return found
}

function procStatus(pid: number, field: string): string {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`))
  return line!.slice(field.length + 1).trim()
}

interface ImageConfig {
  Entrypoint?: string[] | null
  Cmd?: string[] | null
  User?: string
  ExposedPorts?: Record<string, unknown>
  Healthcheck?: { Test?: string[] }
}

describe.skipIf(unavailable !== undefined)('the container image (buildah)', () => {
  let buildMs = 0
  let config: ImageConfig
  let container = ''
  let run: ChildProcess | undefined
  let exited: Promise<number | null>
  let output = ''
  let nodePid = 0

  beforeAll(async () => {
    // Host network: a server already on 5052 would make the image fail, or answer in its place.
    for (const port of [PORT, METRICS_PORT, GRPC_PORT]) {
      if (await listening(port))
        throw new Error(
          `port ${port} is already in use on this machine: stop whatever listens there and run again`,
        )
    }
    const started = performance.now()
    const build = spawnSync('bash', [join(ROOT, 'scripts/container/build-image.sh'), IMAGE, ARCHIVE], {
      encoding: 'utf8',
    })
    if (build.status !== 0) throw new Error(`the image did not build:\n${build.stdout}\n${build.stderr}`)
    buildMs = performance.now() - started
    config = (JSON.parse(buildah('inspect', '--type', 'image', IMAGE)) as { Docker: { config: ImageConfig } })
      .Docker.config
    container = buildah('from', '--pull=never', IMAGE)
  }, 600_000)

  afterAll(async () => {
    if (nodePid) {
      try {
        process.kill(nodePid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    if (run && run.exitCode === null) (run.kill('SIGKILL'), await exited)
    if (container) spawnSync('buildah', ['rm', container])
    // Only what this test made, by name; the stand-in base stays cached for the next run.
    spawnSync('buildah', ['rmi', IMAGE])
    rmSync(ARCHIVE, { force: true })
  })

  it('is small, runs as uid 1000 on 5052 and 50052 with a health check, and its command is node on the bundle', () => {
    const compressed = statSync(ARCHIVE).size
    console.info(
      `container: built in ${(buildMs / 1000).toFixed(1)} s; compressed (oci-archive) ${(compressed / MB).toFixed(1)} MB = ${(compressed / MiB).toFixed(1)} MiB`,
    )
    console.info(buildah('images', IMAGE))
    expect(compressed).toBeLessThanOrEqual(50 * MB)
    expect(config.User).toBe('1000:1000')
    expect(Object.keys(config.ExposedPorts ?? {}).sort()).toEqual(['50052/tcp', '5052/tcp', '8082/tcp'])
    expect(config.Healthcheck?.Test).toEqual(['CMD', 'node', '/app/healthcheck.mjs'])
    expect([...(config.Entrypoint ?? []), ...(config.Cmd ?? [])]).toEqual(['node', '/app/dist/node/main.mjs'])
  })

  it("serves the install guide's requests on 5052 and the Agent Platform on 50052, then drains an open stream on SIGTERM and exits 0", async () => {
    const issuer = await newIssuer()
    const models = await newModelServer()
    // The seed's `docker run -e AIGW_GITLAB_URL=... -e AIGW_GITLAB_API_URL=...`, plus the key that
    // signs user tokens and no CustomersDot (this machine has no internet).
    const env = {
      AIGW_GITLAB_URL: issuer.url,
      AIGW_GITLAB_API_URL: `${issuer.url}/api/v4/`,
      AIGW_CUSTOMER_PORTAL_URL: '',
      AIGW_SELF_SIGNED_JWT__SIGNING_KEY: inject('gatewayKeys').signing,
    }
    const command = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])]
    const envFlags = Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`])

    const started = performance.now()
    run = spawn('buildah', ['run', '--isolation', 'chroot', ...envFlags, container, '--', ...command], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    run.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    run.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    exited = new Promise((resolve) => run!.once('exit', (code) => resolve(code)))
    let healthy = false
    for (let attempt = 0; attempt < 600 && run.exitCode === null; attempt++) {
      healthy = await fetch(`${URL_5052}/monitoring/healthz`).then(
        (r) => r.status === 200,
        () => false,
      )
      if (healthy) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const coldStartMs = performance.now() - started
    if (!healthy) throw new Error(`the container did not become healthy on :${PORT}:\n${output}`)

    // The answer came from the container's node, not from something else on the host.
    const nodes = descendants(run.pid!).filter(
      (pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node',
    )
    expect(nodes).toHaveLength(1)
    nodePid = nodes[0]!
    expect(procStatus(nodePid, 'Uid').split(/\s+/)[0]).toBe('1000')

    // The image's own HEALTHCHECK command, run in the container.
    expect(
      spawnSync('buildah', [
        'run',
        '--isolation',
        'chroot',
        container,
        '--',
        ...config.Healthcheck!.Test!.slice(1),
      ]).status,
    ).toBe(0)

    expect(await (await fetch(`${URL_5052}/monitoring/healthz`)).json()).toEqual({ status: 'ok' })

    // /docs works offline: the page and every Swagger UI file it loads come from the image.
    const docs = await fetch(`${URL_5052}/docs`)
    expect(docs.status).toBe(200)
    const page = await docs.text()
    for (const name of SWAGGER_UI_FILES) {
      expect(page).toContain(`/docs/assets/${name}`)
      const asset = await fetch(`${URL_5052}/docs/assets/${name}`)
      expect(asset.status, name).toBe(200)
      expect((await asset.arrayBuffer()).byteLength, name).toBeGreaterThan(100)
    }
    expect((await fetch(`${URL_5052}/openapi.json`)).status).toBe(200)
    // Prometheus metrics on their own port, by default.
    const metrics = await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toContain('http_request_duration_seconds')

    // Authenticated: a token GitLab's instance signed, checked against the fake issuer's keys.
    const token = await instanceToken(issuer, '18.x')
    expect(
      (await fetch(`${URL_5052}${TOKEN_PATH}`, { method: 'POST', headers: gitlabHeaders(token) })).status,
    ).toBe(200)
    expect(
      (await fetch(`${URL_5052}${TOKEN_PATH}`, { method: 'POST', headers: gitlabHeaders(undefined) })).status,
    ).toBe(401)

    // The Agent Platform service, from the same process on 50052: the health service without a
    // token, and ListTools with GitLab's token and metadata, as GitLab's admin health check calls it.
    const workhorse = dialWorkhorse({ address: `127.0.0.1:${GRPC_PORT}` })
    try {
      expect(await workhorse.healthCheck()).toEqual({
        code: 0,
        details: 'OK',
        response: { status: 'SERVING' },
      })
      expect((await workhorse.healthCheck('DuoWorkflow')).response).toEqual({ status: 'SERVING' })
      const rails = {
        'x-gitlab-authentication-type': 'oidc',
        'x-gitlab-realm': 'self-managed',
        'x-gitlab-instance-id': INSTANCE_ID,
        'x-gitlab-global-user-id': GLOBAL_USER_ID,
      }
      expect(await workhorse.listTools(rails)).toEqual({
        code: 16,
        details: 'No authorization header presented',
      })
      const tools = await workhorse.listTools({
        ...rails,
        authorization: `Bearer ${token}`,
        'x-gitlab-client-type': 'gitlab-rails',
      })
      expect(tools.code, tools.details).toBe(0)
      expect(tools.response!.tools.length).toBeGreaterThan(10)
    } finally {
      workhorse.close()
    }
    // The image's HEALTHCHECK looks at that port too: pointed at a port where nothing listens, it fails.
    const closedGrpc = ['--env', 'DUO_WORKFLOW_PORT=1']
    expect(
      spawnSync('buildah', [
        'run',
        '--isolation',
        'chroot',
        ...closedGrpc,
        container,
        '--',
        ...config.Healthcheck!.Test!.slice(1),
      ]).status,
    ).toBe(1)

    // The doctor in the image finds that port answering as GitLab calls it (its own settings: plaintext, 50052).
    const checked = spawnSync(
      'buildah',
      [
        'run',
        '--isolation',
        'chroot',
        ...envFlags,
        container,
        '--',
        'node',
        '/app/dist/node/doctor.mjs',
        '--json',
      ],
      { encoding: 'utf8' },
    )
    const checks = (
      JSON.parse(checked.stdout) as { checks: { id: string; status: string; verdict: string }[] }
    ).checks
    expect(checks.find((c) => c.id === 'agent_platform_health')).toMatchObject({ status: 'pass' })
    expect(checks.find((c) => c.id === 'agent_platform_health')!.verdict).toContain(
      `127.0.0.1:${GRPC_PORT} is SERVING over plaintext`,
    )

    // A streamed completion through the fake model server.
    const post = (body: unknown) =>
      fetch(`${URL_5052}/v2/code/completions`, {
        method: 'POST',
        headers: gitlabHeaders(token),
        body: JSON.stringify(body),
      })
    await models.script({ ...streams(['return ', 'sum(items)']), times: 1 })
    const streamed = await post(ideCompletion(`${models.url}/v1`, { stream: true }))
    expect(streamed.status).toBe(200)
    expect(await streamed.text()).toBe('return sum(items)')

    await new Promise((resolve) => setTimeout(resolve, 1000)) // let start-up garbage settle
    const idleRss = Number(procStatus(nodePid, 'VmRSS').replace(/\s*kB$/, '')) * 1024
    console.info(
      `container: healthy ${Math.round(coldStartMs)} ms after \`buildah run\`; idle RSS of node ${(idleRss / MiB).toFixed(1)} MiB`,
    )
    // Issue 8 aims at 60 MB; the gateway needs about 95 MiB today (Node 22 alone: 43 MiB), the
    // same as outside a container. This ceiling catches a regression, such as a bloated bundle.
    expect(idleRss).toBeLessThanOrEqual(128 * MiB)

    // SIGTERM to node itself (a signal to `buildah run` makes buildah SIGKILL it), mid-stream:
    // new connections are refused, the open stream still finishes, and node exits 0.
    await models.script(streams(['def ', 'slowly', ' done'], { delayMs: 300 }))
    const open = await post(ideCompletion(`${models.url}/v1`, { stream: true }))
    const reader = open.body!.pipeThrough(new TextDecoderStream()).getReader()
    let received = ''
    while (!received.includes('def')) {
      const next = await reader.read()
      if (next.done) break
      received += next.value
    }
    process.kill(nodePid, 'SIGTERM')
    let refused = false
    for (let attempt = 0; attempt < 250 && !refused; attempt++) {
      refused = !(await listening(PORT))
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(refused).toBe(true)
    for (;;) {
      const next = await reader.read()
      if (next.done) break
      received += next.value
    }
    expect(received).toBe('def slowly done')
    expect(await exited).toBe(0)
    nodePid = 0
    expect(output).toContain('"message":"AI gateway listening"')
    expect(output).toContain('Shutting down')
    // With the gateway gone, the health check reports it.
    expect(
      spawnSync('buildah', [
        'run',
        '--isolation',
        'chroot',
        container,
        '--',
        ...config.Healthcheck!.Test!.slice(1),
      ]).status,
    ).toBe(1)
  }, 120_000)

  it('runs the doctor inside the image: a working setup passes, a bypass flag left on fails', async () => {
    const issuer = await newIssuer()
    const doctor = (extra: Record<string, string>) => {
      const env = {
        AIGW_GITLAB_URL: issuer.url,
        AIGW_GITLAB_API_URL: `${issuer.url}/api/v4/`,
        AIGW_CUSTOMER_PORTAL_URL: '',
        ...extra,
      }
      const flags = Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`])
      const result = spawnSync(
        'buildah',
        [
          'run',
          '--isolation',
          'chroot',
          ...flags,
          container,
          '--',
          'node',
          '/app/dist/node/doctor.mjs',
          '--json',
        ],
        { encoding: 'utf8' },
      )
      return {
        status: result.status,
        report: JSON.parse(result.stdout) as { ok: boolean; checks: { id: string; status: string }[] },
      }
    }
    const working = doctor({})
    expect(working.status).toBe(0)
    expect(working.report.ok).toBe(true)
    expect(working.report.checks.find((c) => c.id === 'gitlab_jwks')?.status).toBe('pass')
    const bypassed = doctor({ AIGW_AUTH__BYPASS_EXTERNAL: 'true' })
    expect(bypassed.status).toBe(1)
    expect(bypassed.report.checks.find((c) => c.id === 'auth_bypass')?.status).toBe('fail')
  }, 60_000)
})
