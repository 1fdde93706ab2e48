/**
 * The gateway as a Node HTTP server: builds the gateway from an environment map, listens, and
 * shuts down gracefully. `main.ts` runs it as the process; tests start it on 127.0.0.1:0.
 */
import { getRequestListener } from '@hono/node-server'
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createAgentPlatform, type AgentPlatform } from '../src/agent-platform/agent-platform.ts'
import { parseAgentPlatformSettings } from '../src/agent-platform/settings.ts'
import { ConfigError, parseConfig, type Config } from '../src/config.ts'
import { createAgentPlatformMetrics } from './agent-platform/prometheus.ts'
import { startAgentPlatformServer } from './agent-platform/grpc-server.ts'
import type { KeyStore } from '../src/platform.ts'
import { createGateway, type Gateway } from '../src/gateway.ts'
import type { LogSink } from '../src/logging.ts'
import { createMemoryKeyStore } from '../src/auth/memory-key-store.ts'
import { swaggerUiAssets } from './docs-assets.ts'
import { logDocsIndex, openDocsIndex } from './docs-index.ts'
import { answerClientErrors, serverLimits } from './client-errors.ts'
import { BackgroundWork } from './execution-context.ts'
import { batchedStdout } from './stdout-log.ts'
import type { Resolver } from './guarded-lookup.ts'
import { createOutboundFetch } from './outbound-fetch.ts'
import { startMetricsServer } from './metrics-server.ts'
import { createPrometheusMetrics, type PrometheusMetrics } from './prometheus.ts'
import { agentPlatformTls, modelClientTls, serverTlsOptions } from './tls.ts'
import { settingWarnings } from '../src/settings-warnings.ts'
import { VERSION } from './version.ts'

export interface ServerOptions {
  env: Readonly<Record<string, string | undefined>>
  /** Overrides AIGW_FASTAPI__API_HOST / __API_PORT (tests listen on 127.0.0.1:0). */
  host?: string
  port?: number
  logSink?: LogSink
  /**
   * Measure and serve Prometheus metrics as AIGW_FASTAPI__METRICS_HOST / __PORT say (main.ts
   * does). Off unless asked: in-process test servers must not all claim port 8082.
   */
  metrics?: boolean
  /** The DNS resolver behind the outbound SSRF guard (tests resolve names to chosen addresses). */
  resolver?: Resolver
  /** Where a variable came from (`.env`, `environment`), named in the start-up warnings about unknown settings. */
  settingSource?: (name: string) => string | undefined
  /**
   * Overrides DUO_WORKFLOW_PORT for the Agent Platform's gRPC server (0: a free port, null: none;
   * default: a free one when `port` is 0); DUO_WORKFLOW_HOST likewise.
   */
  grpcPort?: number | null
  grpcHost?: string
}

export interface RunningServer {
  url: string
  port: number
  gateway: Gateway
  /** The metrics server, when one is listening. */
  metricsUrl?: string | undefined
  /** The Agent Platform service, unless it is off (DUO_WORKFLOW_PORT=0). */
  agentPlatform?: { address: string; port: number; service: AgentPlatform } | undefined
  /** Resolves once background work (key refreshes, cache writes) has finished. */
  settled(): Promise<void>
  /** Stops accepting connections, lets in-flight requests and background work finish (up to `graceMs`). */
  close(graceMs?: number): Promise<void>
}

/** How long SIGTERM waits for in-flight requests (Kubernetes' default grace period is 30 s). */
const SHUTDOWN_GRACE_MS = 30_000

/** @throws ConfigError before anything listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const config = parseConfig(options.env)
  const logSink = options.logSink ?? batchedStdout()
  const serverTls = serverTlsOptions(config)
  const clientTls = modelClientTls(config)
  const docs = await openDocsIndex(config)
  const outbound = createOutboundFetch({
    clientTls: clientTls && {
      connect: clientTls,
      exceptOrigins: issuerOrigins(config.gitlabUrl, config.customerPortalUrl),
    },
    ...(options.resolver ? { resolver: options.resolver } : {}),
  })
  const metricsPort = options.metrics ? config.metrics.port : null
  const prometheus = metricsPort !== null ? createPrometheusMetrics() : undefined
  // One store for both services' key sources (keyed by issuer URL).
  const keyStore = createMemoryKeyStore()
  const gateway = await createGateway(config, {
    metrics: prometheus?.metrics,
    fetch: outbound.fetch,
    fetchFailure: outbound.fetchFailure,
    keyStore,
    logSink,
    docsAssets: swaggerUiAssets(),
    sha256Hex,
    docsIndex: docs?.index,
  })
  logDocsIndex(gateway.logger.child('search'), docs)
  // Before listening: a misspelt AIGW_FASTAPI__API_PORT must be reported even if the default port is taken.
  const configLog = gateway.logger.child('config')
  for (const { message, ...fields } of settingWarnings(options.env, options.settingSource))
    configLog.warning(message, fields)
  const background = new BackgroundWork()
  const listener = getRequestListener(
    (request, { incoming, outgoing }) =>
      gateway.app.fetch(
        request,
        { clientAddress: incoming.socket.remoteAddress, breakConnection: () => outgoing.destroy() },
        background.context,
      ),
    { hostname: 'localhost' },
  )
  let closing = false
  const handle: RequestListener = (request, response) => {
    dropMalformedHost(request)
    // While shutting down, finished requests must not keep their keep-alive connection open.
    if (closing) response.setHeader('connection', 'close')
    void listener(request, response)
  }
  // An https.Server is an http.Server over TLS sockets (same keep-alive and close* methods).
  const limits = serverLimits(config)
  const server = (
    serverTls ? createHttpsServer({ ...serverTls, ...limits }, handle) : createServer(limits, handle)
  ) as Server
  answerClientErrors(server, gateway.logger.child('http'))
  const host = options.host ?? config.server.host
  // The gRPC port first: a port that is taken stops start-up before the HTTP port is opened.
  const agentPlatform = await startAgentPlatform(
    options,
    config,
    gateway,
    { fetch: outbound.fetch, keyStore },
    background,
    prometheus,
  )
  try {
    await listen(server, options.port ?? config.server.port, host)
  } catch (error) {
    await agentPlatform?.server.shutdown(0)
    throw error
  }
  const { port } = server.address() as AddressInfo
  gateway.logger.info('AI gateway listening', {
    version: VERSION,
    host,
    port,
    gitlab_url: config.gitlabUrl,
    tls: Boolean(serverTls),
    model_client_tls: Boolean(clientTls),
  })
  const metricsServer =
    prometheus && metricsPort !== null
      ? await startMetricsServer(
          prometheus.registry,
          config.metrics.host,
          metricsPort,
          gateway.logger.child('metrics'),
        )
      : undefined
  // Prefetch the issuers' keys; requests never wait for a slow issuer they do not need.
  background.context.waitUntil(gateway.warmUp(background.context))
  if (agentPlatform) background.context.waitUntil(agentPlatform.service.warmUp(background.context))

  return {
    url: `${serverTls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    gateway,
    metricsUrl: metricsServer?.url,
    agentPlatform: agentPlatform && {
      address: agentPlatform.server.address,
      port: agentPlatform.server.port,
      service: agentPlatform.service,
    },
    settled: () => background.drain(),
    close: (graceMs = SHUTDOWN_GRACE_MS) => {
      closing = true
      // Open chat turns get the Agent Platform's own grace period (they save and tell GitLab they stopped), within the process's.
      const grpcClosed = agentPlatform?.server.shutdown(Math.min(graceMs, agentPlatform.graceMs))
      return Promise.all([shutDown(server, background, graceMs), grpcClosed]).then(() => {
        docs?.close()
        // Last: Prometheus can still scrape while requests drain.
        return Promise.all([outbound.close(), metricsServer?.close()]).then(() => {})
      })
    },
  }
}

/** The Agent Platform service beside the gateway, in the same process, unless DUO_WORKFLOW_PORT is 0. */
async function startAgentPlatform(
  options: ServerOptions,
  config: Config,
  gateway: Gateway,
  { fetch, keyStore }: { fetch: typeof globalThis.fetch; keyStore: KeyStore },
  background: BackgroundWork,
  prometheus: PrometheusMetrics | undefined,
) {
  const settings = parseAgentPlatformSettings(options.env, {
    gitlabUrl: config.gitlabUrl,
    customerPortalUrl: config.customerPortalUrl,
  })
  // A caller that asks for any free HTTP port (tests) gets any free gRPC port too, unless it says otherwise.
  const port =
    options.grpcPort !== undefined
      ? options.grpcPort
      : settings.port !== null && options.port === 0
        ? 0
        : settings.port
  if (port === null) return undefined
  const tls = agentPlatformTls(settings)
  const service = await createAgentPlatform({
    gateway,
    settings,
    platform: { fetch, keyStore, sha256Hex, metrics: prometheus?.metrics },
    tasks: background.context,
    metrics: prometheus && createAgentPlatformMetrics(prometheus.registry),
  })
  const host = options.grpcHost ?? settings.host
  let server
  try {
    server = await startAgentPlatformServer({
      handlers: service,
      host,
      port,
      ...(tls ? { tls } : {}),
      logger: gateway.logger,
      maxMetadataBytes: settings.maxMetadataBytes,
    })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ConfigError([
      `DUO_WORKFLOW_PORT: the Agent Platform service cannot listen on ${host}:${port} (${reason}); set a free port, or 0 to turn the service off`,
    ])
  }
  gateway.logger.info('Agent Platform service listening', {
    version: VERSION,
    address: server.address,
    tls: Boolean(tls),
  })
  return { server, service, graceMs: settings.shutdownGraceMs }
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex')

/** The OIDC issuers' origins: their discovery and JWKS calls never use the model client certificate. */
function issuerOrigins(...urls: (string | null)[]): string[] {
  return urls.filter((url): url is string => Boolean(url)).map((url) => new URL(url).origin)
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

async function shutDown(server: Server, background: BackgroundWork, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  // Connections that finish their request during the drain go idle; close them as they do.
  const sweeper = setInterval(() => server.closeIdleConnections(), 50)
  server.closeIdleConnections()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs)
  })
  await Promise.race([Promise.all([closed, background.drain()]), deadline])
  clearTimeout(timer)
  clearInterval(sweeper)
  server.closeAllConnections()
}

// GitLab's gateway strips a Host that is not a host name or IP literal (with optional port) and
// carries on, rather than answering 400: such a value must never influence routing.
const VALID_HOST = /^([a-z0-9.-]+|\[[a-f0-9:.]+\])(:\d{1,5})?$/i

function dropMalformedHost(request: IncomingMessage): void {
  const host = request.headers.host
  if (host !== undefined && !VALID_HOST.test(host)) delete request.headers.host
}
