/**
 * Builds the gateway from a parsed configuration and a runtime's `Platform`. Both adapters call
 * this; everything in it is Web-standard.
 */
import type { Hono } from 'hono'
import { createApp } from './app.ts'
import { Keyring } from './auth/keyring.ts'
import { RemoteKeySource, type SourceName } from './auth/remote-key-source.ts'
import { loadSelfSignedKeys } from './auth/self-signed-keys.ts'
import type { Config } from './config.ts'
import { createLogger, type Logger } from './logging.ts'
import { Models } from './models/models.ts'
import type { BackgroundTasks, Platform } from './platform.ts'
import { createModelLayer } from './providers/registry.ts'
import type { AppEnv } from './routes/route.ts'
import { DocsSearch } from './search/docs-search.ts'

export interface Gateway {
  app: Hono<AppEnv>
  config: Config
  logger: Logger
  keyring: Keyring
  /** The model layer's front door, shared by every feature (and the Agent Platform service). */
  models: Models
  /** The documentation index's search (`/v1/search/gitlab-docs`, the Agent Platform's docs tool). */
  docsSearch: DocsSearch
  now: () => number
  /** Loads the issuers' keys ahead of the first request; never throws, never blocks start-up. */
  warmUp(tasks: BackgroundTasks): Promise<void>
}

/** @throws ConfigError when a self-signed key cannot be imported. */
export async function createGateway(config: Config, platform: Platform): Promise<Gateway> {
  const now = platform.now ?? Date.now
  const logger = createLogger({
    level: config.logging.level,
    json: config.logging.formatJson,
    sink: platform.logSink,
    now,
  })
  const selfSigned = await loadSelfSignedKeys(config.selfSignedJwt, config.serviceName)
  const keyring = new Keyring(
    selfSigned.verificationKeys,
    remoteSources(config, platform, logger.child('auth.jwks'), now),
  )
  const outbound = { fetch: platform.fetch, fetchFailure: platform.fetchFailure }
  const layer = createModelLayer(config, outbound, logger, now, platform.metrics)
  // The model layer's front door: every feature's model calls go through it (the Agent Platform's too).
  const models = new Models({
    config,
    client: layer.client,
    formats: layer.formats,
    logger: logger.child('models'),
  })
  const docsSearch = new DocsSearch(platform.docsIndex, logger.child('search'))
  const app = createApp({
    config,
    logger,
    keyring,
    signingKey: selfSigned.signingKey,
    docsAssets: platform.docsAssets,
    now,
    outbound,
    models,
    vertexTokens: layer.vertexTokens,
    docsSearch,
    sha256Hex: platform.sha256Hex,
    metrics: platform.metrics,
  })
  logger.info('Gateway configured', {
    gitlab_url: config.gitlabUrl,
    customer_portal_url: config.customerPortalUrl,
    service_name: config.serviceName,
    self_signed_keys: selfSigned.verificationKeys.length,
  })
  if (config.models.mock)
    logger.warning('AIGW_MOCK_MODEL_RESPONSES is on: every model call gets a canned answer')
  if (config.auth.bypassExternal)
    logger.warning('AIGW_AUTH__BYPASS_EXTERNAL is on: every request is let in without a token')
  return { app, config, logger, keyring, models, docsSearch, now, warmUp: (tasks) => keyring.warmUp(tasks) }
}

/** The GitLab instance and CustomersDot; one source when both point at the same URL (air-gapped). */
function remoteSources(
  config: Config,
  platform: Platform,
  logger: Logger,
  now: () => number,
): RemoteKeySource[] {
  const urls: [SourceName, string | null][] = [
    ['gitlab', config.gitlabUrl],
    ['customers_dot', config.customerPortalUrl],
  ]
  const seen = new Set<string>()
  const sources: RemoteKeySource[] = []
  for (const [name, baseUrl] of urls) {
    if (!baseUrl || seen.has(baseUrl)) continue
    seen.add(baseUrl)
    sources.push(
      new RemoteKeySource({
        name,
        baseUrl,
        fetch: platform.fetch,
        store: platform.keyStore,
        now,
        logger,
        metrics: platform.metrics,
      }),
    )
  }
  return sources
}
