/**
 * Amazon Bedrock through the Converse API, the one LiteLLM uses for `bedrock/<model id or ARN>`:
 * one request shape for every model family Bedrock hosts, signed with SigV4 or sent with a
 * Bedrock API key as a bearer token.
 */
import { AwsV4Signer } from 'aws4fetch'
import {
  ProviderSetupError,
  type ChatMessage,
  type ModelCall,
  type ModelResult,
} from '../model-call/types.ts'
import { bedrockEvents, converseFinishReason, converseUsage } from './bedrock-stream.ts'
import { converseAnswer, converseBlocks, converseToolConfig, type ConverseBlock } from './bedrock-tools.ts'
import { isObject as isRecord } from './json.ts'
import type { WireFormat } from './wire-format.ts'

export interface BedrockOptions {
  /** Signing region (AWS_REGION_NAME / AWS_REGION / AWS_DEFAULT_REGION, default us-east-1). */
  region: string
  accessKeyId?: string
  secretAccessKey?: string
  sessionToken?: string
  /** AWS_BEARER_TOKEN_BEDROCK: a Bedrock API key, sent as `Authorization: Bearer` instead of SigV4. */
  bearerToken?: string
  /** Clock for signing (tests pin it). Defaults to Date.now. */
  now?: () => number
}

interface ConverseMessage {
  role: 'user' | 'assistant'
  content: ConverseBlock[]
}

export function createBedrockFormat(options: BedrockOptions): WireFormat {
  const now = options.now ?? Date.now
  // aws4fetch's cache of derived signing keys (one per day and region): saves four HMACs a request.
  const signingKeys = new Map<string, ArrayBuffer>()

  return {
    async request(call, stream) {
      const url = converseUrl(call, stream)
      const body = JSON.stringify(converseBody(call))
      const headers = new Headers(call.headers)
      headers.set('content-type', 'application/json')
      headers.set('accept', stream ? 'application/vnd.amazon.eventstream' : 'application/json')

      const bearer = call.target.apiKey || options.bearerToken
      if (bearer) {
        headers.set('authorization', `Bearer ${bearer}`)
        return { url, init: { method: 'POST', headers, body } }
      }
      const { accessKeyId, secretAccessKey, sessionToken } = options
      if (!accessKeyId || !secretAccessKey) {
        throw new ProviderSetupError(
          'Bedrock models need AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_BEARER_TOKEN_BEDROCK for a Bedrock API key',
        )
      }
      // The URL carries the model id percent-encoded (`%3A`, and `%2F` in ARNs). aws4fetch signs
      // what `new URL` keeps of it and, as SigV4 prescribes for every service but S3, encodes
      // each segment once more for the canonical URI (`%253A`): so the signature covers exactly
      // the path on the wire. Do not pass `singleEncode`, and do not build the URL unencoded.
      const signer = new AwsV4Signer({
        method: 'POST',
        url,
        headers,
        body,
        accessKeyId,
        secretAccessKey,
        ...(sessionToken ? { sessionToken } : {}),
        service: 'bedrock',
        region: options.region,
        datetime: amzDate(now()),
        cache: signingKeys,
      })
      const signed = await signer.sign()
      return { url: signed.url.toString(), init: { method: 'POST', headers: signed.headers, body } }
    },

    parse(body) {
      const output = isRecord(body) && isRecord(body.output) ? body.output : undefined
      const message = output && isRecord(output.message) ? output.message : undefined
      const result: ModelResult = converseAnswer(
        message && Array.isArray(message.content) ? (message.content as unknown[]) : [],
      )
      if (isRecord(body) && body.stopReason !== undefined)
        result.finishReason = converseFinishReason(body.stopReason)
      const usage = isRecord(body) ? converseUsage(body.usage) : undefined
      if (usage) result.usage = usage
      return result
    },

    events: bedrockEvents,

    errorMessage(body) {
      if (!isRecord(body)) return undefined
      const message = body.message ?? body.Message
      return typeof message === 'string' ? message : undefined
    },
  }
}

/** `/model/<id>/converse[-stream]`, the id encoded as one path segment (ids hold `:`, ARNs `/`). */
function converseUrl(call: ModelCall, stream: boolean): string {
  const action = stream ? 'converse-stream' : 'converse'
  return `${call.target.endpoint}/model/${encodeURIComponent(call.target.upstreamModel)}/${action}`
}

/**
 * The Converse body. System messages all go to `system`, in order. Consecutive messages of one
 * role are merged into one message of several blocks, because Converse rejects a conversation
 * whose roles do not alternate (which dropping system messages can cause): tool results travel in
 * a user turn, so the results answering parallel calls (and any user text after them) become one.
 */
function converseBody(call: ModelCall): Record<string, unknown> {
  const source: readonly ChatMessage[] = call.messages
  const messages: ConverseMessage[] = []
  const system: { text: string }[] = []
  for (const message of source) {
    if (message.role === 'system') {
      system.push({ text: message.content })
      continue
    }
    const role = message.role === 'tool' ? 'user' : message.role
    const blocks = converseBlocks(message, call.target.upstreamModel)
    const last = messages.at(-1)
    if (last?.role === role) last.content.push(...blocks)
    else messages.push({ role, content: blocks })
  }

  const body: Record<string, unknown> = { messages }
  if (system.length > 0) body.system = system
  const inferenceConfig: Record<string, unknown> = {}
  if (call.maxTokens !== undefined) inferenceConfig.maxTokens = call.maxTokens
  if (call.temperature !== undefined) inferenceConfig.temperature = call.temperature
  if (call.topP !== undefined) inferenceConfig.topP = call.topP
  if (call.stop && call.stop.length > 0) inferenceConfig.stopSequences = call.stop
  if (Object.keys(inferenceConfig).length > 0) body.inferenceConfig = inferenceConfig
  if (call.extraBody && Object.keys(call.extraBody).length > 0)
    body.additionalModelRequestFields = call.extraBody
  const toolConfig = converseToolConfig(call)
  if (toolConfig) body.toolConfig = toolConfig
  return body
}

/** SigV4's `YYYYMMDDTHHMMSSZ`. */
function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, '')
}
