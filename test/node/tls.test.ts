/**
 * TLS on Node, through the real entry (node-entry/main.ts) with certificates made here by openssl:
 * - HTTPS serving (AIGW_FASTAPI__TLS__*): healthz, keep-alive, an authenticated streamed
 *   completion and the SIGTERM drain over TLS; start-up refused on a missing or wrong file;
 * - client-certificate TLS to a model server that demands one (AIGW_MTLS__*), which the OIDC
 *   issuer's calls never get (they keep Node's own trust even with `__VERIFY=false`).
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { Agent, createServer as createHttpsServer, request as httpsRequest, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getCACertificates, setDefaultCACertificates, type TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ideCompletion } from '../contract/code/fixtures.ts'
import { answers, streams } from '../contract/code/harness.ts'
import { gitlabHeaders, instanceToken, settingsFor } from '../contract/gitlab.ts'
import { newIssuer } from '../contract/issuer-client.ts'
import { newModelServer, type ModelServer } from '../contract/model-server-client.ts'
import { startFakeIssuer, type FakeIssuer } from '../fakes/oidc-issuer.ts'
import { freePort, ROOT, run, startProcess } from './processes.ts'

const MAIN = join(ROOT, 'node-entry/main.ts')
const KEY_PASSWORD = 'correct horse battery'

const dir = mkdtempSync(join(tmpdir(), 'aigw-tls-'))
const file = (name: string) => join(dir, name)
const read = (name: string) => readFileSync(file(name), 'utf8')

beforeAll(() => {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const authority = (name: string, cn: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
    )
  const leaf = (name: string, cn: string, ca: string, extensions: string) => {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    )
    writeFileSync(file(`${name}.ext`), extensions)
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    )
  }
  authority('server-ca', 'aigw-edge test server CA')
  authority('client-ca', 'aigw-edge test client CA')
  leaf(
    'server',
    '127.0.0.1',
    'server-ca',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  )
  leaf('client', 'aigw-edge model client', 'client-ca', 'extendedKeyUsage=clientAuth\n')
  openssl(
    'pkey',
    '-in',
    'client.key',
    '-aes256',
    '-passout',
    `pass:${KEY_PASSWORD}`,
    '-out',
    'client-encrypted.key',
  )
  // This test process talks to the HTTPS gateway and the HTTPS issuer's control API.
  setDefaultCACertificates([...getCACertificates('default'), read('server-ca.pem')])
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `node-entry/main.ts` serving HTTPS: waits for its healthz over TLS. */
async function startHttpsGateway(env: Record<string, string>) {
  const port = await freePort()
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AIGW_FASTAPI__API_PORT: String(port),
      AIGW_FASTAPI__METRICS_PORT: '0',
      DUO_WORKFLOW_PORT: '0',
      AIGW_FASTAPI__TLS__ENABLED: 'true',
      AIGW_FASTAPI__TLS__CERT_FILE: file('server.pem'),
      AIGW_FASTAPI__TLS__KEY_FILE: file('server.key'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = `https://127.0.0.1:${port}`
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`the gateway exited before answering:\n${output}`)
    if (attempt > 1000) {
      child.kill('SIGKILL')
      throw new Error(`the gateway did not answer on ${url}:\n${output}`)
    }
    try {
      if ((await fetch(`${url}/monitoring/healthz`)).status === 200) break
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return {
    url,
    port,
    output: () => output,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      child.kill(signal)
      return exited
    },
  }
}

/** A GET over one HTTPS agent; says whether the request went over a reused connection. */
function httpsGet(url: string, agent: Agent) {
  return new Promise<{ status: number; body: string; reusedSocket: boolean; peer: string | undefined }>(
    (resolve, reject) => {
      const req = httpsRequest(url, { agent }, (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate().subject?.CN as string | undefined
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, reusedSocket: req.reusedSocket, peer }),
        )
      })
      req.on('error', reject)
      req.end()
    },
  )
}

describe('HTTPS serving (AIGW_FASTAPI__TLS__*)', () => {
  it('answers healthz over HTTPS with its certificate, keeps connections alive, and refuses plain HTTP', async () => {
    const gateway = await startHttpsGateway({
      AIGW_AUTH__BYPASS_EXTERNAL: 'true',
      AIGW_CUSTOMER_PORTAL_URL: '',
    })
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: read('server-ca.pem') })
    try {
      const first = await httpsGet(`${gateway.url}/monitoring/healthz`, agent)
      expect(first).toMatchObject({ status: 200, peer: '127.0.0.1', reusedSocket: false })
      expect(JSON.parse(first.body)).toEqual({ status: 'ok' })
      const second = await httpsGet(`${gateway.url}/monitoring/healthz`, agent)
      expect(second).toMatchObject({ status: 200, reusedSocket: true })
      await expect(fetch(`http://127.0.0.1:${gateway.port}/monitoring/healthz`)).rejects.toThrow()
      expect(gateway.output()).toContain('"tls":true')
    } finally {
      agent.destroy()
      expect(await gateway.stop()).toBe(0)
    }
  })

  it('streams an authenticated completion over HTTPS, and drains it on SIGTERM before exiting 0', async () => {
    const [issuer, server] = [await newIssuer(), await newModelServer()]
    const gateway = await startHttpsGateway(settingsFor(issuer))
    let stopped: Promise<number | null> | undefined
    try {
      const headers = gitlabHeaders(await instanceToken(issuer, '18.x'))
      await server.script(streams(['return ', 'sum(', 'items)']))
      const post = () =>
        fetch(`${gateway.url}/v2/code/completions`, {
          method: 'POST',
          headers,
          body: JSON.stringify(ideCompletion(`${server.url}/v1`, { stream: true })),
        })
      const whole = await post()
      expect(whole.status).toBe(200)
      expect(whole.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(await whole.text()).toBe('return sum(items)')

      // The upstream sends its first delta, then waits: the client has it before the stream ends.
      await server.script(streams(['first ', 'second ', 'third'], { delayMs: 300 }))
      const inFlight = await post()
      const reader = inFlight.body!.getReader()
      const decoder = new TextDecoder()
      let received = ''
      while (!received.includes('first')) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`stream ended early: ${received}`)
        received += decoder.decode(value, { stream: true })
      }
      stopped = gateway.stop('SIGTERM')
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        received += decoder.decode(value, { stream: true })
      }
      expect(received).toBe('first second third')
      expect(await stopped).toBe(0)
      expect(gateway.output()).toContain('Shutting down')
    } finally {
      if (!stopped) await gateway.stop()
    }
  })

  const refusals: [string, () => Record<string, string>, string][] = [
    [
      'no certificate file is set',
      () => ({ AIGW_FASTAPI__TLS__CERT_FILE: '' }),
      'AIGW_FASTAPI__TLS__CERT_FILE: required when AIGW_FASTAPI__TLS__ENABLED is on',
    ],
    [
      'the certificate file is missing',
      () => ({ AIGW_FASTAPI__TLS__CERT_FILE: file('missing.pem') }),
      `AIGW_FASTAPI__TLS__CERT_FILE: cannot read the certificate file at ${file('missing.pem')}`,
    ],
    [
      'the key file is missing',
      () => ({ AIGW_FASTAPI__TLS__KEY_FILE: file('missing.key') }),
      `AIGW_FASTAPI__TLS__KEY_FILE: cannot read the private key file at ${file('missing.key')}`,
    ],
    [
      "the key is not the certificate's",
      () => ({ AIGW_FASTAPI__TLS__KEY_FILE: file('client.key') }),
      'AIGW_FASTAPI__TLS__KEY_FILE: the key in',
    ],
    [
      'the key file holds a certificate',
      () => ({ AIGW_FASTAPI__TLS__KEY_FILE: file('server.pem') }),
      'AIGW_FASTAPI__TLS__KEY_FILE: no usable PEM private key',
    ],
    [
      'the key is encrypted',
      () => ({ AIGW_FASTAPI__TLS__KEY_FILE: file('client-encrypted.key') }),
      'AIGW_FASTAPI__TLS__KEY_FILE: the key in',
    ],
    [
      'the cipher list is not one OpenSSL knows',
      () => ({ AIGW_FASTAPI__TLS__SSL_CIPHERS: 'NOT-A-CIPHER' }),
      'AIGW_FASTAPI__TLS__SSL_CIPHERS: not an OpenSSL cipher list',
    ],
  ]
  it.each(refusals)(
    'refuses to start when %s, naming the variable and never printing a key',
    async (_, settings, message) => {
      const { code, output } = await run(process.execPath, [MAIN], {
        AIGW_FASTAPI__TLS__ENABLED: 'true',
        AIGW_FASTAPI__TLS__CERT_FILE: file('server.pem'),
        AIGW_FASTAPI__TLS__KEY_FILE: file('server.key'),
        ...settings(),
      })
      expect(code).toBe(1)
      expect(output).toContain(message)
      expect(output).not.toContain('PRIVATE KEY')
      expect(output).not.toContain(read('client.key').split('\n')[1])
      expect(output).not.toMatch(/\n\s+at /)
    },
  )
})

describe('client-certificate TLS to model servers (AIGW_MTLS__*)', () => {
  let front: Server
  let frontOrigin: string
  /** The subject CN of the client certificate each request to the front came with. */
  const clients: (string | undefined)[] = []
  let httpsIssuer: FakeIssuer

  beforeAll(async () => {
    // A model server that demands a certificate from the client CA, passing each request on to the fake model server.
    front = createHttpsServer(
      {
        key: read('server.key'),
        cert: read('server.pem'),
        ca: read('client-ca.pem'),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        clients.push((req.socket as TLSSocket).getPeerCertificate().subject?.CN as string | undefined)
        const target = new URL(req.url ?? '/', modelServerOrigin)
        const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        })
        upstream.on('error', () => res.destroy())
        req.pipe(upstream)
      },
    )
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
    frontOrigin = `https://127.0.0.1:${(front.address() as AddressInfo).port}`
    httpsIssuer = await startFakeIssuer({ key: read('server.key'), cert: read('server.pem') })
  })
  afterAll(async () => {
    await new Promise((resolve) => front?.close(resolve))
    await httpsIssuer?.close()
  })

  let modelServerOrigin = ''
  /** A fake model server tenant reached through the certificate-demanding front. */
  async function mtlsModelServer(): Promise<{ server: ModelServer; endpoint: string; host: string }> {
    const server = await newModelServer()
    const url = new URL(server.url)
    modelServerOrigin = url.origin
    return { server, endpoint: `${frontOrigin}${url.pathname}/v1`, host: new URL(frontOrigin).host }
  }

  async function gatewayWith(settings: Record<string, string>, issuerBase?: string) {
    const issuer = await newIssuer(issuerBase ? { base: issuerBase } : {})
    const port = await freePort()
    const gateway = await startProcess(process.execPath, [MAIN], {
      port,
      env: { ...settingsFor(issuer), AIGW_FASTAPI__API_PORT: String(port), ...settings },
    })
    const headers = gitlabHeaders(await instanceToken(issuer, '18.x'))
    const complete = (endpoint: string, overrides: Record<string, unknown> = {}) =>
      fetch(`${gateway.url}/v2/code/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify(ideCompletion(endpoint, overrides)),
      })
    return { gateway, complete }
  }

  const MTLS = () => ({
    AIGW_MTLS__ENABLED: 'true',
    AIGW_MTLS__CERT_FILE: file('client.pem'),
    AIGW_MTLS__KEY_FILE: file('client-encrypted.key'),
    AIGW_MTLS__KEY_PASSWORD: KEY_PASSWORD,
    AIGW_MTLS__CA_BUNDLE: file('server-ca.pem'),
  })

  it('presents the client certificate (an encrypted key and its password), trusting the server through __CA_BUNDLE', async () => {
    const { server, endpoint } = await mtlsModelServer()
    const { gateway, complete } = await gatewayWith(MTLS())
    try {
      clients.length = 0
      await server.script(answers('return sum(items)'))
      const response = await complete(endpoint)
      expect(response.status).toBe(200)
      expect(((await response.json()) as { choices: { text: string }[] }).choices[0]?.text).toBe(
        'return sum(items)',
      )
      await server.script(streams(['return ', 'sum(items)']))
      const streamed = await complete(endpoint, { stream: true })
      expect(await streamed.text()).toBe('return sum(items)')
      expect(clients).toEqual(['aigw-edge model client', 'aigw-edge model client'])
      expect(gateway.output()).toContain('"model_client_tls":true')
      expect(gateway.output()).not.toContain(KEY_PASSWORD)
    } finally {
      await gateway.stop()
    }
  })

  it('without the mTLS settings, the model server refuses the gateway: 502 naming the host', async () => {
    const { server, endpoint, host } = await mtlsModelServer()
    // The server's CA is trusted: only the client certificate is missing.
    const { gateway, complete } = await gatewayWith({ SSL_CERT_FILE: file('server-ca.pem') })
    try {
      await server.script(answers('never'))
      const response = await complete(endpoint)
      expect(response.status).toBe(502)
      const { detail } = (await response.json()) as { detail: string }
      expect(detail).toContain(host)
      expect(await server.requests()).toHaveLength(0)
    } finally {
      await gateway.stop()
    }
  })

  it('with __VERIFY=false skips checking the model server, but the OIDC issuer keeps normal certificate checks', async () => {
    const { server, endpoint } = await mtlsModelServer()
    const { AIGW_MTLS__CA_BUNDLE: _, ...withoutBundle } = MTLS()
    const { gateway, complete } = await gatewayWith(
      { ...withoutBundle, AIGW_MTLS__VERIFY: 'false' },
      httpsIssuer.url,
    )
    try {
      // The issuer's certificate is from the same untrusted CA: refused, so no request is let in.
      const ready = await fetch(`${gateway.url}/monitoring/ready`)
      expect(ready.status).toBe(503)
      expect(((await ready.json()) as { reasons: string[] }).reasons[0]).toMatch(
        /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|certificate/i,
      )
      expect((await complete(endpoint)).status).toBe(401)
      expect(await server.requests()).toHaveLength(0)
    } finally {
      await gateway.stop()
    }
    // The same settings with the issuer on plain HTTP: the model call goes through unverified.
    const plain = await gatewayWith({ ...withoutBundle, AIGW_MTLS__VERIFY: 'false' })
    try {
      await server.script(answers('ok'))
      expect((await plain.complete(endpoint)).status).toBe(200)
    } finally {
      await plain.gateway.stop()
    }
  })

  const refusals: [string, () => Record<string, string>, string][] = [
    [
      'no certificate file is set',
      () => ({ AIGW_MTLS__CERT_FILE: '' }),
      'AIGW_MTLS__CERT_FILE: required when AIGW_MTLS__ENABLED is on',
    ],
    [
      'the key file is missing',
      () => ({ AIGW_MTLS__KEY_FILE: file('missing.key') }),
      `AIGW_MTLS__KEY_FILE: cannot read the private key file at ${file('missing.key')}`,
    ],
    [
      'the key password is wrong',
      () => ({ AIGW_MTLS__KEY_PASSWORD: 'wrong-SECRET-password' }),
      'AIGW_MTLS__KEY_PASSWORD: does not decrypt the key in AIGW_MTLS__KEY_FILE',
    ],
    [
      'the key is encrypted and no password is set',
      () => ({ AIGW_MTLS__KEY_PASSWORD: '' }),
      'AIGW_MTLS__KEY_PASSWORD: the key in',
    ],
    [
      'the CA bundle is missing',
      () => ({ AIGW_MTLS__CA_BUNDLE: file('missing-ca.pem') }),
      `AIGW_MTLS__CA_BUNDLE: cannot read the CA bundle file at ${file('missing-ca.pem')}`,
    ],
    [
      'the CA bundle holds no certificate',
      () => ({ AIGW_MTLS__CA_BUNDLE: file('client.csr') }),
      'AIGW_MTLS__CA_BUNDLE: no PEM certificate',
    ],
  ]
  it.each(refusals)(
    'refuses to start when %s, naming the variable and never printing a secret',
    async (_, settings, message) => {
      const { code, output } = await run(process.execPath, [MAIN], { ...MTLS(), ...settings() })
      expect(code).toBe(1)
      expect(output).toContain(message)
      expect(output).not.toContain('PRIVATE KEY')
      expect(output).not.toContain('SECRET')
      expect(output).not.toContain(KEY_PASSWORD)
      expect(output).not.toMatch(/\n\s+at /)
    },
  )
})
