/**
 * The Agent Platform port's connection and process life: keepalive pings both ways (seen from a
 * bare node:http2 session, where GOAWAY and PING frames are visible), the SETTINGS a Go client
 * reads, TLS with a certificate made here by openssl, and the graceful and forced shutdown.
 */
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import * as http2 from 'node:http2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GrpcStatus,
  Status,
  type AgentPlatformHandlers,
  type WorkflowCall,
} from '../../src/agent-platform/service.ts'
import { startAgentPlatformServer } from '../../node-entry/agent-platform/grpc-server.ts'
import { dialWorkhorse } from '../fakes/workhorse.ts'
import { freePort, ROOT, run } from './processes.ts'

function stubHandlers(
  executeWorkflow: (call: WorkflowCall) => Promise<string>,
  shutdown?: () => void,
): AgentPlatformHandlers {
  const refuse = async () => {
    throw new GrpcStatus(Status.UNAUTHENTICATED, 'No authorization header presented')
  }
  return { executeWorkflow, generateToken: refuse, listTools: refuse, listFlows: refuse, shutdown }
}

function gate<T = void>() {
  let open!: (value: T) => void
  const opened = new Promise<T>((resolve) => (open = resolve))
  return { open, opened }
}

/** grpc.health.v1.Health/Check for "" over a bare HTTP/2 session: the grpc-status it ends with. */
function rawHealthCheck(session: http2.ClientHttp2Session): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    })
    stream.on('trailers', (trailers) => resolve(String(trailers['grpc-status'])))
    stream.on('error', reject)
    stream.resume()
    stream.end(Buffer.from([0, 0, 0, 0, 0])) // one uncompressed, empty message
  })
}

describe('keepalive', () => {
  it("accepts a client's pings without calls at our own interval (Workhorse's 1:1 ratio), never GOAWAY; pings an idle client", async () => {
    const intervalMs = 150
    const server = await startAgentPlatformServer({
      handlers: stubHandlers(async () => 'ok'),
      host: '127.0.0.1',
      port: 0,
      keepaliveMs: intervalMs,
    })
    const session = http2.connect(`http://${server.address}`)
    try {
      const goaways: number[] = []
      let serverPings = 0
      session.on('goaway', (code) => goaways.push(code))
      session.on('ping', () => serverPings++)
      await new Promise((resolve) => session.once('remoteSettings', resolve))
      // What a Go client checks its metadata against before sending: our limit, not Node's default.
      expect(session.remoteSettings.maxHeaderListSize).toBe(64 * 1024 + 2048)
      let acknowledged = 0
      for (let i = 0; i < 12; i++) {
        await new Promise<void>((resolve, reject) =>
          session.ping((error) => (error ? reject(error) : resolve())),
        )
        acknowledged++
        await new Promise((resolve) => setTimeout(resolve, intervalMs))
      }
      expect(acknowledged).toBe(12)
      expect(goaways).toEqual([])
      expect(session.closed || session.destroyed).toBe(false)
      // ~1.8 s idle at a 150 ms interval: the server's own pings arrived all along.
      expect(serverPings).toBeGreaterThanOrEqual(5)
      expect(await rawHealthCheck(session)).toBe('0')
    } finally {
      session.close()
      await server.shutdown(0)
    }
  })
})

describe('TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-agent-platform-tls-'))
  const read = (name: string) => readFileSync(join(dir, name), 'utf8')

  beforeAll(() => {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    )
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'other.key',
      '-out',
      'other.pem',
      '-days',
      '2',
      '-subj',
      '/CN=someone else',
    )
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('serves over TLS with a self-signed certificate the client verifies; plaintext and an unknown CA are refused', async () => {
    const handlers = stubHandlers(async (call) => `goal: ${(await call.next())?.startRequest?.goal}`)
    const server = await startAgentPlatformServer({
      handlers,
      host: '127.0.0.1',
      port: 0,
      tls: { certPem: read('server.pem'), keyPem: read('server.key') },
    })
    const trusted = dialWorkhorse({ address: `localhost:${server.port}`, tls: { caPem: read('server.pem') } })
    const plaintext = dialWorkhorse({ address: server.address })
    const untrusted = dialWorkhorse({
      address: `localhost:${server.port}`,
      tls: { caPem: read('other.pem') },
    })
    try {
      expect((await trusted.healthCheck()).response).toEqual({ status: 'SERVING' })
      expect(await trusted.executeWorkflow({}, { goal: 'over TLS' }).done).toEqual({
        code: Status.OK,
        details: 'goal: over TLS',
      })
      expect((await plaintext.healthCheck()).code).toBe(Status.UNAVAILABLE)
      expect((await untrusted.healthCheck()).code).toBe(Status.UNAVAILABLE)
    } finally {
      for (const client of [trusted, plaintext, untrusted]) client.close()
      await server.shutdown(0)
    }
  })
})

describe('shutdown', () => {
  it('drains: health NOT_SERVING, handlers told, the open stream sends its last action and ends, new calls refused', async () => {
    const told = gate()
    const proceed = gate()
    let toldCount = 0
    const handlers = stubHandlers(
      async (call) => {
        await call.next()
        await call.send({ requestID: 'c1', newCheckpoint: { status: 'RUNNING' } })
        await told.opened
        await proceed.opened
        await call.send({ requestID: 'c2', newCheckpoint: { status: 'STOPPED' } })
        throw new GrpcStatus(Status.UNAVAILABLE, 'workflow execution interrupted: stop')
      },
      () => {
        toldCount++
        told.open()
      },
    )
    const server = await startAgentPlatformServer({ handlers, host: '127.0.0.1', port: 0 })
    const workhorse = dialWorkhorse({ address: server.address })
    const health = http2.connect(`http://${server.address}`)
    try {
      const watched: number[] = []
      const watch = health.request({
        ':method': 'POST',
        ':path': '/grpc.health.v1.Health/Watch',
        'content-type': 'application/grpc',
        te: 'trailers',
      })
      watch.on('data', (chunk: Buffer) => {
        for (let at = 0; at + 5 <= chunk.length; at += 5 + chunk.readUInt32BE(at + 1))
          watched.push(chunk[at + 6] ?? 0) // status field, or 0 if empty
      })
      watch.end(Buffer.from([0, 0, 0, 0, 0]))
      const run = workhorse.executeWorkflow({}, { goal: 'x' })
      await run.waitForAction((action) => action.requestID === 'c1')

      const closing = server.shutdown(10_000)
      await told.opened
      // The open call is still running, but no new call gets in.
      const late = dialWorkhorse({ address: server.address })
      const refused = await late.executeWorkflow({}, { goal: 'too late' }).done
      late.close()
      expect(refused.code).toBe(Status.UNAVAILABLE)
      proceed.open()

      expect(await run.done).toEqual({
        code: Status.UNAVAILABLE,
        details: 'workflow execution interrupted: stop',
      })
      expect(run.actions.map((action) => action.newCheckpoint?.status)).toEqual(['RUNNING', 'STOPPED'])
      await closing
      expect(toldCount).toBe(1)
      expect(watched).toEqual([1, 2]) // SERVING, then NOT_SERVING when the shutdown began
      const after = dialWorkhorse({ address: server.address })
      expect((await after.healthCheck()).code).toBe(Status.UNAVAILABLE)
      after.close()
    } finally {
      health.close()
      workhorse.close()
    }
  })

  it('cancels what is still open after the grace period: the handler signal aborts', async () => {
    const aborted = gate<unknown>()
    const handlers = stubHandlers(async (call) => {
      await call.next()
      await new Promise((resolve) => call.signal.addEventListener('abort', resolve))
      aborted.open((call.signal.reason as GrpcStatus).code)
      return 'ignored'
    })
    const server = await startAgentPlatformServer({ handlers, host: '127.0.0.1', port: 0 })
    const workhorse = dialWorkhorse({ address: server.address })
    try {
      const run = workhorse.executeWorkflow({}, { goal: 'x' })
      await new Promise((resolve) => setTimeout(resolve, 100))
      const started = Date.now()
      await server.shutdown(300)
      // Not the 20 s of a keepalive timeout: the connection is cut when the grace period ends.
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
      expect(Date.now() - started).toBeLessThan(5000)
      expect(await aborted.opened).toBe(Status.CANCELLED)
      expect((await run.done).code).not.toBe(Status.OK)
    } finally {
      workhorse.close()
    }
  })
})

describe('bundled', () => {
  it('works from an esbuild bundle with the .proto files beside it, as scripts/build-node.mjs lays out dist/node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-agent-platform-bundle-'))
    try {
      // The options of scripts/build-node.mjs, and its copy of the .proto files.
      await build({
        entryPoints: [join(ROOT, 'test/fixtures/agent-platform/probe.ts')],
        outfile: join(dir, 'probe.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        banner: {
          js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        },
        logLevel: 'warning',
      })
      for (const name of ['contract.proto', 'health.proto'])
        copyFileSync(join(ROOT, 'node-entry/agent-platform', name), join(dir, name))
      const child = spawn(process.execPath, [join(dir, 'probe.mjs')], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).port))
        child.once('exit', (code) => reject(new Error(`the bundled server exited (${code})`)))
      })
      const workhorse = dialWorkhorse({ address: `127.0.0.1:${port}` })
      try {
        expect((await workhorse.healthCheck('DuoWorkflow')).response).toEqual({ status: 'SERVING' })
        const run = workhorse.executeWorkflow({}, { goal: '3' })
        expect((await run.done).code).toBe(Status.OK)
        expect(run.actions.map((action) => action.newCheckpoint?.status)).toEqual([
          'RUNNING',
          'RUNNING',
          'RUNNING',
        ])
      } finally {
        workhorse.close()
      }
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('npm run check:agent-platform', () => {
  it('passes a running service without a token (ListTools needs one), fails a refused token and a closed port', async () => {
    const server = await startAgentPlatformServer({
      handlers: stubHandlers(async () => 'ok'),
      host: '127.0.0.1',
      port: 0,
    })
    const check = (...args: string[]) =>
      run(process.execPath, [join(ROOT, 'scripts/agent-platform-check.mjs'), ...args], {})
    try {
      const anonymous = await check(server.address)
      expect(anonymous.output).toBe(
        `ok   health: SERVING (${server.address}, plaintext)\n` +
          'ok   ListTools: the service is up; ListTools needs a GitLab token (--token <jwt>): No authorization header presented\n',
      )
      expect(anonymous.code).toBe(0)
      const refused = await check(server.address, '--token', 'not-a-jwt')
      expect([refused.code, refused.output.split('\n')[1]]).toEqual([
        1,
        'FAIL ListTools: UNAUTHENTICATED: No authorization header presented',
      ])
      server.setServing(false)
      const draining = await check(server.address)
      expect([draining.code, draining.output.split('\n')[0]]).toEqual([
        1,
        `FAIL health: NOT_SERVING (${server.address}, plaintext)`,
      ])
    } finally {
      await server.shutdown(0)
    }
    const closed = await check(`127.0.0.1:${await freePort()}`)
    expect(closed.code).toBe(1)
    expect(closed.output).toMatch(
      /^FAIL health: cannot reach 127\.0\.0\.1:\d+ over plaintext \(UNAVAILABLE: .*ECONNREFUSED.*\); if it serves TLS, add --tls\n$/,
    )
    expect((await check('https://gitlab.example.com')).code).toBe(2)
  })
})
