/**
 * The image's HEALTHCHECK script (scripts/container/healthcheck.mjs), run as the image runs it (a
 * bare `node` with the container's environment) against a real gateway on loopback, so it is
 * checked even where buildah cannot build the image: healthy only while both ports answer, the gRPC
 * port followed through DUO_WORKFLOW_PORT (0: not checked) and DUO_WORKFLOW_TLS__ENABLED.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../node-entry/server.ts'
import { freePort, ROOT } from './processes.ts'

const SCRIPT = join(ROOT, 'scripts/container/healthcheck.mjs')
const dir = mkdtempSync(join(tmpdir(), 'aigw-healthcheck-'))
const BASE_ENV = { AIGW_GITLAB_URL: 'http://127.0.0.1:9', AIGW_CUSTOMER_PORTAL_URL: '' }

/** Runs the script in its own process; not spawnSync, which would stop this process's servers from answering it. */
function healthcheck(env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('exit', (status) => resolve({ status, stderr }))
  })
}

let plain: RunningServer
let tls: RunningServer

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'grpc.key',
      '-out',
      'grpc.pem',
      '-days',
      '2',
      '-subj',
      '/CN=aigw.example.com',
    ],
    { cwd: dir, stdio: 'pipe' },
  )
  const quiet = { logSink: () => {} }
  plain = await startServer({
    env: BASE_ENV,
    host: '127.0.0.1',
    port: 0,
    grpcPort: 0,
    grpcHost: '127.0.0.1',
    ...quiet,
  })
  const tlsEnv = {
    ...BASE_ENV,
    DUO_WORKFLOW_TLS__ENABLED: 'true',
    DUO_WORKFLOW_TLS__CERT_FILE: join(dir, 'grpc.pem'),
    DUO_WORKFLOW_TLS__KEY_FILE: join(dir, 'grpc.key'),
  }
  tls = await startServer({
    env: tlsEnv,
    host: '127.0.0.1',
    port: 0,
    grpcPort: 0,
    grpcHost: '127.0.0.1',
    ...quiet,
  })
})

afterAll(async () => {
  await Promise.all([plain?.close(1000), tls?.close(1000)])
  rmSync(dir, { recursive: true, force: true })
})

describe('the container health check', () => {
  it('passes while the API port and the Agent Platform port both answer', async () => {
    const result = await healthcheck({
      AIGW_FASTAPI__API_PORT: String(plain.port),
      DUO_WORKFLOW_PORT: String(plain.agentPlatform!.port),
    })
    expect(result).toEqual({ status: 0, stderr: '' })
  })

  it('fails, naming the port, when the Agent Platform port does not answer; skips it when the service is off', async () => {
    const closed = await freePort()
    const down = await healthcheck({
      AIGW_FASTAPI__API_PORT: String(plain.port),
      DUO_WORKFLOW_PORT: String(closed),
    })
    expect(down.status).toBe(1)
    expect(down.stderr).toMatch(new RegExp(`^healthcheck: Agent Platform port ${closed}: .*ECONNREFUSED`))
    expect(
      (await healthcheck({ AIGW_FASTAPI__API_PORT: String(plain.port), DUO_WORKFLOW_PORT: '0' })).status,
    ).toBe(0)
  })

  it('fails when the API port does not answer, whatever the gRPC port says', async () => {
    const closed = await freePort()
    const down = await healthcheck({
      AIGW_FASTAPI__API_PORT: String(closed),
      DUO_WORKFLOW_PORT: String(plain.agentPlatform!.port),
    })
    expect(down.status).toBe(1)
    expect(down.stderr).toMatch(new RegExp(`^healthcheck: API port ${closed}: .*ECONNREFUSED`))
  })

  it('speaks TLS to the gRPC port when DUO_WORKFLOW_TLS__ENABLED says so (the certificate names another host), and only then', async () => {
    const ports = {
      AIGW_FASTAPI__API_PORT: String(tls.port),
      DUO_WORKFLOW_PORT: String(tls.agentPlatform!.port),
    }
    expect((await healthcheck({ ...ports, DUO_WORKFLOW_TLS__ENABLED: 'true' })).status).toBe(0)
    const mismatch = await healthcheck(ports)
    expect(mismatch.status).toBe(1)
    expect(mismatch.stderr).toContain(`Agent Platform port ${tls.agentPlatform!.port}`)
  })
})
