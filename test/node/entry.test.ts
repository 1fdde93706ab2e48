/**
 * The Node entry as a real process: `npm start` (the README's command), settings from the
 * environment and `.env`, refusal of bad settings, SIGTERM draining, the Host sanitiser, and
 * custom CA bundles (SSL_CERT_FILE / REQUESTS_CA_BUNDLE) against an HTTPS issuer with a test CA.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { isSupportedNode } from '../../node-entry/node-version.ts'
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
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(gateway.output()).toMatch(
      new RegExp(`"message":"AI gateway listening","version":"${version.replaceAll('.', '\\.')}"`),
    )
  })
})

describe('start-up checks', () => {
  it('knows which Node versions have what the gateway needs', () => {
    for (const version of ['22.19.0', '22.23.3', 'v24.5.0', '24.11.1', '25.0.0', '26.1.0'])
      expect(isSupportedNode(version), version).toBe(true)
    for (const version of ['20.20.2', '22.18.0', '22.5.1', '23.11.0', '24.4.1', '18.20.4'])
      expect(isSupportedNode(version), version).toBe(false)
  })

  // The machine's own Node, when it is older than supported (CI's Debian Node 20), runs the bundle as an operator would.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'].find((path) => {
    if (!existsSync(path)) return false
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim()
    return version !== '' && !isSupportedNode(version)
  })
  it.skipIf(!oldNode)(
    `refuses to start on an older Node with one clear sentence (the bundle on ${oldNode ?? 'no older Node here'})`,
    async () => {
      const outdir = mkdtempSync(join(tmpdir(), 'aigw-bundle-'))
      try {
        // Its own copy: other tests run dist/node/main.mjs meanwhile.
        execFileSync(process.execPath, ['scripts/build-node.mjs', '--outdir', outdir], {
          cwd: ROOT,
          stdio: 'pipe',
        })
        const { code, output } = await run(oldNode!, [join(outdir, 'main.mjs')], {
          SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
          AIGW_DOCS_SEARCH__INDEX_PATH: '/nonexistent.db',
        })
        expect(code).toBe(1)
        expect(output).toMatch(
          /^aigw-edge needs Node 22\.19 or later \(on Node 24: 24\.5 or later\); this is Node \d+\.\d+\.\d+\. /,
        )
        expect(output).toContain('npm start')
        expect(output.trim().split('\n')).toHaveLength(1)
      } finally {
        rmSync(outdir, { recursive: true, force: true })
      }
    },
  )

  it('warns about unknown setting names before it listens, saying where they came from; a taken port names AIGW_FASTAPI__API_PORT', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    const directory = mkdtempSync(join(tmpdir(), 'aigw-names-'))
    writeFileSync(
      join(directory, '.env'),
      'AIGW_FASTAPI__API_PROT=5999\nAIGW_GITLAB_URLL=https://gitlab.example.com/secret-path\n',
    )
    try {
      const { code, output } = await run(
        process.execPath,
        [MAIN],
        {
          AIGW_FASTAPI__API_HOST: '127.0.0.1',
          AIGW_FASTAPI__API_PORT: String(port),
          AIGW_AUTH_BYPASS_EXTERNAL: 'true',
          AIGW_CUSTOMER_PORTAL_URL: '',
        },
        directory,
      )
      expect(code).toBe(1)
      const warnings = output
        .split('\n')
        .filter((line) => line.includes('"logger":"config"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(warnings.map((w) => [w.variable, w.source ?? null, w.suggestion ?? null])).toEqual([
        ['AIGW_GITLAB_URL', null, null],
        ['AIGW_FASTAPI__API_PROT', '.env', 'AIGW_FASTAPI__API_PORT'],
        ['AIGW_GITLAB_URLL', '.env', 'AIGW_GITLAB_URL'],
        ['AIGW_AUTH_BYPASS_EXTERNAL', 'environment', 'AIGW_AUTH__BYPASS_EXTERNAL'],
      ])
      expect(output).toContain(
        `aigw-edge: port ${port} on 127.0.0.1 is already in use: set AIGW_FASTAPI__API_PORT to a free port`,
      )
      expect(output).not.toContain('secret-path')
      expect(output).not.toMatch(/\n\s+at /) // no stack trace
    } finally {
      taken.close()
      rmSync(directory, { recursive: true, force: true })
    }
  })
})

describe('node-entry/main.ts', () => {
  it('lets in-flight requests finish on SIGTERM, refusing new connections', async () => {
    const issuer = await newIssuer()
    await issuer.setState({ delayMs: 700 }) // key loading takes 1.4 s: the request waits for it
    const port = await freePort()
    const gateway = await startProcess(process.execPath, [MAIN], {
      port,
      env: { ...settingsFor(issuer), AIGW_FASTAPI__API_PORT: String(port) },
    })
    const inFlight = fetch(`${gateway.url}${TOKEN_PATH}`, {
      method: 'POST',
      headers: gitlabHeaders(await instanceToken(issuer, '18.x')),
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const exitCode = gateway.stop('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 100))
    await expect(fetch(`${gateway.url}/monitoring/healthz`)).rejects.toThrow()
    expect((await inFlight).status).toBe(200)
    expect(await exitCode).toBe(0)
    expect(gateway.output()).toContain('Shutting down')
  })

  it('refuses to start on an invalid setting, naming the variable and not its value', async () => {
    const { code, output } = await run(process.execPath, [MAIN], {
      AIGW_GITLAB_URL: 'gitlab.example.com/top-secret',
      AIGW_AUTH__BYPASS_EXTERNAL: 'perhaps',
    })
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
    const gateway = await startProcess(process.execPath, [MAIN], {
      port,
      cwd: directory,
      env: { AIGW_FASTAPI__DOCS_URL: '/from-env' },
    })
    try {
      expect((await fetch(`${gateway.url}/from-env`)).status).toBe(200)
      expect((await fetch(`${gateway.url}/from-dotenv`)).status).toBe(404)
      expect(
        (await fetch(`${gateway.url}${TOKEN_PATH}`, { method: 'POST', headers: gitlabHeaders(undefined) }))
          .status,
      ).toBe(200)
    } finally {
      await gateway.stop()
    }
  })

  it('drops a malformed Host header instead of routing on it', async () => {
    const server = await startServer({
      env: { AIGW_CUSTOMER_PORTAL_URL: '', AIGW_GITLAB_URL: 'http://127.0.0.1:9' },
      host: '127.0.0.1',
      port: 0,
      logSink: () => {},
    })
    try {
      const status = async (request: string) => {
        const socket = connect(server.port, '127.0.0.1')
        socket.end(request)
        let text = ''
        for await (const chunk of socket) text += (chunk as Buffer).toString()
        return Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1])
      }
      expect(
        await status('GET /monitoring/healthz HTTP/1.1\r\nHost: example.com/x?\r\nConnection: close\r\n\r\n'),
      ).toBe(200)
      // GitLab's reason for the sanitiser: a Host must never steer the request to a public path.
      expect(
        await status(
          'POST /v2/code/completions HTTP/1.1\r\nHost: x/monitoring/healthz?\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
        ),
      ).toBe(401)
      expect(
        await status('GET /monitoring/healthz HTTP/1.1\r\nHost: gitlab_ai:5052\r\nConnection: close\r\n\r\n'),
      ).toBe(200)
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
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=aigw-edge test CA',
    )
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    )
    writeFileSync(join(directory, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n')
    openssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    )
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
    const { code, output } = await run(process.execPath, [MAIN], {
      SSL_CERT_FILE: join(directory, 'missing.pem'),
    })
    expect(code).toBe(1)
    expect(output).toContain('SSL_CERT_FILE: cannot read the CA bundle')
  })
})
