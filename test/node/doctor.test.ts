/**
 * `npm run doctor` as the built CLI (dist/node/doctor.mjs, what the container image runs) in a
 * real process against the suite's fakes: a working setup passes (exit 0), and each broken setup
 * GitLab's guides describe is told apart by the check that fails, with its fix. The Agent Platform
 * port it looks at is a real gateway's, started here as a process (plaintext, and one over TLS): in
 * this process a spawnSync would stop it from answering.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { newIssuer, type Tenant } from '../contract/issuer-client.ts'
import { newModelServer, type ModelServer } from '../contract/model-server-client.ts'
import { chatCompletion, chatStream } from '../contract/wire/openai.ts'
import { SSE_HEADERS, sseChunks } from '../contract/wire/sse.ts'
import { startFakeIssuer, type FakeIssuer } from '../fakes/oidc-issuer.ts'
import { isSupportedNode } from '../../node-entry/node-version.ts'
import { freePort, ROOT, startProcess, type Started } from './processes.ts'

const CLI = join(ROOT, 'dist/node/doctor.mjs')
const API_KEY = 'sk-doctor-test-5f1c0ffee'

interface Check {
  id: string
  status: 'pass' | 'warn' | 'fail' | 'skip'
  verdict: string
  fix?: string
  details?: Record<string, unknown>
}
interface Report {
  ok: boolean
  summary: Record<string, number>
  checks: Check[]
}

/** An empty working directory, so no `.env` of the checkout is read. */
let cwd: string
let caDirectory: string
let httpsIssuer: FakeIssuer
/** Gateways whose Agent Platform port the doctor checks: plaintext, and TLS with the private CA's certificate for 127.0.0.1. */
let gateway: Gateway
let tlsGateway: Gateway
interface Gateway {
  process: Started
  port: number
  grpcPort: number
}

/** `node-entry/main.ts` as a process on 127.0.0.1, its gRPC port too. */
async function startGateway(env: Record<string, string>): Promise<Gateway> {
  const [port, grpcPort] = [await freePort(), await freePort()]
  const started = await startProcess(process.execPath, [join(ROOT, 'node-entry/main.ts')], {
    port,
    env: {
      AIGW_FASTAPI__API_HOST: '127.0.0.1',
      AIGW_FASTAPI__API_PORT: String(port),
      DUO_WORKFLOW_HOST: '127.0.0.1',
      DUO_WORKFLOW_PORT: String(grpcPort),
      AIGW_GITLAB_URL: 'http://127.0.0.1:9',
      AIGW_CUSTOMER_PORTAL_URL: '',
      ...env,
    },
  })
  return { process: started, port, grpcPort }
}
/** The Agent Platform's own signing key (GenerateToken). */
const AGENT_PLATFORM_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString()

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build-node.mjs', 'doctor'], { cwd: ROOT, stdio: 'pipe' })
  cwd = mkdtempSync(join(tmpdir(), 'aigw-doctor-'))
  // A GitLab on HTTPS with a certificate from a private CA (what the install guide's JWKError is about).
  caDirectory = mkdtempSync(join(tmpdir(), 'aigw-doctor-ca-'))
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: caDirectory, stdio: 'pipe' })
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
    '/CN=doctor test CA',
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
  writeFileSync(join(caDirectory, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n')
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
  const read = (name: string) => readFileSync(join(caDirectory, name), 'utf8')
  httpsIssuer = await startFakeIssuer({ key: read('server.key'), cert: read('server.pem') })
  // This test process drives the HTTPS issuer's control API; the doctor's own process trusts only what its env says.
  setDefaultCACertificates([...getCACertificates('default'), read('ca.pem')])
  const tls = {
    DUO_WORKFLOW_TLS__ENABLED: 'true',
    DUO_WORKFLOW_TLS__CERT_FILE: join(caDirectory, 'server.pem'),
    DUO_WORKFLOW_TLS__KEY_FILE: join(caDirectory, 'server.key'),
  }
  ;[gateway, tlsGateway] = await Promise.all([startGateway({}), startGateway(tls)])
}, 60_000)

afterAll(async () => {
  await Promise.all([gateway?.process.stop(), tlsGateway?.process.stop()])
  await httpsIssuer?.close()
  for (const directory of [cwd, caDirectory])
    if (directory) rmSync(directory, { recursive: true, force: true })
})

/** Runs the CLI with only these settings (and PATH/HOME): the machine's own CA variables stay out. */
function doctor(
  env: Record<string, string>,
  args: string[] = [],
  json = true,
  directory = cwd,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...(json ? ['--json'] : []), ...args], {
      cwd: directory,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

async function report(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; report: Report; check: (id: string) => Check }> {
  const { code, stdout, stderr } = await doctor(env, args)
  let parsed: Report
  try {
    parsed = JSON.parse(stdout) as Report
  } catch {
    throw new Error(`doctor printed no JSON (exit ${code}):\n${stdout}\n${stderr}`)
  }
  const check = (id: string) => {
    const found = parsed.checks.find((c) => c.id === id)
    if (!found) throw new Error(`no check ${id} in ${parsed.checks.map((c) => c.id).join(', ')}`)
    return found
  }
  return { code, report: parsed, check }
}

const statuses = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]))

/** A GitLab API that answers as GitLab's does without a token. */
async function gitlabApi(): Promise<ModelServer> {
  const api = await newModelServer()
  await api.script({
    match: '/api/v4/projects',
    status: 401,
    chunks: [{ text: '{"message":"401 Unauthorized"}' }],
  })
  return api
}

/** An OpenAI-compatible model server (vLLM-like) serving one model, streaming or not. */
async function modelServer(options: { streams?: boolean } = {}): Promise<ModelServer> {
  const model = await newModelServer()
  await model.script(
    {
      match: '/v1/models',
      chunks: [{ text: JSON.stringify({ object: 'list', data: [{ id: 'mistral-7b', object: 'model' }] }) }],
    },
    options.streams === false
      ? { match: '/v1/chat/completions', chunks: [{ text: JSON.stringify(chatCompletion('OK')) }] }
      : { match: '/v1/chat/completions', headers: SSE_HEADERS, chunks: sseChunks(chatStream(['OK'])) },
  )
  return model
}

const modelArgs = (model: ModelServer) => [
  '--model-endpoint',
  `${model.url}/v1`,
  '--model-identifier',
  'custom_openai/mistral-7b',
  '--model-api-key',
  API_KEY,
]

async function workingSetup(gitlab?: Tenant): Promise<Record<string, string>> {
  const [issuer, customersDot, api] = await Promise.all([gitlab ?? newIssuer(), newIssuer(), gitlabApi()])
  const keys = inject('gatewayKeys')
  return {
    AIGW_GITLAB_URL: issuer.url,
    AIGW_GITLAB_API_URL: `${api.url}/api/v4/`,
    AIGW_CUSTOMER_PORTAL_URL: customersDot.url,
    AIGW_SELF_SIGNED_JWT__SIGNING_KEY: keys.signing,
    AIGW_SELF_SIGNED_JWT__VALIDATION_KEY: keys.validation,
    // The gateway started above, as this machine's own.
    DUO_WORKFLOW_HOST: '127.0.0.1',
    DUO_WORKFLOW_PORT: String(gateway.grpcPort),
    DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY: AGENT_PLATFORM_KEY,
  }
}

describe('npm run doctor: a working setup', () => {
  it('passes every check and exits 0; the model answers and streams; the API key is sent, never printed', async () => {
    const model = await modelServer()
    const { code, report: r } = await report(await workingSetup(), modelArgs(model))
    expect(statuses(r)).toEqual({
      node_version: 'pass',
      settings: 'pass',
      setting_names: 'pass',
      ca_bundle: 'pass',
      gitlab_url: 'pass',
      gitlab_tls: 'skip', // plain HTTP
      gitlab_oidc: 'pass',
      gitlab_jwks: 'pass',
      clock: 'pass',
      customers_dot_url: 'pass',
      customers_dot_tls: 'skip',
      customers_dot_oidc: 'pass',
      customers_dot_jwks: 'pass',
      gitlab_api: 'pass',
      auth_bypass: 'pass',
      mock_models: 'pass',
      signing_key: 'pass',
      validation_key: 'pass',
      model_endpoint: 'pass',
      model_stream: 'pass',
      agent_platform: 'pass',
      agent_platform_auth: 'pass',
      agent_platform_signing_key: 'pass',
      agent_platform_validation_key: 'pass',
      agent_platform_health: 'pass',
    })
    expect(code).toBe(0)
    expect(r.ok).toBe(true)
    expect(r.checks.find((c) => c.id === 'gitlab_jwks')!.details).toMatchObject({ rs256_keys: 1 })
    expect(r.checks.find((c) => c.id === 'gitlab_api')!.details).toMatchObject({ status: 401 })
    expect(JSON.stringify(r)).not.toContain(API_KEY)

    const [listing, completion] = await model.requests()
    expect(listing).toMatchObject({ method: 'GET', path: '/v1/models' })
    expect(listing!.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(completion).toMatchObject({ method: 'POST', path: '/v1/chat/completions' })
    expect(completion!.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(JSON.parse(completion!.body)).toMatchObject({ model: 'mistral-7b', stream: true })
  })

  it('prints one line per check for people, and a summary', async () => {
    const model = await modelServer()
    const { code, stdout } = await doctor(await workingSetup(), modelArgs(model), false)
    expect(code).toBe(0)
    expect(stdout).toMatch(/^✓ GitLab JWKS: 1 RS256 public key\(s\) import$/m)
    expect(stdout).toMatch(/^✓ Model streaming: mistral-7b streams: first token after \d+ ms$/m)
    expect(stdout).toMatch(/^- GitLab TLS: not checked: .* is plain HTTP$/m)
    expect(stdout).toContain(
      `✓ Agent Platform port: 127.0.0.1:${gateway.grpcPort} is SERVING over plaintext; ListTools answers UNAUTHENTICATED`,
    )
    expect(stdout).toMatch(
      /^✓ Agent Platform service: gRPC on 127\.0\.0\.1:\d+, plaintext \(h2c\)\. In GitLab: "Local URL for the GitLab Duo Agent Platform service" = <this host as GitLab reaches it>:\d+ \(no scheme\), and DUO_AGENT_PLATFORM_SERVICE_SECURE=false/m,
    )
    expect(stdout).not.toMatch(/^[✗!] /m)
    expect(stdout).toContain('0 failed')
    expect(stdout).not.toContain(API_KEY)
  })

  it('without a model endpoint, says how to check one and still exits 0', async () => {
    const { code, check } = await report(await workingSetup())
    expect(code).toBe(0)
    expect(check('model_endpoint')).toMatchObject({ status: 'skip' })
    expect(check('model_endpoint').verdict).toContain('--model-endpoint')
  })
})

describe.concurrent('npm run doctor: broken setups', () => {
  it('GitLab URL unreachable', async () => {
    const env = { ...(await workingSetup()), AIGW_GITLAB_URL: inject('refusingUrl') }
    const { code, check } = await report(env)
    expect(code).toBe(1)
    expect(check('gitlab_url')).toMatchObject({ status: 'fail' })
    expect(check('gitlab_url').verdict).toContain('ECONNREFUSED')
    expect(check('gitlab_url').fix).toContain('AIGW_GITLAB_URL')
    expect(check('gitlab_oidc').status).toBe('skip')
    expect(check('gitlab_jwks').status).toBe('skip')
  })

  it('unknown setting names, from .env and the environment: a warning naming the nearest setting (exit 0)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'aigw-doctor-names-'))
    writeFileSync(join(directory, '.env'), 'AIGW_CUSTOM_MODELS__ALLOWED_HOST=vllm.internal\n')
    try {
      const { code, stdout } = await doctor(
        { ...(await workingSetup()), AIGW_LOGGING__FORMAT_JSN: 'false' },
        [],
        true,
        directory,
      )
      const setting = (JSON.parse(stdout) as Report).checks.find((c) => c.id === 'setting_names')!
      expect((JSON.parse(stdout) as Report).checks.filter((c) => c.status === 'fail')).toEqual([])
      expect(code).toBe(0)
      expect(setting.status).toBe('warn')
      expect(setting.verdict).toContain(
        'AIGW_CUSTOM_MODELS__ALLOWED_HOST (.env) → AIGW_CUSTOM_MODELS__ALLOWED_HOSTS?',
      )
      expect(setting.verdict).toContain('AIGW_LOGGING__FORMAT_JSN (environment) → AIGW_LOGGING__FORMAT_JSON?')
      expect(setting.details).toEqual({
        unknown: {
          AIGW_CUSTOM_MODELS__ALLOWED_HOST: {
            source: '.env',
            suggestion: 'AIGW_CUSTOM_MODELS__ALLOWED_HOSTS',
          },
          AIGW_LOGGING__FORMAT_JSN: { source: 'environment', suggestion: 'AIGW_LOGGING__FORMAT_JSON' },
        },
      })
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })

  // The machine's own Node when it is too old (CI's Debian Node 20): what `node dist/node/doctor.mjs` says there.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find(
    (path) =>
      existsSync(path) &&
      !isSupportedNode(spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim() || '99'),
  )
  it.skipIf(!oldNode)(
    'run by a Node older than supported: the node_version check fails and says what to do',
    async () => {
      const { status, stdout } = spawnSync(oldNode!, [CLI, '--json'], {
        cwd,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, ...(await workingSetup()) },
      })
      const check = (JSON.parse(stdout) as Report).checks.find((c) => c.id === 'node_version')!
      expect(status).toBe(1)
      expect(check.status).toBe('fail')
      expect(check.verdict).toMatch(
        /^Node 2?\d\.\d+\.\d+ cannot run the gateway: it needs Node 22\.19 or later/,
      )
    },
  )

  it('AIGW_GITLAB_URL not set', async () => {
    const { AIGW_GITLAB_URL: _unset, ...env } = await workingSetup()
    const { code, check } = await report(env)
    expect(code).toBe(1)
    expect(check('gitlab_url')).toMatchObject({ status: 'fail' })
    expect(check('gitlab_url').verdict).toContain('not set')
  })

  it('OIDC discovery failing (GitLab answers 500)', async () => {
    const gitlab = await newIssuer()
    await gitlab.setState({ status: 500 })
    const { code, check } = await report(await workingSetup(gitlab))
    expect(code).toBe(1)
    expect(check('gitlab_url').status).toBe('pass') // it answers: reachable
    expect(check('gitlab_oidc')).toMatchObject({ status: 'fail' })
    expect(check('gitlab_oidc').verdict).toContain('HTTP 500')
    expect(check('gitlab_jwks').status).toBe('skip')
  })

  it('AIGW_GITLAB_URL not the root URL (discovery 404)', async () => {
    const env = { ...(await workingSetup()), AIGW_GITLAB_URL: `${inject('issuerUrl')}/t/no-such-instance` }
    const { code, check } = await report(env)
    expect(code).toBe(1)
    expect(check('gitlab_oidc')).toMatchObject({ status: 'fail' })
    expect(check('gitlab_oidc').fix).toContain('root URL')
  })

  it('JWKS without keys', async () => {
    const gitlab = await newIssuer()
    await gitlab.setState({ keys: 'empty' })
    const { code, check } = await report(await workingSetup(gitlab))
    expect(code).toBe(1)
    expect(check('gitlab_oidc').status).toBe('pass')
    expect(check('gitlab_jwks')).toMatchObject({ status: 'fail' })
    expect(check('gitlab_jwks').verdict).toContain('no keys')
  })

  it('CustomersDot set explicitly but unreachable', async () => {
    const env = { ...(await workingSetup()), AIGW_CUSTOMER_PORTAL_URL: inject('refusingUrl') }
    const { code, check } = await report(env)
    expect(code).toBe(1)
    expect(check('customers_dot_url')).toMatchObject({ status: 'fail' })
    expect(check('gitlab_jwks').status).toBe('pass')
  })

  it('CustomersDot switched off (empty) is not checked', async () => {
    const env = { ...(await workingSetup()), AIGW_CUSTOMER_PORTAL_URL: '' }
    const { code, check } = await report(env)
    expect(code).toBe(0)
    expect(check('customers_dot_url')).toMatchObject({ status: 'skip' })
  })

  describe('GitLab on HTTPS with a private CA', () => {
    it('without a CA bundle: the TLS check fails and says to set SSL_CERT_FILE / REQUESTS_CA_BUNDLE', async () => {
      const gitlab = await newIssuer({ base: httpsIssuer.url })
      const { code, check } = await report(await workingSetup(gitlab))
      expect(code).toBe(1)
      expect(check('ca_bundle').verdict).toContain("Node's built-in CA store")
      expect(check('gitlab_tls')).toMatchObject({ status: 'fail' })
      expect(check('gitlab_tls').verdict).toContain('CN=doctor test CA')
      expect(check('gitlab_tls').fix).toContain('SSL_CERT_FILE')
      expect(check('gitlab_tls').fix).toContain('REQUESTS_CA_BUNDLE')
      expect(check('gitlab_tls').fix).toContain('JWKError')
      expect(check('gitlab_url')).toMatchObject({ status: 'fail' })
      expect(check('gitlab_url').verdict).toContain('TLS')
    })

    it('in human output: ✗ on the TLS line, the fix under it', async () => {
      const gitlab = await newIssuer({ base: httpsIssuer.url })
      const { code, stdout } = await doctor(await workingSetup(gitlab), [], false)
      expect(code).toBe(1)
      expect(stdout).toMatch(/^✗ GitLab TLS: .*not trusted|^✗ GitLab TLS: .*CN=doctor test CA/m)
      expect(stdout).toMatch(/^✗ GitLab TLS: .*\n {4}fix: .*\n.*SSL_CERT_FILE/m)
    })

    for (const variable of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE']) {
      it(`with the CA in ${variable}: trusted, and the bundle in use is named`, async () => {
        const gitlab = await newIssuer({ base: httpsIssuer.url })
        const bundle = join(caDirectory, 'ca.pem')
        const {
          code,
          report: r,
          check,
        } = await report({ ...(await workingSetup(gitlab)), [variable]: bundle })
        expect(r.checks.filter((c) => c.status === 'fail')).toEqual([])
        expect(code).toBe(0)
        expect(check('gitlab_tls')).toMatchObject({ status: 'pass' })
        expect(check('ca_bundle').verdict).toContain(`${variable}=${bundle} (1 certificate)`)
        expect(check('gitlab_jwks').status).toBe('pass')
      })
    }

    it('a CA bundle that cannot be read stops the gateway: the doctor says so', async () => {
      const { code, check } = await report({
        ...(await workingSetup()),
        SSL_CERT_FILE: join(caDirectory, 'missing.pem'),
      })
      expect(code).toBe(1)
      expect(check('ca_bundle')).toMatchObject({ status: 'fail' })
      expect(check('ca_bundle').verdict).toContain('SSL_CERT_FILE')
    })
  })

  it('GitLab API URL unreachable', async () => {
    const env = { ...(await workingSetup()), AIGW_GITLAB_API_URL: `${inject('refusingUrl')}/api/v4/` }
    const { code, check } = await report(env)
    expect(code).toBe(1)
    expect(check('gitlab_api')).toMatchObject({ status: 'fail' })
    expect(check('gitlab_api').verdict).toContain('ECONNREFUSED')
    expect(check('gitlab_api').fix).toContain('curl')
  })

  it.each([
    'AIGW_AUTH__BYPASS_EXTERNAL',
    'AIGW_AUTH__BYPASS_EXTERNAL_WITH_HEADER',
    'AIGW_AUTH__BYPASS_JWT_SIGNATURE',
  ])('%s left on', async (variable) => {
    const { code, check } = await report({ ...(await workingSetup()), [variable]: 'true' })
    expect(code).toBe(1)
    expect(check('auth_bypass')).toMatchObject({ status: 'fail', details: { on: [variable] } })
    expect(check('auth_bypass').fix).toContain(variable)
  })

  it('AIGW_MOCK_MODEL_RESPONSES left on is a warning (exit 0)', async () => {
    const { code, check } = await report({ ...(await workingSetup()), AIGW_MOCK_MODEL_RESPONSES: 'true' })
    expect(check('mock_models').status).toBe('warn')
    expect(code).toBe(0)
  })

  it('signing key with a PEM envelope but no RSA key in it', async () => {
    const garbage =
      '-----BEGIN PRIVATE KEY-----\nTm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0Lg==\n-----END PRIVATE KEY-----'
    const { code, check } = await report({
      ...(await workingSetup()),
      AIGW_SELF_SIGNED_JWT__SIGNING_KEY: garbage,
    })
    expect(code).toBe(1)
    expect(check('settings').status).toBe('pass') // the envelope parses; the key does not import
    expect(check('signing_key')).toMatchObject({ status: 'fail' })
    expect(check('signing_key').fix).toContain('openssl genrsa')
    expect(check('validation_key').status).toBe('pass')
  })

  it('signing key that is not PEM at all: the gateway refuses it, the other checks still run', async () => {
    const { code, stdout, check } = await doctorReport({
      ...(await workingSetup()),
      AIGW_SELF_SIGNED_JWT__SIGNING_KEY: 'not-a-key-secret-material',
    })
    expect(code).toBe(1)
    expect(check('settings')).toMatchObject({ status: 'fail' })
    expect(check('settings').verdict).toContain('AIGW_SELF_SIGNED_JWT__SIGNING_KEY')
    expect(check('signing_key').status).toBe('fail')
    expect(check('gitlab_jwks').status).toBe('pass')
    expect(stdout).not.toContain('not-a-key-secret-material')
  })

  it('clock skew: GitLab answers with a Date 5 minutes ahead', async () => {
    // A GitLab whose discovery answer carries an old-or-new Date header; its keys are a real issuer's.
    const [keysFrom, gitlab] = await Promise.all([newIssuer(), newModelServer()])
    const discovery = { issuer: gitlab.url, jwks_uri: `${keysFrom.url}/oauth/discovery/keys` }
    await gitlab.script({
      match: '/.well-known/openid-configuration',
      headers: { date: new Date(Date.now() + 5 * 60_000).toUTCString() },
      chunks: [{ text: JSON.stringify(discovery) }],
    })
    const env = { ...(await workingSetup()), AIGW_GITLAB_URL: gitlab.url }
    const { code, check } = await report(env)
    expect(code).toBe(1)
    expect(check('gitlab_oidc').status).toBe('pass')
    expect(check('gitlab_jwks').status).toBe('pass')
    expect(check('clock')).toMatchObject({ status: 'fail' })
    expect(check('clock').verdict).toContain('behind')
    expect(check('clock').details!.skew_s as number).toBeLessThan(-60)
    expect(check('clock').fix).toContain('NTP')
  })

  it('model endpoint down', async () => {
    const args = [
      '--model-endpoint',
      `${inject('refusingUrl')}/v1`,
      '--model-identifier',
      'custom_openai/mistral-7b',
      '--model-api-key',
      API_KEY,
    ]
    const { code, report: r, check } = await report(await workingSetup(), args)
    expect(code).toBe(1)
    expect(check('model_endpoint')).toMatchObject({ status: 'fail' })
    expect(check('model_endpoint').verdict).toContain('ECONNREFUSED')
    expect(check('model_stream').status).toBe('skip')
    expect(JSON.stringify(r)).not.toContain(API_KEY)
  })

  it('model endpoint that answers but does not stream', async () => {
    const model = await modelServer({ streams: false })
    const { code, check } = await report(await workingSetup(), modelArgs(model))
    expect(code).toBe(1)
    expect(check('model_endpoint').status).toBe('pass')
    expect(check('model_stream')).toMatchObject({ status: 'fail' })
    expect(check('model_stream').verdict).toContain('not as a stream')
    expect(check('model_stream').fix).toContain('AIGW_CUSTOM_MODELS__DISABLE_STREAMING')
  })

  it('model identifier the server does not serve: a warning on the listing, the stream call fails with 404', async () => {
    const model = await newModelServer()
    await model.script(
      {
        match: '/v1/models',
        chunks: [{ text: JSON.stringify({ object: 'list', data: [{ id: 'llama-3' }] }) }],
      },
      {
        match: '/v1/chat/completions',
        status: 404,
        chunks: [{ text: '{"object":"error","message":"The model `mistral-7b` does not exist."}' }],
      },
    )
    const { code, check } = await report(await workingSetup(), modelArgs(model))
    expect(code).toBe(1)
    expect(check('model_endpoint')).toMatchObject({ status: 'warn' })
    expect(check('model_endpoint').fix).toContain('--served-model-name')
    expect(check('model_stream')).toMatchObject({ status: 'fail' })
    expect(check('model_stream').verdict).toContain('404')
  })
})

describe.concurrent('npm run doctor: the Agent Platform service', () => {
  const tlsPort = () => String(tlsGateway.grpcPort)

  it('turned off (DUO_WORKFLOW_PORT=0): says what that costs, checks nothing else of it, exit 0', async () => {
    const { code, report: r, check } = await report({ ...(await workingSetup()), DUO_WORKFLOW_PORT: '0' })
    expect(code).toBe(0)
    expect(check('agent_platform')).toMatchObject({ status: 'skip' })
    expect(check('agent_platform').verdict).toContain("GitLab's Agentic Chat")
    expect(r.checks.filter((c) => c.id.startsWith('agent_platform_')).map((c) => c.status)).toEqual([
      'skip',
      'skip',
      'skip',
      'skip',
    ])
  })

  it('DUO_WORKFLOW_AUTH__ENABLED=false left on fails', async () => {
    const { code, check } = await report({ ...(await workingSetup()), DUO_WORKFLOW_AUTH__ENABLED: 'false' })
    expect(code).toBe(1)
    expect(check('agent_platform_auth')).toMatchObject({ status: 'fail' })
    expect(check('agent_platform_auth').fix).toContain('DUO_WORKFLOW_AUTH__ENABLED')
  })

  it('an audience GitLab does not send (DUO_WORKFLOW_CLOUD_CONNECTOR_SERVICE_NAME) is a warning saying every call would be UNAUTHENTICATED', async () => {
    const { check } = await report({
      ...(await workingSetup()),
      DUO_WORKFLOW_CLOUD_CONNECTOR_SERVICE_NAME: 'my-dws',
    })
    expect(check('agent_platform_auth')).toMatchObject({ status: 'warn' })
    expect(check('agent_platform_auth').verdict).toContain('UNAUTHENTICATED')
  })

  it('its own GitLab URL, when it names another instance, is checked too', async () => {
    const { code, check } = await report({
      ...(await workingSetup()),
      DUO_WORKFLOW_AUTH__OIDC_GITLAB_URL: inject('refusingUrl'),
    })
    expect(code).toBe(1)
    expect(check('agent_platform_gitlab_url')).toMatchObject({ status: 'fail' })
    expect(check('agent_platform_gitlab_url').fix).toContain('DUO_WORKFLOW_AUTH__OIDC_GITLAB_URL')
    expect(check('gitlab_url').status).toBe('pass')
  })

  it('no signing key: a warning naming what needs it (GenerateToken); not PEM: the gateway refuses to start, the key is never printed', async () => {
    const { DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY: _unset, ...withoutKey } = await workingSetup()
    const missing = await report(withoutKey)
    expect(missing.code).toBe(0)
    expect(missing.check('agent_platform_signing_key')).toMatchObject({ status: 'warn' })
    expect(missing.check('agent_platform_signing_key').verdict).toContain('GenerateToken')
    expect(missing.check('agent_platform_signing_key').fix).toContain('openssl genrsa')

    const { code, stdout, check } = await doctorReport({
      ...(await workingSetup()),
      DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY: 'not-a-key-secret-material',
    })
    expect(code).toBe(1)
    expect(check('settings').verdict).toContain('DUO_WORKFLOW_SELF_SIGNED_JWT__SIGNING_KEY')
    expect(check('agent_platform')).toMatchObject({ status: 'fail' })
    expect(check('agent_platform_signing_key').status).toBe('fail')
    expect(stdout).not.toContain('not-a-key-secret-material')
    expect(stdout).not.toContain(AGENT_PLATFORM_KEY.split('\n')[1])
  })

  it('TLS on without its files: the gateway refuses to start, and the doctor says which variable', async () => {
    const { code, check } = await report({ ...(await workingSetup()), DUO_WORKFLOW_TLS__ENABLED: 'true' })
    expect(code).toBe(1)
    expect(check('settings')).toMatchObject({ status: 'fail' })
    expect(check('agent_platform')).toMatchObject({ status: 'fail' })
    expect(check('agent_platform').verdict).toContain(
      'DUO_WORKFLOW_TLS__ENABLED: needs DUO_WORKFLOW_TLS__CERT_FILE and DUO_WORKFLOW_TLS__KEY_FILE',
    )
  })

  it('a port where nothing listens: not checked on this machine (the gateway is not running here), a failure when named with --agent-platform-url', async () => {
    const closed = String(await freePort())
    const local = await report({ ...(await workingSetup()), DUO_WORKFLOW_PORT: closed })
    expect(local.code).toBe(0)
    expect(local.check('agent_platform_health')).toMatchObject({ status: 'skip' })
    expect(local.check('agent_platform_health').verdict).toContain('--agent-platform-url')

    const named = await report(await workingSetup(), ['--agent-platform-url', `127.0.0.1:${closed}`])
    expect(named.code).toBe(1)
    expect(named.check('agent_platform_health')).toMatchObject({ status: 'fail' })
    expect(named.check('agent_platform_health').verdict).toContain('ECONNREFUSED')
    expect(named.check('agent_platform_health').fix).toContain('-p 50052:50052')
  })

  it("the gateway's HTTP port given as the Agent Platform's: it does not speak gRPC, and the fix says so", async () => {
    const { code, check } = await report(await workingSetup(), [
      '--agent-platform-url',
      `127.0.0.1:${gateway.port}`,
    ])
    expect(code).toBe(1)
    expect(check('agent_platform_health')).toMatchObject({ status: 'fail' })
    expect(check('agent_platform_health').verdict).toContain('speaks gRPC neither in plaintext nor over TLS')
    expect(check('agent_platform_health').fix).toContain('not its HTTP port (5052)')
  })

  it("an address that serves TLS: found either way, with the value GitLab's DUO_AGENT_PLATFORM_SERVICE_SECURE needs, and whether the certificate is trusted", async () => {
    const address = `127.0.0.1:${tlsPort()}`
    const untrusted = await report(await workingSetup(), ['--agent-platform-url', address])
    expect(untrusted.check('agent_platform_health')).toMatchObject({ status: 'warn', details: { tls: true } })
    expect(untrusted.check('agent_platform_health').verdict).toContain(`${address} is SERVING over TLS`)
    expect(untrusted.check('agent_platform_health').verdict).toContain(
      'DUO_AGENT_PLATFORM_SERVICE_SECURE=true',
    )
    expect(untrusted.check('agent_platform_health').verdict).toContain('is not trusted by this machine')

    const trusted = await report({ ...(await workingSetup()), SSL_CERT_FILE: join(caDirectory, 'ca.pem') }, [
      '--agent-platform-url',
      address,
    ])
    expect(trusted.check('agent_platform_health')).toMatchObject({ status: 'pass' })
    expect(trusted.check('agent_platform_health').verdict).toContain('issued by CN=doctor test CA')

    // The plaintext port named from a machine whose settings say TLS: plaintext it is, and GitLab must be told.
    const tlsSettings = {
      DUO_WORKFLOW_TLS__ENABLED: 'true',
      DUO_WORKFLOW_TLS__CERT_FILE: join(caDirectory, 'server.pem'),
      DUO_WORKFLOW_TLS__KEY_FILE: join(caDirectory, 'server.key'),
    }
    const plain = await report({ ...(await workingSetup()), ...tlsSettings }, [
      '--agent-platform-url',
      `127.0.0.1:${gateway.grpcPort}`,
    ])
    expect(plain.check('agent_platform_health')).toMatchObject({ status: 'pass', details: { tls: false } })
    expect(plain.check('agent_platform_health').verdict).toContain('DUO_AGENT_PLATFORM_SERVICE_SECURE=false')
  })

  it('on this machine, a port that answers over TLS although DUO_WORKFLOW_TLS__ENABLED is off fails: something else listens there', async () => {
    const { code, check } = await report({ ...(await workingSetup()), DUO_WORKFLOW_PORT: tlsPort() })
    expect(code).toBe(1)
    expect(check('agent_platform_health')).toMatchObject({ status: 'fail' })
    expect(check('agent_platform_health').verdict).toContain('but DUO_WORKFLOW_TLS__ENABLED is false')
  })

  it("--agent-platform-url with a scheme is a usage error that says what GitLab's field takes", async () => {
    const { code, stderr } = await doctor(await workingSetup(), [
      '--agent-platform-url',
      'grpc://aigw.example.com:50052',
    ])
    expect(code).toBe(1)
    expect(stderr).toContain('--agent-platform-url takes host:port with no scheme or path')
  })
})

/** `report`, also returning the raw output (to look for what must not be printed). */
async function doctorReport(env: Record<string, string>) {
  const { code, stdout, stderr } = await doctor(env)
  const parsed = JSON.parse(stdout) as Report
  if (!parsed) throw new Error(stderr)
  return { code, stdout, check: (id: string) => parsed.checks.find((c) => c.id === id)! }
}
