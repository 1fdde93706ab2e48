// npm run check:agent-platform -- <host:port> [--tls] [--ca <pem file>] [--token <jwt>] [--header name:value]...
//
// Is the Agent Platform (Duo Workflow Service) port up and answering as GitLab calls it? Without
// grpcurl: the gRPC health check, then ListTools (what GitLab's "GitLab Duo health check" probe
// calls). One verdict line per step; exit 0 when every step passed. Plain JavaScript on the
// project's own dependencies, so it runs from a clean clone after `npm ci`, no build.
import * as grpc from '@grpc/grpc-js'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'

const USAGE =
  'usage: npm run check:agent-platform -- <host:port> [--tls] [--ca <pem file>] [--token <jwt>] [--header name:value]...'
const DEADLINE_MS = 5000
// Dialling TLS to an IP address makes Node warn about SNI on every run: noise for an operator.
process.noDeprecation = true

function parseArgs(argv) {
  const options = { address: undefined, tls: false, ca: undefined, token: undefined, headers: {} }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`)
      return argv[++i]
    }
    if (arg === '--tls') options.tls = true
    else if (arg === '--ca') options.ca = value()
    else if (arg === '--token') options.token = value()
    else if (arg === '--header') {
      const [name, ...rest] = value().split(':')
      if (!name || rest.length === 0) throw new Error('--header takes name:value')
      options.headers[name.trim().toLowerCase()] = rest.join(':').trim()
    } else if (!arg.startsWith('--') && !options.address) options.address = arg
    else throw new Error(`unknown argument ${arg}`)
  }
  if (!options.address || !/^[^/]+:\d+$/.test(options.address)) {
    throw new Error(
      'give the address as host:port, no scheme (as in GitLab\'s "Local URL for the GitLab Duo Agent Platform service")',
    )
  }
  return options
}

let options
try {
  options = parseArgs(process.argv.slice(2))
} catch (error) {
  console.error(`${error.message}\n${USAGE}`)
  process.exit(2)
}

const root = new protobuf.Root().loadSync(
  fileURLToPath(new URL('../node-entry/agent-platform/contract.proto', import.meta.url)),
  { keepCase: true },
)
const ListToolsResponse = root.lookupType('ListToolsResponse')
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN']

const credentials = options.tls
  ? grpc.credentials.createSsl(options.ca ? readFileSync(options.ca) : null)
  : grpc.credentials.createInsecure()
const client = new grpc.Client(options.address, credentials)
const transport = options.tls ? 'TLS' : 'plaintext'

/** One unary call with raw bytes: { code, details, body }. */
function call(path, body, metadata) {
  const md = new grpc.Metadata()
  for (const [key, value] of Object.entries(metadata)) md.set(key, value)
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b) => b,
      (b) => b,
      body,
      md,
      { deadline: Date.now() + DEADLINE_MS },
      (error, response) =>
        resolve(
          error
            ? { code: error.code, details: error.details }
            : { code: grpc.status.OK, details: 'OK', body: response },
        ),
    )
  })
}

// grpc-js details can run to several lines of resolver notes: the first says what happened.
const brief = (details) =>
  String(details)
    .split('\n')[0]
    .replace(/\. Resolution note: ?$/, '')
const codeName = (code) => Object.keys(grpc.status).find((name) => grpc.status[name] === code) ?? String(code)
let failed = false
const verdict = (ok, step, text) => {
  if (!ok) failed = true
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${step}: ${text}`)
}

// 1. grpc.health.v1.Health/Check for the DuoWorkflow service (HealthCheckRequest field 1 = service name).
const health = await call(
  '/grpc.health.v1.Health/Check',
  Buffer.from([0x0a, 11, ...Buffer.from('DuoWorkflow')]),
  {},
)
if (health.code === grpc.status.OK) {
  // HealthCheckResponse: field 1 (varint) = status; absent = UNKNOWN.
  const status = SERVING_STATUS[health.body[0] === 0x08 ? health.body[1] : 0] ?? 'UNKNOWN'
  verdict(status === 'SERVING', 'health', `${status} (${options.address}, ${transport})`)
} else if (health.code === grpc.status.UNIMPLEMENTED) {
  verdict(true, 'health', "no health service here (GitLab's own 18.9 service has none); trying ListTools")
} else if (health.code === grpc.status.UNAVAILABLE || health.code === grpc.status.DEADLINE_EXCEEDED) {
  const hint = options.tls
    ? 'is it serving plaintext (drop --tls) or a certificate this machine does not trust (--ca)?'
    : 'if it serves TLS, add --tls'
  verdict(
    false,
    'health',
    `cannot reach ${options.address} over ${transport} (${codeName(health.code)}: ${brief(health.details)}); ${hint}`,
  )
} else {
  verdict(false, 'health', `${codeName(health.code)}: ${brief(health.details)}`)
}

// 2. ListTools, as GitLab's admin "GitLab Duo health check" calls it.
if (!failed) {
  const metadata = { ...options.headers }
  if (options.token)
    Object.assign(metadata, {
      authorization: `Bearer ${options.token}`,
      'x-gitlab-authentication-type': 'oidc',
    })
  const tools = await call('/DuoWorkflow/ListTools', Buffer.alloc(0), metadata)
  if (tools.code === grpc.status.OK) {
    const count = ListToolsResponse.decode(tools.body).tools.length
    verdict(true, 'ListTools', `OK, ${count} tools`)
  } else if (tools.code === grpc.status.UNAUTHENTICATED && !options.token) {
    verdict(
      true,
      'ListTools',
      `the service is up; ListTools needs a GitLab token (--token <jwt>): ${tools.details}`,
    )
  } else {
    verdict(false, 'ListTools', `${codeName(tools.code)}: ${brief(tools.details)}`)
  }
}

client.close()
process.exit(failed ? 1 : 0)
