/**
 * A self-hosted model endpoint, checked as GitLab's rake task does (`GET <endpoint>/v1/models`,
 * any status below 400 is an answer) and then as the gateway uses it: a tiny streamed chat
 * completion, resolved from the identifier by the gateway's own rules (src/models/target.ts),
 * read up to its first token. The API key is sent to the endpoint only and never printed.
 */
import type { Config } from '../../src/config.ts'
import { checkModelEndpoint } from '../../src/providers/endpoint-guard.ts'
import { resolveTarget } from '../../src/models/target.ts'
import { caBundleFix } from './ca-bundle.ts'
import type { ModelOptions } from './args.ts'
import { excerpt, jsonBody, request, type NetworkFailure } from './probe.ts'
import { fail, pass, skip, warn, type CheckResult } from './report.ts'

/** GitLab's rake task gives the model listing 10 s. */
const LIST_TIMEOUT_MS = 10_000
/** A cold model server may take a while to its first token; GitLab's own chat calls wait 60 s. */
const FIRST_TOKEN_TIMEOUT_MS = 30_000

export async function checkModel(
  options: ModelOptions,
  fetcher: typeof fetch,
  config: Config,
): Promise<CheckResult[]> {
  const redact = (text: string) => (options.apiKey ? text.split(options.apiKey).join('[api key]') : text)
  let url: URL
  try {
    url = new URL(options.endpoint)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)')
  } catch {
    return [
      fail(
        'model_endpoint',
        'Model endpoint',
        'the model endpoint is not an http(s) URL',
        'Give the URL GitLab has for the self-hosted model, e.g. http://vllm.internal:8000/v1.',
      ),
      skip('model_stream', 'Model streaming', 'not checked: no valid endpoint'),
    ]
  }
  const results: CheckResult[] = []
  if (!config.customModels.enabled) {
    results.push(
      warn(
        'custom_models',
        'Self-hosted models',
        'AIGW_CUSTOM_MODELS__ENABLED is false: requests naming their own model endpoint are refused',
        'Set AIGW_CUSTOM_MODELS__ENABLED=true (or unset it) to serve self-hosted models.',
      ),
    )
  }
  try {
    checkModelEndpoint(url.href, config.customModels.allowedHosts)
  } catch (error) {
    results.push(
      fail(
        'model_endpoint',
        'Model endpoint',
        `the gateway would refuse this endpoint: ${(error as Error).message}`,
        `Add ${url.host} to AIGW_CUSTOM_MODELS__ALLOWED_HOSTS, or use another address for the model server.`,
      ),
      skip('model_stream', 'Model streaming', 'not checked: the gateway would refuse the endpoint'),
    )
    return results
  }

  const listing = await listModels(url, options, fetcher, redact)
  results.push(listing.result)
  if (!listing.reachable) {
    results.push(skip('model_stream', 'Model streaming', 'not checked: the model endpoint cannot be reached'))
    return results
  }
  results.push(await checkStream(options, listing.models, fetcher, config, redact))
  return results
}

async function listModels(
  url: URL,
  options: ModelOptions,
  fetcher: typeof fetch,
  redact: (text: string) => string,
): Promise<{ result: CheckResult; reachable: boolean; models: string[] }> {
  // As GitLab's rake task: the endpoint without a trailing /v1, then /v1/models.
  const base = url.href.replace(/\/+$/, '').replace(/\/v1$/, '')
  const listUrl = `${base}/v1/models`
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' }
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`
  const answer = await request(fetcher, listUrl, { headers, timeoutMs: LIST_TIMEOUT_MS })
  if (!answer.ok) {
    return {
      result: fail(
        'model_endpoint',
        'Model endpoint',
        `${listUrl} cannot be reached: ${answer.failure.reason}`,
        unreachableFix(url, answer.failure),
        { url: listUrl },
      ),
      reachable: false,
      models: [],
    }
  }
  const { status } = answer.response
  if (status >= 400) {
    const body = redact(await excerpt(answer.response))
    const fix =
      status === 401 || status === 403
        ? 'The model server refuses the API key: give the key GitLab has for this model (--model-api-key).'
        : "Check the endpoint (an OpenAI-compatible server answers GET /v1/models) and the model server's logs."
    return {
      result: fail(
        'model_endpoint',
        'Model endpoint',
        `${listUrl} answers ${status}${body ? `: ${body}` : ''}`,
        fix,
        { url: listUrl, status },
      ),
      reachable: true,
      models: [],
    }
  }
  const data = ((await jsonBody(answer.response)) as { data?: unknown } | undefined)?.data
  const models = Array.isArray(data)
    ? data.map((m) => (m as { id?: unknown })?.id).filter((id): id is string => typeof id === 'string')
    : []
  const served = models.length
    ? `serves ${models.slice(0, 5).join(', ')}${models.length > 5 ? `, ... (${models.length})` : ''}`
    : 'answers'
  const wanted = options.identifier ? modelName(options.identifier) : undefined
  if (wanted && models.length && !models.includes(wanted)) {
    return {
      result: warn(
        'model_endpoint',
        'Model endpoint',
        `${listUrl} ${served}, but not ${wanted}: calls for it will get a 404`,
        `The identifier's model name must be a name the server serves (vLLM: --served-model-name ${wanted}).`,
        { url: listUrl, status, models },
      ),
      reachable: true,
      models,
    }
  }
  return {
    result: pass('model_endpoint', 'Model endpoint', `${listUrl} ${served} (HTTP ${status})`, {
      url: listUrl,
      status,
      models,
    }),
    reachable: true,
    models,
  }
}

async function checkStream(
  options: ModelOptions,
  models: string[],
  fetcher: typeof fetch,
  config: Config,
  redact: (text: string) => string,
): Promise<CheckResult> {
  const id = 'model_stream'
  const title = 'Model streaming'
  const identifier = options.identifier ?? (models[0] ? `custom_openai/${models[0]}` : undefined)
  if (!identifier) return skip(id, title, 'not checked: the server lists no model; give --model-identifier')
  let target
  try {
    target = resolveTarget(
      { name: 'doctor', endpoint: options.endpoint, apiKey: options.apiKey, identifier },
      config.providers,
    )
  } catch (error) {
    return fail(
      id,
      title,
      redact((error as Error).message),
      'Use the identifier GitLab has for this model, e.g. custom_openai/<served model name>.',
    )
  }
  if (target.format !== 'openai-chat')
    return skip(
      id,
      title,
      `not checked: only OpenAI-compatible endpoints are probed (${identifier} is ${target.format})`,
    )

  const url = `${target.endpoint}/chat/completions`
  const started = performance.now()
  const answer = await request(fetcher, url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
    },
    body: JSON.stringify({
      model: target.upstreamModel,
      messages: [{ role: 'user', content: 'Reply with the single word OK.' }],
      max_tokens: 8,
      stream: true,
    }),
    redirect: 'manual',
    timeoutMs: FIRST_TOKEN_TIMEOUT_MS,
  })
  const details = { url, model: target.upstreamModel }
  if (!answer.ok)
    return fail(
      id,
      title,
      `${url} failed: ${answer.failure.reason}`,
      unreachableFix(new URL(url), answer.failure),
      details,
    )
  const { response } = answer
  if (response.status >= 400) {
    const body = redact(await excerpt(response))
    const fix =
      response.status === 404
        ? `The endpoint must end with /v1 for vLLM and most OpenAI-compatible servers, and the model (${target.upstreamModel}) must be one the server serves (vLLM: --served-model-name); a missing chat template also gives 404 on some servers.`
        : response.status === 401 || response.status === 403
          ? 'The model server refuses the API key: give the key GitLab has for this model.'
          : "Check the model server's logs."
    return fail(id, title, `${url} answers ${response.status}${body ? `: ${body}` : ''}`, fix, {
      ...details,
      status: response.status,
    })
  }
  const type = response.headers.get('content-type') ?? ''
  if (!type.includes('text/event-stream')) {
    const body = redact(await excerpt(response, 120))
    return fail(
      id,
      title,
      `${url} answered ${response.status} but not as a stream (content-type ${type || 'none'}${body ? `: ${body}` : ''})`,
      'The server must support "stream": true (Server-Sent Events), as Duo Chat and code generation stream. If it cannot, set AIGW_CUSTOM_MODELS__DISABLE_STREAMING=true so the gateway calls it without streaming.',
      { ...details, status: response.status, content_type: type },
    )
  }
  const first = await firstToken(response)
  const elapsedMs = Math.round(performance.now() - started)
  if (first === 'token')
    return pass(id, title, `${target.upstreamModel} streams: first token after ${elapsedMs} ms`, {
      ...details,
      first_token_ms: elapsedMs,
    })
  if (first === 'events') {
    return warn(
      id,
      title,
      `${url} streamed events but no text before it ended or ${FIRST_TOKEN_TIMEOUT_MS / 1000} s passed`,
      "Check the model server's logs (a chat template that yields nothing, or max_tokens spent on reasoning).",
      details,
    )
  }
  return fail(
    id,
    title,
    `${url} sent an event stream without a single data event`,
    'The server must send OpenAI-style "data: {...}" events; check that it is OpenAI-compatible.',
    details,
  )
}

/** Reads Server-Sent Events until a chunk with text arrives, then hangs up. */
async function firstToken(response: Response): Promise<'token' | 'events' | 'none'> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  let events = 0
  const deadline = setTimeout(() => void reader.cancel().catch(() => {}), FIRST_TOKEN_TIMEOUT_MS)
  try {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }))
      if (done) return events ? 'events' : 'none'
      buffer += value
      const lines = buffer.split(/\r?\n/)
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        if (!line.startsWith('data:')) continue
        const data = line.slice(5).trim()
        if (data === '[DONE]') return events ? 'events' : 'none'
        events++
        if (hasText(data)) return 'token'
      }
    }
  } finally {
    clearTimeout(deadline)
    void reader.cancel().catch(() => {})
  }
}

function hasText(data: string): boolean {
  try {
    const choice = (JSON.parse(data) as { choices?: { delta?: Record<string, unknown>; text?: unknown }[] })
      .choices?.[0]
    const delta = choice?.delta ?? {}
    return [delta.content, delta.reasoning_content, delta.reasoning, choice?.text].some(
      (part) => typeof part === 'string' && part.length > 0,
    )
  } catch {
    return false
  }
}

/** The model part of an identifier, as the gateway splits it (`custom_openai/mistralai/Mistral-7B` -> `mistralai/Mistral-7B`). */
function modelName(identifier: string): string {
  const slash = identifier.indexOf('/')
  return slash > 0 ? identifier.slice(slash + 1) : identifier
}

function unreachableFix(url: URL, failure: NetworkFailure): string {
  if (failure.kind === 'tls') return caBundleFix(url.host)
  if (failure.kind === 'timeout')
    return `A firewall drops the traffic, or the model server is overloaded: check that this machine reaches ${url.host}.`
  return `Check that the model server runs and that this machine (or container) reaches ${url.host}; inside a container, localhost is the container itself (use the host's name or --network host).`
}
