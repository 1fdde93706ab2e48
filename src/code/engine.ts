/**
 * The code-suggestion engine every route shares: from a neutral request to the model call (prompt
 * chosen by family and version, editor content cut to the budget, parameters merged in GitLab's
 * precedence), then the answer post-processed as GitLab does (spec features §2.0, §3, §4.3, §4.5).
 * Routes only validate, build the request and shape what comes back.
 */
import type { Config } from '../config.ts'
import { HttpError } from '../errors.ts'
import type { Logger } from '../logging.ts'
import type { PromptDefinition } from '../prompts/definition.ts'
import type { ModelParams } from '../prompts/families.ts'
import type { PromptRegistry } from '../prompts/registry.ts'
import { renderMessages } from '../prompts/render.ts'
import type { ModelClient } from '../providers/client.ts'
import { resolveTarget } from '../providers/resolve.ts'
import { ProviderSetupError, type ChatMessage, type ModelCall, type ModelEvent, type ModelTarget, type Usage } from '../providers/types.ts'
import { PASS_THROUGH, type Shaper } from '../streaming/text-out.ts'
import { estimateTokens, fitWindow, type Window } from './context-window.ts'
import { resolveLanguage } from './languages.ts'
import { blankIfWhitespace, LineBufferedFenceStripper, postProcessGeneration, unescapeUnderscores } from './post-processing.ts'
import { isGitLabComVersion } from './requests.ts'
import { COMPLETIONS_PROMPT, type GenerationRequest, type SuggestionRequest } from './suggestion.ts'

/** Non-streaming calls that failed retryably are tried again at most this often (100 ms, then 400 ms later). */
const RETRIES = 2

/**
 * v2 generations that bring their own messages (`prompt_version: 3`) are sent as they are, with
 * the parameters of GitLab's direct chat path: its stop tokens by family.
 */
const OWN_MESSAGES = {
  name: 'Code Generations',
  params: { max_tokens: 2048, temperature: 0.2, top_p: 0.95 } satisfies ModelParams,
  timeoutS: 30,
  stop: {
    mistral: ['</new_code>'],
    codegemma: ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_separator|>'],
  } as Readonly<Record<string, readonly string[]>>,
}

/** IDE context lists a generation prompt may show (`prompt_enhancer`), as strings; other keys are not passed on. */
const ENHANCER_TEXT_LISTS = ['related_files', 'related_snippets', 'libraries'] as const
const EXAMPLE_FIELDS = ['example', 'response', 'trigger_type'] as const

export interface PreparedSuggestion {
  request: SuggestionRequest
  /** The prompt's display name (GitLab's stream metadata and generation answers show it). */
  displayName: string
  prompt: PromptDefinition | undefined
  /** The response's `lang` ('' when unknown). */
  lang: string
  /** Undefined when the model is not called: a completion for a file whose language cannot be told (GitLab answers nothing). */
  call: ModelCall | undefined
  timeoutMs: number
  idleTimeoutMs: number
  window: Window
}

export interface Suggestion {
  /** Post-processed; '' means no suggestion. */
  text: string
  usage: Required<Usage>
}

export interface CodeEngineDeps {
  config: Config
  models: ModelClient
  prompts: PromptRegistry
  logger: Logger
}

export class CodeEngine {
  private readonly deps: CodeEngineDeps
  constructor(deps: CodeEngineDeps) {
    this.deps = deps
  }

  /** @throws HttpError (4xx) for a model or prompt the request cannot have. */
  prepare(request: SuggestionRequest): PreparedSuggestion {
    const { config, prompts } = this.deps
    const { family } = request.model
    const language = resolveLanguage(request.file.name, request.file.languageIdentifier)
    const window = fitWindow(request.file.above, request.file.below, request.kind === 'completion' ? request.context : [], request.budgetTokens)
    const ownMessages = request.kind === 'generation' ? request.messages : undefined
    const prompt = ownMessages ? undefined : this.promptFor(request)
    const timeoutS = prompt ? prompt.timeoutS : OWN_MESSAGES.timeoutS
    const timeoutMs = Math.min(config.models.timeoutMs, (timeoutS ?? 60) * 1000)
    const prepared: PreparedSuggestion = {
      request,
      displayName: prompt?.name ?? OWN_MESSAGES.name,
      prompt,
      lang: language.lang,
      call: undefined,
      timeoutMs,
      idleTimeoutMs: Math.min(config.models.streamIdleTimeoutMs, timeoutMs),
      window,
    }
    if (request.kind === 'completion' && language.language === undefined) return prepared

    const target = this.targetOf(request)
    this.checkCustomModel(request, target.requestSuppliedEndpoint)
    const variables =
      request.kind === 'completion'
        ? { prefix: window.prefix, suffix: window.suffix, file_name: request.file.name, language: language.language }
        : generationVariables(request, window, language.language ?? '')
    const messages: ChatMessage[] = ownMessages ?? renderMessages(prompt!, variables)
    const params: ModelParams = { ...family.params, ...(prompt ? prompt.modelParams : OWN_MESSAGES.params) }
    const stop = prompt ? prompt.stop : OWN_MESSAGES.stop[family.name]
    prepared.call = {
      messages,
      stream: request.stream,
      ...(params.max_tokens !== undefined ? { maxTokens: params.max_tokens } : {}),
      ...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
      ...(params.top_p !== undefined ? { topP: params.top_p } : {}),
      ...(stop?.length ? { stop: [...stop] } : {}),
      ...(Object.keys(config.customModels.extraHeaders).length ? { headers: { ...config.customModels.extraHeaders } } : {}),
      target,
    }
    return prepared
  }

  /** One non-streaming answer, post-processed. */
  async complete(prepared: PreparedSuggestion, signal: AbortSignal | undefined): Promise<Suggestion> {
    const { call } = prepared
    if (!call) return { text: '', usage: { inputTokens: 0, outputTokens: 0 } }
    const result = await this.deps.models.complete({ ...call, stream: false }, { signal, timeoutMs: prepared.timeoutMs, retries: RETRIES })
    const text = postProcess(prepared, result.text)
    return {
      text,
      usage: {
        inputTokens: result.usage?.inputTokens ?? estimateTokens(call.messages?.map((m) => m.content).join('') ?? ''),
        outputTokens: result.usage?.outputTokens ?? estimateTokens(result.text),
      },
    }
  }

  /**
   * The model's deltas (resolves once the model server answered) and the shaper that
   * post-processes them for the client. A stream is never retried.
   */
  async stream(prepared: PreparedSuggestion, signal: AbortSignal | undefined): Promise<{ events: ReadableStream<ModelEvent>; shaper: Shaper }> {
    const shaper = streamShaper(prepared)
    const { call } = prepared
    if (!call) return { events: eventsOf([]), shaper }
    if (this.deps.config.customModels.disableStreaming) {
      const result = await this.deps.models.complete({ ...call, stream: false }, { signal, timeoutMs: prepared.timeoutMs, retries: RETRIES })
      return { events: eventsOf(result.text ? [{ type: 'text', text: result.text }] : []), shaper }
    }
    const events = await this.deps.models.stream({ ...call, stream: true }, { signal, idleTimeoutMs: prepared.idleTimeoutMs })
    return { events, shaper }
  }

  private promptFor(request: SuggestionRequest): PromptDefinition {
    const { prompts } = this.deps
    const { family } = request.model
    if (request.kind === 'completion') return prompts.resolve(COMPLETIONS_PROMPT, family)
    const version = request.promptVersion
    // GitLab.com's versions name its own prompts; a self-hosted family without them gets its default.
    if (isGitLabComVersion(version) && !prompts.matches(request.promptId, family, version!)) return prompts.resolve(request.promptId, family)
    return prompts.resolve(request.promptId, family, version)
  }

  /** The model to call; a provider the operator has not set up (no Vertex project...) is a 500 that names the setting. */
  private targetOf(request: SuggestionRequest): ModelTarget {
    try {
      return resolveTarget(request.model.metadata, this.deps.config.providers)
    } catch (error) {
      if (error instanceof ProviderSetupError) {
        this.deps.logger.error('Model call not possible with the current settings', { model_identifier: request.model.metadata.identifier, error: error.message })
        throw new HttpError(500, error.message)
      }
      throw error
    }
  }

  /** With custom models off, a request may not bring its own endpoint (one that is used) or key. */
  private checkCustomModel(request: SuggestionRequest, endpointUsed: boolean): void {
    if (!this.deps.config.customModels.enabled && (endpointUsed || request.model.metadata.apiKey)) {
      throw new HttpError(
        403,
        'This gateway does not accept model endpoints or keys from requests (AIGW_CUSTOM_MODELS__ENABLED is false)',
      )
    }
  }
}

function generationVariables(request: GenerationRequest, window: Window, language: string): Record<string, unknown> {
  const variables: Record<string, unknown> = {
    prefix: window.prefix,
    suffix: window.suffix,
    file_name: request.file.name,
    language,
    instruction: request.instruction,
  }
  // The IDE's lists are rendered as text: only strings get through (templates never walk arbitrary JSON).
  for (const key of ENHANCER_TEXT_LISTS) {
    const texts = stringsOf(request.enhancer[key])
    if (texts.length > 0) variables[key] = texts
  }
  const examples = Array.isArray(request.enhancer.examples_array) ? request.enhancer.examples_array.flatMap(exampleOf) : []
  if (examples.length > 0) variables.examples_array = examples
  return variables
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : []
}

/** One `examples_array` item with its string fields, or nothing when it has no example. */
function exampleOf(item: unknown): Record<string, string>[] {
  if (typeof item !== 'object' || item === null) return []
  const example: Record<string, string> = {}
  for (const field of EXAMPLE_FIELDS) {
    const value = (item as Record<string, unknown>)[field]
    if (typeof value === 'string') example[field] = value
  }
  return example.example ? [example] : []
}

/** GitLab's post-processing of a whole answer (spec features §3.1, §3.2). */
function postProcess(prepared: PreparedSuggestion, raw: string): string {
  const { request } = prepared
  const text = request.model.family.outputFixes?.includes('unescape_underscores') ? unescapeUnderscores(raw) : raw
  if (request.kind === 'completion') return text
  return request.postProcessing === 'full' ? postProcessGeneration(prepared.window.prefix, text) : blankIfWhitespace(text)
}

/** Streams: completions pass deltas through; generations come out a whole line at a time without Markdown fences (§3.3). */
function streamShaper(prepared: PreparedSuggestion): Shaper {
  const { request } = prepared
  const fix = request.model.family.outputFixes?.includes('unescape_underscores') ? underscoreUnescaper() : undefined
  if (request.kind === 'completion') {
    if (!fix) return PASS_THROUGH
    return { push: (text) => [fix.push(text)], end: () => fix.end() }
  }
  const lines = new LineBufferedFenceStripper()
  if (!fix) return { push: (text) => lines.push(text), end: () => lines.end() }
  return { push: (text) => lines.push(fix.push(text)), end: () => lines.push(fix.end()).join('') + lines.end() }
}

/** `\_` → `_` across deltas: a delta ending in a backslash waits for the next one. */
function underscoreUnescaper(): { push(text: string): string; end(): string } {
  let carry = ''
  return {
    push(text) {
      const joined = carry + text
      carry = joined.endsWith('\\') ? '\\' : ''
      return unescapeUnderscores(carry ? joined.slice(0, -1) : joined)
    },
    end() {
      const rest = carry
      carry = ''
      return rest
    },
  }
}

function eventsOf(events: ModelEvent[]): ReadableStream<ModelEvent> {
  return new ReadableStream<ModelEvent>({
    start(controller) {
      for (const event of events) controller.enqueue(event)
      controller.close()
    },
  })
}
