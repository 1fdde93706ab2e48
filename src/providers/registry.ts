/**
 * Builds the model layer once per gateway from the settings: one module per wire format, the
 * Vertex access-token source (shared by Vertex models and the Vertex proxy), and the model client
 * (or the mock client under AIGW_MOCK_MODEL_RESPONSES).
 */
import type { Config } from '../config.ts'
import { HttpError } from '../errors.ts'
import type { Logger } from '../logging.ts'
import { ProviderSetupError, type WireFormatName } from '../model-call/types.ts'
import { hostOf, transportFailure } from '../model-call/upstream-error.ts'
import type { FetchFailureReader, GatewayMetrics } from '../platform.ts'
import { anthropicFormat, anthropicWire } from './anthropic.ts'
import { createBedrockFormat } from './bedrock.ts'
import { createModelClient, type ModelClient } from './client.ts'
import { createMockModelClient } from './mock.ts'
import { createAzureFormat, openAiChatFormat, openAiTextFormat } from './openai.ts'
import { createVertexFormat } from './vertex.ts'
import type { Outbound } from './transport.ts'
import { createServiceAccountTokenSource, type AccessTokenSource } from './vertex-token.ts'
import type { WireFormat } from './wire-format.ts'

export interface ModelLayer {
  formats: Readonly<Record<WireFormatName, WireFormat>>
  vertexTokens: AccessTokenSource
  client: ModelClient
}

const GOOGLE_TOKEN_HOST = 'oauth2.googleapis.com'

export function createModelLayer(
  config: Config,
  outbound: Outbound,
  logger: Logger,
  now: () => number,
  metrics?: GatewayMetrics,
): ModelLayer {
  const { providers } = config
  const vertexTokens = explainedTokenErrors(
    createServiceAccountTokenSource({
      serviceAccountJson: providers.vertex.serviceAccountJson,
      fetch: outbound.fetch,
      now,
    }),
    logger,
    outbound.fetchFailure,
  )
  const formats: Record<WireFormatName, WireFormat> = {
    'openai-chat': openAiChatFormat,
    'openai-text': openAiTextFormat,
    azure: createAzureFormat({ apiVersion: providers.azure.apiVersion }),
    anthropic: anthropicFormat,
    bedrock: createBedrockFormat({
      region: providers.bedrock.region,
      ...definedOnly({
        accessKeyId: providers.bedrock.accessKeyId,
        secretAccessKey: providers.bedrock.secretAccessKey,
        sessionToken: providers.bedrock.sessionToken,
        bearerToken: providers.bedrock.bearerToken,
      }),
      now,
    }),
    vertex: createVertexFormat({ tokens: vertexTokens, anthropic: anthropicWire }),
  }
  const client = config.models.mock
    ? createMockModelClient()
    : createModelClient({
        outbound,
        formats,
        timeoutMs: config.models.timeoutMs,
        idleTimeoutMs: config.models.streamIdleTimeoutMs,
        maxResponseBytes: config.models.maxResponseBytes,
        allowedHosts: config.customModels.allowedHosts,
        logger: logger.child('models'),
        metrics,
      })
  return { formats, vertexTokens, client }
}

/**
 * A token grant that fails is the upstream failing, not the gateway: a 502 that says what Google
 * answered (status and error code, never the assertion), or the transport failure.
 */
function explainedTokenErrors(
  source: AccessTokenSource,
  logger: Logger,
  read: FetchFailureReader | undefined,
): AccessTokenSource {
  return {
    async token() {
      try {
        return await source.token()
      } catch (error) {
        if (error instanceof ProviderSetupError || error instanceof HttpError) throw error
        if (error instanceof TypeError || (error as Error | undefined)?.name === 'TimeoutError') {
          throw transportFailure(error, GOOGLE_TOKEN_HOST, 'request', read)
        }
        const message = error instanceof Error ? error.message : String(error)
        logger.warning('Could not get a Google access token', {
          error: message,
          upstream_host: hostOf(`https://${GOOGLE_TOKEN_HOST}`),
        })
        throw new HttpError(502, `Could not get a Google access token: ${message}`)
      }
    },
  }
}

function definedOnly<T extends Record<string, string | undefined>>(values: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: string
  }
}
