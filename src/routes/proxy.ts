/**
 * `POST /v1/proxy/{anthropic,openai,vertex-ai}/{path}`: GitLab features that call a vendor API
 * themselves, through the gateway's credentials (spec platform §5). The route checks in GitLab's
 * order, then relays: request bytes as sent, the upstream answer as it arrives (streams are never
 * buffered), only allow-listed headers in each direction, upstream errors with their status and
 * JSON body. With AIGW_MOCK_MODEL_RESPONSES every call that passes the checks gets
 * `{"response": "mocked"}`.
 */
import type { Config } from '../config.ts'
import { HttpError } from '../errors.ts'
import type { Logger } from '../logging.ts'
import { isObject } from '../providers/json.ts'
import { readErrorBody, send, type Outbound } from '../providers/transport.ts'
import { ProviderSetupError } from '../model-call/types.ts'
import { hostOf, type UpstreamError } from '../model-call/upstream-error.ts'
import type { AccessTokenSource } from '../providers/vertex-token.ts'
import { checkProxyRequest } from '../proxy/checks.ts'
import { StreamDeadlines } from '../streaming/deadlines.ts'
import { Redactor } from '../streaming/redact.ts'
import { PROXY_UPSTREAMS, streamErrorFrame, type ProxyUpstream } from '../proxy/upstreams.ts'
import type { Route } from './route.ts'
import { proxySpec } from './specs/proxy.ts'

export interface ProxyDeps {
  config: Config
  outbound: Outbound
  vertexTokens: AccessTokenSource
  logger: Logger
  /** The open-streams gauge (GatewayMetrics), when metrics are on. */
  openStreams?: ((delta: 1 | -1) => void) | undefined
}

const encoder = new TextEncoder()

export function proxyRoutes(deps: ProxyDeps): Route[] {
  return Object.values(PROXY_UPSTREAMS).map((upstream) => proxyRoute(upstream, deps))
}

function proxyRoute(upstream: ProxyUpstream, deps: ProxyDeps): Route {
  const spec = proxySpec(upstream)
  const prefix = spec.path.slice(0, -'/*'.length)
  const log = deps.logger.child('proxy')
  return {
    ...spec,
    handler: async (c) => {
      const { config } = deps
      const unitPrimitive = checkProxyRequest(c.get('auth'), c.req.raw.headers, config)
      Object.assign(c.get('logContext'), {
        'meta.unit_primitive': unitPrimitive,
        'meta.feature_category': 'proxy',
      })
      const url = c.req.url
      const query = url.indexOf('?')
      const rest = c.req.path.slice(prefix.length) + (query < 0 ? '' : url.slice(query))
      const target = upstream.target(rest, config)
      const bodyText = await c.req.text()
      const body = parseJson(bodyText)
      const model =
        target.pathModel ?? (isObject(body) && typeof body.model === 'string' ? body.model : undefined)
      if (!model) throw new HttpError(400, 'Failed to extract model name')
      if (!upstream.models.has(model)) throw new HttpError(400, 'Unsupported model')
      if (config.models.mock) return c.json({ response: 'mocked' })

      const added = await credentials(upstream, deps)
      const headers = new Headers(added)
      for (const name of upstream.requestHeaders) {
        const value = c.req.header(name)
        if (value !== undefined && !headers.has(name)) headers.set(name, value)
      }
      const streaming = (isObject(body) && body.stream === true) || target.streamingPath
      let eventStream = false
      const sentAt = performance.now()
      const deadlines = streaming
        ? new StreamDeadlines(
            { firstOutputMs: config.models.firstOutputTimeoutMs, totalMs: config.models.streamTimeoutMs },
            hostOf(target.url),
          )
        : undefined
      const response = await send(
        deps.outbound,
        { url: target.url, init: { method: 'POST', headers, body: bodyText } },
        {
          signal: c.req.raw.signal,
          stream: streaming,
          timeoutMs: config.models.timeoutMs,
          idleMs: config.models.streamIdleTimeoutMs,
          onFailure: (error) =>
            logFailure(log, c.get('requestId'), upstream, model, error, 'Proxy stream broke off'),
          endWith: (error) =>
            eventStream
              ? encoder.encode(streamErrorFrame(target.errorFormat, rest, error.message))
              : undefined,
          openStreams: deps.openStreams,
          deadlines,
          // Some upstreams echo the credential they were sent, in an error body or a streamed error event.
          redactor: new Redactor(secretsOf(added)),
        },
      ).catch((error: unknown) => {
        deadlines?.stop()
        logFailure(log, c.get('requestId'), upstream, model, error as UpstreamError, 'Proxy request failed')
        throw error
      })

      // Time to the upstream's response headers, for the access log.
      Object.assign(c.get('logContext'), {
        upstream_host: hostOf(target.url),
        upstream_duration_s: Number(((performance.now() - sentAt) / 1000).toFixed(6)),
      })

      if (response.status >= 300) {
        const errorBody = await readErrorBody(response)
        log.warning('Upstream answered with an error', {
          correlation_id: c.get('requestId'),
          provider: upstream.name,
          model,
          upstream_status: response.status,
        })
        const retryAfter = response.headers.get('retry-after')
        return c.json(
          typeof errorBody === 'string' ? { message: errorBody } : errorBody,
          response.status as 400,
          retryAfter ? { 'retry-after': retryAfter } : {},
        )
      }
      eventStream = /^text\/event-stream/i.test(response.headers.get('content-type') ?? '')
      const out = new Headers()
      for (const name of upstream.responseHeaders) {
        const value = response.headers.get(name)
        if (value !== null) out.set(name, value)
      }
      // A reverse proxy in front (nginx ingress) must not hold the events back.
      if (eventStream) out.set('x-accel-buffering', 'no')
      return new Response(response.body, { status: response.status, headers: out })
    },
  }
}

async function credentials(upstream: ProxyUpstream, deps: ProxyDeps): Promise<Record<string, string>> {
  try {
    return await upstream.credentials(deps.config, deps.vertexTokens)
  } catch (error) {
    if (error instanceof ProviderSetupError) {
      deps.logger.error('Proxy credentials are not configured', {
        provider: upstream.name,
        error: error.message,
      })
      throw new HttpError(500, error.message)
    }
    throw error
  }
}

/** The credential values the gateway added (a bare key, a bearer token without its scheme). */
function secretsOf(added: Record<string, string>): string[] {
  return CREDENTIAL_HEADERS.flatMap((name) => {
    const value = added[name]
    return value ? [value.replace(/^Bearer\s+/i, '')] : []
  })
}

const CREDENTIAL_HEADERS = ['authorization', 'x-api-key']

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HttpError(400, 'Invalid JSON')
  }
}

function logFailure(
  log: Logger,
  requestId: string,
  upstream: ProxyUpstream,
  model: string,
  error: UpstreamError,
  message: string,
): void {
  if (typeof error?.logFields !== 'function' || error.failure === 'aborted') return
  log.warning(message, { correlation_id: requestId, provider: upstream.name, model, ...error.logFields() })
}
