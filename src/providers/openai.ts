/**
 * OpenAI-compatible wire formats: chat completions (vLLM, Ollama's `/v1`, LM Studio, TGI, OpenAI,
 * Mistral, Fireworks; the identifiers `custom_openai/`, `openai/`, `hosted_vllm/`...) and text
 * completions (`text-completion-openai/`). The body is what LiteLLM sends for GitLab's self-hosted
 * prompts (spec features §4.4); streams ask for usage in the last chunk. Chat completions call tools
 * natively (openai-tools.ts); text completions cannot, and refuse a call that needs them.
 *
 * Azure OpenAI is the same body at another URL with another key header: `createAzureFormat`.
 */
import { HttpError } from '../errors.ts'
import {
  ModelStreamError,
  type Embedding,
  type EmbeddingCall,
  type EmbeddingResult,
  type FinishReason,
  type ModelCall,
  type ModelEvent,
  type ModelResult,
  type StreamLimits,
  type Usage,
} from '../model-call/types.ts'
import { hostOf, UpstreamError } from '../model-call/upstream-error.ts'
import { jsonData, mapSse } from '../streaming/sse.ts'
import { isObject, mergeHeaders, type Json } from './json.ts'
import { answeredCalls, chatMessage, StreamedToolCalls, toolFields, usesTools } from './openai-tools.ts'
import type { EmbeddingWire, UpstreamCall, WireFormat } from './wire-format.ts'

/** Messages flattened into one prompt for text completions: contents in order, a blank line apart. */
export function flattenMessages(call: ModelCall): string {
  return call.messages.map((m) => m.content).join('\n\n')
}

function sampling(call: ModelCall, stream: boolean): Json {
  const body: Json = {}
  if (call.maxTokens !== undefined) body.max_tokens = call.maxTokens
  if (call.temperature !== undefined) body.temperature = call.temperature
  if (call.topP !== undefined) body.top_p = call.topP
  if (call.stop?.length) body.stop = call.stop
  body.stream = stream
  if (stream) body.stream_options = { include_usage: true }
  return body
}

export function chatBody(call: ModelCall, stream: boolean, withModel = true): Json {
  const messages = call.messages.map(chatMessage)
  return {
    ...(withModel ? { model: call.target.upstreamModel } : {}),
    messages,
    ...toolFields(call),
    ...sampling(call, stream),
    ...call.extraBody,
  }
}

function jsonRequest(
  url: string,
  call: ModelCall,
  stream: boolean,
  body: Json,
  auth: Record<string, string>,
): UpstreamCall {
  const headers = mergeHeaders(
    { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' },
    call.headers,
    auth,
  )
  return { url, init: { method: 'POST', headers, body: JSON.stringify(body) } }
}

const bearer = (call: { target: { apiKey?: string } }): Record<string, string> =>
  call.target.apiKey ? { authorization: `Bearer ${call.target.apiKey}` } : {}

export function finishReason(value: unknown): FinishReason | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  if (value === 'stop' || value === 'length' || value === 'content_filter' || value === 'tool_calls')
    return value
  if (value === 'function_call') return 'tool_calls'
  return 'other'
}

function usageOf(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined
  const usage: Usage = {}
  if (typeof value.prompt_tokens === 'number') usage.inputTokens = value.prompt_tokens
  if (typeof value.completion_tokens === 'number') usage.outputTokens = value.completion_tokens
  return usage.inputTokens === undefined && usage.outputTokens === undefined ? undefined : usage
}

/** `choices[0]` text of a chat (`message.content` / `delta.content`) or text (`text`) completion. */
type TextOf = (choice: Json) => unknown

function parseWith(textOf: TextOf) {
  return (json: unknown): ModelResult => {
    const body = isObject(json) ? json : {}
    const choice = Array.isArray(body.choices) && isObject(body.choices[0]) ? body.choices[0] : {}
    const text = textOf(choice)
    const calls = answeredCalls(choice.message)
    const result: ModelResult = { text: typeof text === 'string' ? text : '', ...calls }
    const reason = finishReason(choice.finish_reason)
    if (reason)
      result.finishReason =
        reason === 'stop' && (calls.toolCalls || calls.invalidToolCalls) ? 'tool_calls' : reason
    const usage = usageOf(body.usage)
    if (usage) result.usage = usage
    return result
  }
}

/**
 * A chunk's text, then its tool-call pieces, then its finish: vLLM sends the last piece of the
 * arguments in the chunk that finishes the message. Calls end with the message (a `stop` that ends
 * calls is the model stopping to call tools, as Ollama and vLLM's named tool choice report it), or
 * with the stream; a stream that fails reports them cut off before its error.
 */
function eventsWith(textOf: TextOf) {
  return (
    body: ReadableStream<Uint8Array>,
    _call: ModelCall,
    limits: StreamLimits,
  ): ReadableStream<ModelEvent> => {
    const calls = new StreamedToolCalls()
    return mapSse<ModelEvent>(
      body,
      limits.maxEventBytes,
      (event, emit) => {
        if (event.data === '[DONE]') return
        const chunk = jsonData(event)
        if (!isObject(chunk)) return
        const failure = streamedError(chunk)
        if (failure) throw new ModelStreamError(failure)
        const choice =
          Array.isArray(chunk.choices) && isObject(chunk.choices[0]) ? chunk.choices[0] : undefined
        if (choice) {
          const text = textOf(choice)
          if (typeof text === 'string' && text !== '') emit({ type: 'text', text })
          if (isObject(choice.delta)) calls.add(choice.delta.tool_calls, emit)
          const reason = finishReason(choice.finish_reason)
          if (reason)
            emit({ type: 'finish', reason: calls.finish(emit) && reason === 'stop' ? 'tool_calls' : reason })
        }
        const usage = usageOf(chunk.usage)
        if (usage) emit({ type: 'usage', usage })
      },
      { end: (emit) => calls.endAll(emit), fail: (emit) => calls.abandon(emit) },
    )
  }
}

/** vLLM and OpenAI report a failure inside a started stream as `{"error": ...}` (older vLLM: `object: "error"`). */
function streamedError(chunk: Json): string | undefined {
  if (chunk.error !== undefined && chunk.error !== null)
    return errorMessage(chunk) ?? 'the model server reported an error'
  if (chunk.object === 'error')
    return typeof chunk.message === 'string' ? chunk.message : 'the model server reported an error'
  return undefined
}

/** OpenAI `{error: {message}}`, TGI `{error: "..."}`, vLLM `{message}`, FastAPI servers `{detail}`. */
export function errorMessage(json: unknown): string | undefined {
  if (!isObject(json)) return typeof json === 'string' && json ? json : undefined
  const { error } = json
  if (isObject(error) && typeof error.message === 'string') return error.message
  if (typeof error === 'string') return error
  if (typeof json.message === 'string') return json.message
  if (typeof json.detail === 'string') return json.detail
  return undefined
}

const chatText: TextOf = (choice) =>
  isObject(choice.delta)
    ? choice.delta.content
    : isObject(choice.message)
      ? choice.message.content
      : undefined
const completionText: TextOf = (choice) => choice.text

/**
 * `POST {url}` with `{model?, input, dimensions?}`: the embeddings API of every OpenAI-compatible
 * server (vLLM, Ollama, TEI, LM Studio, OpenAI) and of Azure (model in the URL instead).
 */
function embeddingsWith(
  url: (call: EmbeddingCall) => string,
  auth: (call: EmbeddingCall) => Record<string, string>,
  withModel = true,
): EmbeddingWire {
  return {
    async request(call) {
      const body: Json = { ...(withModel ? { model: call.target.upstreamModel } : {}), input: call.input }
      if (call.dimensions !== undefined) body.dimensions = call.dimensions
      const headers = mergeHeaders(
        { 'content-type': 'application/json', accept: 'application/json' },
        call.headers,
        auth(call),
      )
      return { url: url(call), init: { method: 'POST', headers, body: JSON.stringify(body) } }
    },
    parse: parseEmbeddings,
  }
}

/** `{data: [{embedding: [...], index}], usage}`; an answer without vectors is the server failing (GitLab: 500). */
function parseEmbeddings(json: unknown, call: EmbeddingCall): EmbeddingResult {
  const data = isObject(json) && Array.isArray(json.data) ? json.data : []
  const embeddings: Embedding[] = []
  for (const [position, item] of data.entries()) {
    const vector = isObject(item) ? item.embedding : undefined
    if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number')) break
    embeddings.push({
      embedding: vector as number[],
      index: isObject(item) && typeof item.index === 'number' ? item.index : position,
    })
  }
  if (embeddings.length === 0 || embeddings.length !== data.length) {
    const host = hostOf(call.target.endpoint)
    throw new UpstreamError({
      failure: 'http',
      host,
      status: 502,
      message: `The model server at ${host} answered without embedding vectors`,
      upstreamStatus: 200,
    })
  }
  const usage = usageOf(isObject(json) ? json.usage : undefined)
  return usage ? { embeddings, usage } : { embeddings }
}

const openAiEmbeddings = embeddingsWith((call) => `${call.target.endpoint}/embeddings`, bearer)

/** `POST {endpoint}/chat/completions`. */
export const openAiChatFormat: WireFormat = {
  async request(call, stream) {
    return jsonRequest(
      `${call.target.endpoint}/chat/completions`,
      call,
      stream,
      chatBody(call, stream),
      bearer(call),
    )
  },
  parse: parseWith(chatText),
  events: eventsWith(chatText),
  errorMessage,
  embeddings: openAiEmbeddings,
}

/**
 * `POST {endpoint}/completions`, the messages flattened into `prompt`. The text-completions API
 * cannot call tools: a call with tools (or a conversation with calls and results) is refused before
 * anything is sent, rather than flattened into a prompt that silently drops them.
 */
export const openAiTextFormat: WireFormat = {
  async request(call, stream) {
    if (usesTools(call)) {
      throw new HttpError(
        400,
        `'${call.target.provider}/' models use the text-completions API, which cannot call tools; use a chat model identifier (such as custom_openai/${call.target.upstreamModel})`,
      )
    }
    const body = {
      model: call.target.upstreamModel,
      prompt: flattenMessages(call),
      ...sampling(call, stream),
      ...call.extraBody,
    }
    return jsonRequest(`${call.target.endpoint}/completions`, call, stream, body, bearer(call))
  },
  parse: parseWith(completionText),
  events: eventsWith(completionText),
  errorMessage,
  embeddings: openAiEmbeddings,
}

/**
 * Azure OpenAI: `POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...`
 * with an `api-key` header; the deployment (not the body) names the model.
 */
export function createAzureFormat(options: { apiVersion: string }): WireFormat {
  const deploymentUrl = (call: { target: { endpoint: string; upstreamModel: string } }, operation: string) =>
    `${call.target.endpoint}/openai/deployments/${encodeURIComponent(call.target.upstreamModel)}/${operation}` +
    `?api-version=${encodeURIComponent(options.apiVersion)}`
  const apiKey = (call: { target: { apiKey?: string } }): Record<string, string> =>
    call.target.apiKey ? { 'api-key': call.target.apiKey } : {}
  return {
    async request(call, stream) {
      return jsonRequest(
        deploymentUrl(call, 'chat/completions'),
        call,
        stream,
        chatBody(call, stream, false),
        apiKey(call),
      )
    },
    parse: parseWith(chatText),
    events: eventsWith(chatText),
    errorMessage,
    embeddings: embeddingsWith((call) => deploymentUrl(call, 'embeddings'), apiKey, false),
  }
}
