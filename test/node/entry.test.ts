/**
 * The Node entry as a real process: `npm start` (the README's command), settings from the
 * environment and `.env`, refusal of bad settings, SIGTERM draining, the Host sanitiser, and
 * custom CA bundles (SSL_CERT_FILE / REQUESTS_CA_BUNDLE) against an HTTPS issuer with a test CA.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startServer } from '../../node-entry/server.ts'
import { gitlabHeaders, instanceToken, settingsFor, TOKEN_PATH } from '../contract/gitlab.ts'
import { newIssuer } from '../contract/issuer-client.ts'
import { startFakeIssuer, type FakeIssuer } from '../fakes/oidc-issuer.ts'
import { freePort, ROOT, run, startProcess } from './processes.ts'

const MAIN = join(ROOT, 'node-entry/main.ts')

describe('npm start', () => {
  it('serves the gateway on AIGW_FASTAPI__API_PORT with settings from the environment, and stops on SIGTERM', async () => {
    const issuer = await newIssuer()
    const port = await freePort()
    const gateway = await startProcess('npm', ['start', '--silent'], {
      port,
      env: { ...settingsFor(issuer), AIGW_FASTAPI__API_PORT: String(port) },
    })
    console.info(`npm start: healthy after ${Math.round(gateway.readyAfterMs)} ms`)
    try {
      expect(await (await fetch(`${gateway.url}/monitoring/healthz`)).json()).toEqual({ status: 'ok' })
      const anonymous = await fetch(`${gateway.url}/`, { method: 'GET' })
      expect(anonymous.status).toBe(401)
      expect(await anonymous.json()).toEqual({ error: 'No authorization header presented' })
      const headers = gitlabHeaders(await instanceToken(issuer, '18.x'))
      expect((await fetch(`${gateway.url}${TOKEN_PATH}`, { method: 'POST', headers })).status).toBe(200)
      expect((await fetch(`${gateway.url}/monitoring/ready`)).status).toBe(200)
    } finally {
      // A supervisor signals npm alone; the signal must reach the gateway, which exits cleanly.
      expect(await gateway.stop('SIGTERM', 'leader')).toBe(0)
    }
    expect(gateway.output()).toContain('"message":"AI gateway listening"')
  })
})

describe('node-entry/main.ts', () => {
  it('lets in-flight requests finish on SIGTERM, refusing new connections', async () => {
    const issuer = await newIssuer()
    await issuer.setState({ delayMs: 700 }) // key loading takes 1.4 s: the request waits for it
    const port = await freePort()
    const gateway = await startProcess(process.execPath, [MAIN], { port, env: { ...settingsFor(issuer), AIGW_FASTAPI__API_PORT: String(port) } })
    const inFlight = fetch(`${gateway.url}${TOKEN_PATH}`, { method: 'POST', headers: gitlabHeaders(await instanceToken(issuer, '18.x')) })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const exitCode = gateway.stop('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 100))
    await expect(fetch(`${gateway.url}/monitoring/healthz`)).rejects.toThrow()
    expect((await inFlight).status).toBe(200)
    expect(await exitCode).toBe(0)
    expect(gateway.output()).toContain('Shutting down')
  })

  it('refuses to start on an invalid setting, naming the variable and not its value', async () => {
    const { code, output } = await run(process.execPath, [MAIN], { AIGW_GITLAB_URL: 'gitlab.example.com/top-secret', AIGW_AUTH__BYPASS_EXTERNAL: 'perhaps' })
    expect(code).toBe(1)
    expect(output).toContain('AIGW_GITLAB_URL: expected an http(s) URL')
    expect(output).toContain('AIGW_AUTH__BYPASS_EXTERNAL: expected a boolean')
    expect(output).not.toContain('top-secret')
    expect(output).not.toContain('perhaps')
    expect(output).not.toMatch(/\n\s+at /) // no stack trace
  })

  it('reads .env from the working directory, with real environment variables winning', async () => {
    const port = await freePort()
    const directory = mkdtempSync(join(tmpdir(), 'aigw-env-'))
    const signingKey = inject('gatewayKeys').signing.trim().replace(/\n/g, '\\n')
    writeFileSync(
      join(directory, '.env'),
      [
        `AIGW_FASTAPI__API_PORT=${port}`,
        'AIGW_AUTH__BYPASS_EXTERNAL=true',
        'AIGW_CUSTOMER_PORTAL_URL=',
        'AIGW_FASTAPI__DOCS_URL=/from-dotenv',
        `AIGW_SELF_SIGNED_JWT__SIGNING_KEY="${signingKey}"`,
        '',
      ].join('\n'),
    )
    const gateway = await startProcess(process.execPath, [MAIN], { port, cwd: directory, env: { AIGW_FASTAPI__DOCS_URL: '/from-env' } })
    try {
      expect((await fetch(`${gateway.url}/from-env`)).status).toBe(200)
      expect((await fetch(`${gateway.url}/from-dotenv`)).status).toBe(404)
      expect((await fetch(`${gateway.url}${TOKEN_PATH}`, { method: 'POST', headers: gitlabHeaders(undefined) })).status).toBe(200)
    } finally {
      await gateway.stop()
    }
  })

  it('drops a malformed Host header instead of routing on it', async () => {
    const server = await startServer({ env: { AIGW_CUSTOMER_PORTAL_URL: '', AIGW_GITLAB_URL: 'http://127.0.0.1:9' }, host: '127.0.0.1', port: 0, logSink: () => {} })
    try {
      const status = async (request: string) => {
        const socket = connect(server.port, '127.0.0.1')
        socket.end(request)
        let text = ''
        for await (const chunk of socket) text += (chunk as Buffer).toString()
        return Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1])
      }
      expect(await status('GET /monitoring/healthz HTTP/1.1\r\nHost: example.com/x?\r\nConnection: close\r\n\r\n')).toBe(200)
      // GitLab's reason for the sanitiser: a Host must never steer the request to a public path.
      expect(await status('POST /v2/code/completions HTTP/1.1\r\nHost: x/monitoring/healthz?\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')).toBe(401)
      expect(await status('GET /monitoring/healthz HTTP/1.1\r\nHost: gitlab_ai:5052\r\nConnection: close\r\n\r\n')).toBe(200)
    } finally {
      await server.close(0)
    }
  })
})

describe('custom CA bundle (SSL_CERT_FILE / REQUESTS_CA_BUNDLE)', () => {
  let directory: string
  let httpsIssuer: FakeIssuer

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'aigw-ca-'))
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' })
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=aigw-edge test CA')
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
    writeFileSync(join(directory, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n')
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext')
    const read = (name: string) => execFileSync('cat', [join(directory, name)]).toString()
    httpsIssuer = await startFakeIssuer({ key: read('server.key'), cert: read('server.pem') })
    // This test process talks to the issuer's control API over the same TLS.
    setDefaultCACertificates([...getCACertificates('default'), read('ca.pem')])
  })
  afterAll(() => httpsIssuer?.close())

  async function gatewayTrusting(caVariables: Record<string, string>) {
    const issuer = await newIssuer({ base: httpsIssuer.url })
    const port = await freePort()
    const gateway = await startProcess(process.execPath, [MAIN], {
      port,
      env: { ...settingsFor(issuer), AIGW_FASTAPI__API_PORT: String(port), ...caVariables },
    })
    return { issuer, gateway }
  }

  for (const variable of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE']) {
    it(`trusts the issuer's private CA through ${variable}`, async () => {
      const { issuer, gateway } = await gatewayTrusting({ [variable]: join(directory, 'ca.pem') })
      try {
        expect((await fetch(`${gateway.url}/monitoring/ready`)).status).toBe(200)
        const headers = gitlabHeaders(await instanceToken(issuer, '18.x'))
        expect((await fetch(`${gateway.url}${TOKEN_PATH}`, { method: 'POST', headers })).status).toBe(200)
      } finally {
        await gateway.stop()
      }
    })
  }

  it('without the bundle, is not ready and says why', async () => {
    const { gateway } = await gatewayTrusting({})
    try {
      const ready = await fetch(`${gateway.url}/monitoring/ready`)
      expect(ready.status).toBe(503)
      const { reasons } = (await ready.json()) as { reasons: string[] }
      expect(reasons[0]).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|certificate/i)
    } finally {
      await gateway.stop()
    }
  })

  it('refuses to start when the bundle cannot be read', async () => {
    const { code, output } = await run(process.execPath, [MAIN], { SSL_CERT_FILE: join(directory, 'missing.pem') })
    expect(code).toBe(1)
    expect(output).toContain('SSL_CERT_FILE: cannot read the CA bundle')
  })
})
