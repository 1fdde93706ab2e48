/**
 * The three /v1/proxy/* upstreams as data (spec platform §5.2–§5.4): which paths they accept,
 * where those go, which headers cross in each direction, which models are allowed, how the
 * gateway's credential is added, and how a stream that fails half-way is ended in that
 * provider's own SSE error format.
 *
 * Bases follow the provider SDKs, so they can point at a private mirror: OPENAI_BASE_URL includes
 * `/v1`, ANTHROPIC_BASE_URL does not.
 */
import type { Config } from '../config.ts'
import { HttpError } from '../errors.ts'
import type { AccessTokenSource } from '../providers/vertex-token.ts'
import { ANTHROPIC_PROXY_MODELS, OPENAI_PROXY_MODELS, VERTEX_PROXY_MODELS } from './models.ts'

export type ProxyName = 'anthropic' | 'openai' | 'vertex-ai'

export interface ProxyTarget {
  url: string
  /** From the path (Vertex); the others name it in the body. */
  pathModel?: string
  /** The path alone says the answer is a stream (Vertex's streaming actions). */
  streamingPath: boolean
  /** Vertex Claude models answer in Anthropic's format. */
  errorFormat: 'anthropic' | 'openai' | 'google'
}

export interface ProxyUpstream {
  name: ProxyName
  /** `rest` is the request's path and query after `/v1/proxy/<name>`; unknown paths are 404 `Not found`. */
  target(rest: string, config: Config): ProxyTarget
  requestHeaders: readonly string[]
  responseHeaders: readonly string[]
  models: ReadonlySet<string>
  /** The credential headers; throws GitLab's 400/500 when the key is not configured. */
  credentials(config: Config, tokens: AccessTokenSource): Promise<Record<string, string>>
}

const notFound = (): never => {
  throw new HttpError(404, 'Not found')
}

const ANTHROPIC_PATHS = new Set([
  '/v1/messages',
  '/v1/messages?beta=true',
  '/v1/messages/count_tokens?beta=true',
])
const OPENAI_PATHS = new Set(['/v1/chat/completions', '/v1/embeddings', '/v1/models', '/v1/responses'])
const VERTEX_PATH =
  /\/v1\/projects\/[\w-]+\/locations\/[\w-]+\/publishers\/(google|anthropic)\/models\/([\w@.-]+):(predict|serverStreamingPredict|streamRawPredict|generateContent|streamGenerateContent)(\?.*)?$/
const VERTEX_STREAMING_ACTIONS = new Set([
  'serverStreamingPredict',
  'streamRawPredict',
  'streamGenerateContent',
])

export const PROXY_UPSTREAMS: Readonly<Record<ProxyName, ProxyUpstream>> = {
  anthropic: {
    name: 'anthropic',
    target(rest, config) {
      if (!ANTHROPIC_PATHS.has(rest)) notFound()
      return {
        url: `${config.providers.anthropic.baseUrl}${rest}`,
        streamingPath: false,
        errorFormat: 'anthropic',
      }
    },
    requestHeaders: ['accept', 'content-type', 'anthropic-version', 'anthropic-beta'],
    responseHeaders: ['content-type', 'anthropic-beta'],
    models: ANTHROPIC_PROXY_MODELS,
    async credentials(config) {
      const key = config.providers.anthropic.apiKey
      if (!key) throw new HttpError(400, 'API key not found')
      return { 'x-api-key': key }
    },
  },
  openai: {
    name: 'openai',
    target(rest, config) {
      if (!OPENAI_PATHS.has(rest)) notFound()
      // OPENAI_BASE_URL already ends in /v1, as the OpenAI SDKs expect.
      return {
        url: `${config.providers.openai.baseUrl}${rest.slice('/v1'.length)}`,
        streamingPath: false,
        errorFormat: 'openai',
      }
    },
    requestHeaders: ['accept', 'content-type', 'user-agent'],
    responseHeaders: ['content-type'],
    models: OPENAI_PROXY_MODELS,
    async credentials(config) {
      const key = config.providers.openai.apiKey
      if (key === undefined) throw new HttpError(500, 'API key not found')
      if (key === '') throw new HttpError(500, 'Server configuration error: API key not set')
      return { authorization: `Bearer ${key}` }
    },
  },
  'vertex-ai': {
    name: 'vertex-ai',
    target(rest, config) {
      const match = VERTEX_PATH.exec(rest.startsWith('/') ? rest : `/${rest}`)
      if (!match) return notFound()
      const [, publisher, model, action, query] = match as unknown as [
        string,
        string,
        string,
        string,
        string | undefined,
      ]
      const { proxyEndpoint, proxyProject, proxyLocation } = config.providers.vertex
      // The gateway's project and location replace the client's; only ?alt=sse survives.
      const url =
        `${proxyEndpoint}/v1/projects/${encodeURIComponent(proxyProject)}/locations/${encodeURIComponent(proxyLocation)}` +
        `/publishers/${publisher}/models/${model}:${action}${query === '?alt=sse' ? query : ''}`
      return {
        url,
        pathModel: model,
        streamingPath: VERTEX_STREAMING_ACTIONS.has(action),
        errorFormat: publisher === 'anthropic' ? 'anthropic' : 'google',
      }
    },
    requestHeaders: ['content-type'],
    responseHeaders: ['content-type'],
    models: VERTEX_PROXY_MODELS,
    async credentials(_config, tokens) {
      return { authorization: `Bearer ${await tokens.token()}` }
    },
  },
}

/** The last SSE frame of a stream that failed half-way, in the upstream's own error format. */
export function streamErrorFrame(format: ProxyTarget['errorFormat'], path: string, message: string): string {
  if (format === 'anthropic') {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`
  }
  if (format === 'google') {
    return `data: ${JSON.stringify({ error: { code: 503, message, status: 'UNAVAILABLE' } })}\n\n`
  }
  // The Responses API names its events; chat completions put the error in a data-only chunk.
  if (path.startsWith('/v1/responses')) {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message, param: null })}\n\n`
  }
  return `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`
}
