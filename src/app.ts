/**
 * `createApp(deps)`: the whole gateway as one Hono app, identical on every runtime. Middleware
 * runs in GitLab's order, so status codes match: request id → access log → CORS (preflight needs
 * no token) → authentication → body limit → route (scope check → handler).
 */
import { Hono } from 'hono'
import { cors } from 'hono/cors'
import packageJson from '../package.json' with { type: 'json' }
import type { Keyring } from './auth/keyring.ts'
import { authMiddleware } from './auth/middleware.ts'
import { VerifiedTokenCache } from './auth/token-cache.ts'
import type { Config } from './config.ts'
import type { DocsAssets, GatewayMetrics } from './platform.ts'
import { HttpError } from './errors.ts'
import { accessLog } from './http/access-log.ts'
import { bodyLimit } from './http/body-limit.ts'
import { errorHandler } from './http/error-handler.ts'
import { routingPath } from './http/paths.ts'
import { requestId } from './http/request-id.ts'
import type { Logger } from './logging.ts'
import type { ModelLayer } from './providers/registry.ts'
import type { Outbound } from './providers/transport.ts'
import { CodeEngine } from './code/engine.ts'
import { builtInPrompts } from './prompts/built-in.ts'
import { PromptInvoker } from './prompts/invoke.ts'
import type { Models } from './models/models.ts'
import type { PromptRegistry } from './prompts/registry.ts'
import { chatRoutes } from './routes/chat.ts'
import { codeRoutes } from './routes/code.ts'
import { embeddingsRoutes } from './routes/embeddings.ts'
import { modelRoutes } from './routes/models.ts'
import { promptRoutes } from './routes/prompts.ts'
import { docsRoutes } from './routes/docs.ts'
import { monitoringRoutes } from './routes/monitoring.ts'
import { proxyRoutes } from './routes/proxy.ts'
import { searchRoutes } from './routes/search.ts'
import type { DocsSearch } from './search/docs-search.ts'
import type { AppEnv, Route } from './routes/route.ts'
import { userAccessTokenRoutes } from './routes/user-access-token.ts'

export interface AppDeps {
  config: Config
  logger: Logger
  keyring: Keyring
  /** The self-signed key that mints user access tokens, when configured. */
  signingKey: CryptoKey | null
  docsAssets?: DocsAssets
  now: () => number
  /** Outbound HTTP (the platform's `fetch` port and its adapter's reading of failures). */
  outbound: Outbound
  models: Models
  /** The Vertex AI access tokens the provider proxy uses (the model layer's). */
  vertexTokens: ModelLayer['vertexTokens']
  /** Prompt definitions; the built-in ones unless a test brings its own. */
  prompts?: PromptRegistry
  sha256Hex?: ((text: string) => string | Promise<string>) | undefined
  docsSearch: DocsSearch
  /** Operational metrics (the platform's port), when measured. */
  metrics?: GatewayMetrics | undefined
}

/**
 * Paths GitLab's gateway serves without a token but that have no route here: they 404. GitLab
 * serves `/metrics` only on its metrics port (AIGW_FASTAPI__METRICS_PORT), never on the API port.
 */
const OTHER_PUBLIC_PATHS = ['/metrics']

export const API_INFO = {
  title: 'GitLab AI Gateway',
  description: 'GitLab AI Gateway API to execute AI actions (served by aigw-edge)',
  version: packageJson.version,
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, logger } = deps
  const prompts = deps.prompts ?? builtInPrompts()
  const { models } = deps
  const apiRoutes = [
    ...monitoringRoutes(deps),
    ...userAccessTokenRoutes(deps),
    ...modelRoutes(),
    ...embeddingsRoutes({ config, models }),
    ...proxyRoutes({
      config,
      outbound: deps.outbound,
      vertexTokens: deps.vertexTokens,
      logger,
      openStreams: deps.metrics?.openStreams,
    }),
    ...codeRoutes({ config, engine: new CodeEngine({ models, prompts }), logger, now: deps.now }),
    ...chatRoutes({ config, models, prompts, logger, now: deps.now }),
    ...searchRoutes({ config, search: deps.docsSearch, now: deps.now }),
    ...promptRoutes({
      config,
      invoker: new PromptInvoker({ models, prompts, now: deps.now }),
      models,
      logger,
    }),
  ]
  const routes = [...apiRoutes, ...docsRoutes(config, deps.docsAssets, apiRoutes, API_INFO)]

  const app = new Hono<AppEnv>({ getPath: routingPath })
  app.use(requestId())
  app.use(accessLog(logger, deps.now, deps.metrics))
  // GitLab's CORS policy: any origin, POST only, any request header, no credentials. Like
  // Starlette's, it has nothing to do for a request without an Origin (every call GitLab makes).
  const corsPolicy = cors({
    origin: '*',
    allowMethods: ['POST'],
    exposeHeaders: ['X-Request-ID'],
    maxAge: 600,
  })
  app.use((c, next) => (c.req.header('origin') === undefined ? next() : corsPolicy(c, next)))
  app.use(
    authMiddleware({
      config,
      keyring: deps.keyring,
      now: deps.now,
      tokenCache:
        config.auth.tokenCacheSize > 0
          ? new VerifiedTokenCache(config.auth.tokenCacheSize, deps.now, deps.sha256Hex, deps.metrics)
          : undefined,
      logger: logger.child('auth'),
      publicPaths: new Set([...routes.filter((r) => r.public).map((r) => r.path), ...OTHER_PUBLIC_PATHS]),
    }),
  )
  app.use(bodyLimit(config.server.maxRequestBodyBytes))
  for (const route of routes) app.on(route.method, route.path, route.handler)
  registerMethodNotAllowed(app, routes)
  // Answered, not thrown: an unknown path is common (scanners, old clients) and an Error's stack costs.
  app.notFound(() => Response.json({ detail: 'Not Found' }, { status: 404 }))
  app.onError(errorHandler(logger))
  return app
}

/** FastAPI answers a known path with the wrong method 405 and an `Allow` header. */
function registerMethodNotAllowed(app: Hono<AppEnv>, routes: readonly Route[]): void {
  const methodsByPath = new Map<string, Set<string>>()
  for (const route of routes) {
    const methods = methodsByPath.get(route.path) ?? new Set()
    methods.add(route.method)
    if (route.method === 'GET') methods.add('HEAD')
    methodsByPath.set(route.path, methods)
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].join(', ')
    app.all(path, () => {
      throw new HttpError(405, 'Method Not Allowed', { allow })
    })
  }
}
