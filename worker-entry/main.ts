/**
 * Cloudflare Workers adapter: turns the Worker's `env` (vars and secrets with the same AIGW_*
 * names as the container) into a gateway, once per isolate, and hands requests to it. The JWKS
 * shared store is the data centre's Cache API, so isolates share fetched keys.
 */
import { ConfigError, parseConfig } from '../src/config.ts'
import type { Config, LogLevel } from '../src/config.ts'
import { createGateway } from '../src/gateway.ts'
import type { DocsAssets, DocsIndex, KeyStore, StoredKeySet } from '../src/platform.ts'
import { settingWarnings } from '../src/settings-warnings.ts'
import { createConfigErrorApp } from './config-error-app.ts'
import { workerdFetchFailure } from './fetch-failure.ts'

export interface Env {
  /** Workers static assets (wrangler.toml `[assets]`): the Swagger UI files for /docs. */
  ASSETS?: Fetcher
  /** D1 database holding the documentation index (wrangler.toml `[[d1_databases]]`, binding DOCS_DB). */
  DOCS_DB?: D1Database
  /** mTLS certificate binding (wrangler.toml `[[mtls_certificates]]`): model calls present its client certificate when AIGW_MTLS__ENABLED is on. */
  MODEL_MTLS?: Fetcher
  [setting: string]: unknown
}

type FetchHandler = {
  fetch(request: Request, bindings: object, ctx: ExecutionContext): Response | Promise<Response>
}

// One gateway per env object: workerd hands every request of an isolate the same `env`.
const gateways = new WeakMap<Env, Promise<FetchHandler>>()

export default {
  async fetch(request, env, ctx): Promise<Response> {
    let gateway = gateways.get(env)
    if (!gateway) {
      gateway = buildGateway(env)
      gateways.set(env, gateway)
      gateway.catch(() => gateways.delete(env))
    }
    const clientAddress = request.headers.get('cf-connecting-ip') ?? undefined
    return (await gateway).fetch(request, { clientAddress }, ctx)
  },
} satisfies ExportedHandler<Env>

async function buildGateway(env: Env): Promise<FetchHandler> {
  try {
    const config = parseConfig(env)
    const gateway = await createGateway(config, {
      fetch: outboundFetch(env, config),
      fetchFailure: workerdFetchFailure,
      keyStore: cacheApiKeyStore(),
      logSink: writeLog,
      docsAssets: env.ASSETS ? staticAssets(env.ASSETS) : undefined,
      docsIndex: env.DOCS_DB ? d1DocsIndex(env.DOCS_DB) : undefined,
    })
    for (const { message, ...fields } of settingWarnings(env))
      gateway.logger.child('config').warning(message, fields)
    if (config.mtls.enabled && !env.MODEL_MTLS) {
      gateway.logger.warning(
        'AIGW_MTLS__ENABLED is on but no mTLS certificate binding MODEL_MTLS exists: model calls present no client certificate',
      )
    }
    if (!env.DOCS_DB) {
      gateway.logger
        .child('search')
        .warning(
          'Documentation search is off: /v1/search/gitlab-docs answers with no results. Bind a D1 database holding the index as DOCS_DB to turn it on',
        )
    }
    return gateway.app
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(error.message)
    return createConfigErrorApp(error)
  }
}

/**
 * AIGW_MTLS__* on Workers: with the setting on and a MODEL_MTLS binding, every call but the OIDC
 * issuers' goes through the binding, which presents its client certificate. The certificate files,
 * __VERIFY and __CA_BUNDLE do not apply: the certificate lives in the binding.
 */
function outboundFetch(env: Env, config: Config): typeof fetch {
  const binding = config.mtls.enabled ? env.MODEL_MTLS : undefined
  if (!binding) return (input, init) => fetch(input, init)
  const issuers = new Set(
    [config.gitlabUrl, config.customerPortalUrl].flatMap((url) => (url ? [new URL(url).origin] : [])),
  )
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    return issuers.has(url.origin) ? fetch(input, init) : binding.fetch(input, init)
  }
}

function writeLog(line: string, level: LogLevel): void {
  if (level === 'error' || level === 'critical') console.error(line)
  else if (level === 'warning') console.warn(line)
  else console.log(line)
}

/** Tier 2 of the JWKS cache: one data centre's Cache API (inert on workers.dev; see docs/workers.md). */
function cacheApiKeyStore(): KeyStore {
  const keyUrl = (key: string) => `https://aigw-edge.internal/jwks?source=${encodeURIComponent(key)}`
  return {
    async get(key) {
      const hit = await caches.default.match(keyUrl(key))
      return hit ? ((await hit.json()) as StoredKeySet) : undefined
    },
    async put(key, value, ttlSeconds) {
      await caches.default.put(
        keyUrl(key),
        Response.json(value, { headers: { 'cache-control': `max-age=${ttlSeconds}` } }),
      )
    },
  }
}

/** The Swagger UI files, deployed as static assets under /docs/assets/ (see scripts/build-docs-assets.mjs). */
function staticAssets(assets: Fetcher): DocsAssets {
  return {
    async get(name) {
      const response = await assets.fetch(`https://assets.internal/docs/assets/${name}`)
      if (response.ok) return response
      await response.body?.cancel()
      return undefined
    },
  }
}

/** The documentation index in D1 (loaded with `wrangler d1 execute --file` from `npm run docs:index -- --sql`). */
function d1DocsIndex(db: D1Database): DocsIndex {
  return {
    async all(sql, params) {
      const { results } = await db
        .prepare(sql)
        .bind(...params)
        .all<Record<string, unknown>>()
      return results
    },
  }
}
