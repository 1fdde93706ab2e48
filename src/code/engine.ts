/**
 * The code-suggestion engine every route shares: from a neutral request to the model call (prompt
 * chosen by family and version, editor content cut to the budget, parameters merged in GitLab's
 * precedence), then the answer post-processed as GitLab does (spec features §2.0, §3, §4.3, §4.5).
 * Routes only validate, build the request and shape what comes back.
 */
import type { PromptDefinition } from '../prompts/definition.ts'
import type { PromptRegistry } from '../prompts/registry.ts'
import { DIRECT_CHAT } from '../prompts/direct-chat.ts'
import { renderMessages } from '../prompts/render.ts'
import { eventsOf, type Models } from '../models/models.ts'
import type { ModelInvocation } from '../models/request.ts'
import type { ChatMessage, ModelEvent, Usage } from '../model-call/types.ts'
import type { StreamDeadlines } from '../streaming/deadlines.ts'
import { PASS_THROUGH, type Shaper } from '../streaming/text-out.ts'
import { estimateTokens, fitWindow, type Window } from './context-window.ts'
import { resolveLanguage } from './languages.ts'
import {
  blankIfWhitespace,
  LineBufferedFenceStripper,
  postProcessGeneration,
  unescapeUnderscores,
} from './post-processing.ts'
import { isGitLabComVersion } from './requests.ts'
import { COMPLETIONS_PROMPT, type GenerationRequest, type SuggestionRequest } from './suggestion.ts'

/** v2 generations that bring their own messages (`prompt_version: 3`) are sent as they are: GitLab's direct chat call. */
const OWN_MESSAGES = { ...DIRECT_CHAT, name: 'Code Generations' }

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
  invocation: ModelInvocation | undefined
  window: Window
}

export interface Suggestion {
  /** Post-processed; '' means no suggestion. */
  text: string
  usage: Required<Usage>
}

export interface CodeEngineDeps {
  models: Models
  prompts: PromptRegistry
}

export class CodeEngine {
  private readonly deps: CodeEngineDeps
  constructor(deps: CodeEngineDeps) {
    this.deps = deps
  }

  /** @throws HttpError (4xx) for a model or prompt the request cannot have. */
  prepare(request: SuggestionRequest): PreparedSuggestion {
    const { family } = request.model
    const language = resolveLanguage(request.file.name, request.file.languageIdentifier)
    const window = fitWindow(
      request.file.above,
      request.file.below,
      request.kind === 'completion' ? request.context : [],
      request.budgetTokens,
    )
    const ownMessages = request.kind === 'generation' ? request.messages : undefined
    const prompt = ownMessages ? undefined : this.promptFor(request)
    const prepared: PreparedSuggestion = {
      request,
      displayName: prompt?.name ?? OWN_MESSAGES.name,
      prompt,
      lang: language.lang,
      invocation: undefined,
      window,
    }
    if (request.kind === 'completion' && language.language === undefined) return prepared

    const variables =
      request.kind === 'completion'
        ? {
            prefix: window.prefix,
            suffix: window.suffix,
            file_name: request.file.name,
            language: language.language,
          }
        : generationVariables(request, window, language.language ?? '')
    prepared.invocation = this.deps.models.invocation({
      model: request.model,
      messages: ownMessages ?? renderMessages(prompt!, variables),
      params: prompt ? prompt.modelParams : OWN_MESSAGES.params,
      stop: prompt ? prompt.stop : OWN_MESSAGES.stop[family.name],
      timeoutS: prompt ? prompt.timeoutS : OWN_MESSAGES.timeoutS,
      labels: {
        featureCategory: 'code_suggestions',
        unitPrimitive: request.kind === 'completion' ? 'complete_code' : 'generate_code',
      },
    })
    return prepared
  }

  /** One non-streaming answer, post-processed. */
  async complete(prepared: PreparedSuggestion, signal: AbortSignal | undefined): Promise<Suggestion> {
    const { invocation } = prepared
    if (!invocation) return { text: '', usage: { inputTokens: 0, outputTokens: 0 } }
    const result = await this.deps.models.complete(invocation, signal)
    const text = postProcess(prepared, result.text)
    return {
      text,
      usage: {
        inputTokens:
          result.usage?.inputTokens ??
          estimateTokens(invocation.call.messages.map((m) => m.content).join('')),
        outputTokens: result.usage?.outputTokens ?? estimateTokens(result.text),
      },
    }
  }

  /**
   * The model's deltas (resolves once the model server answered) and the shaper that
   * post-processes them for the client. A stream is never retried.
   */
  async stream(
    prepared: PreparedSuggestion,
    signal: AbortSignal | undefined,
  ): Promise<{
    events: ReadableStream<ModelEvent>
    shaper: Shaper
    deadlines?: StreamDeadlines | undefined
  }> {
    const shaper = streamShaper(prepared, this.deps.models.maxResponseBytes)
    if (!prepared.invocation) return { events: eventsOf([]), shaper }
    return { ...(await this.deps.models.stream(prepared.invocation, signal)), shaper }
  }

  private promptFor(request: SuggestionRequest): PromptDefinition {
    const { prompts } = this.deps
    const { family } = request.model
    if (request.kind === 'completion') return prompts.resolve(COMPLETIONS_PROMPT, family)
    const version = request.promptVersion
    // GitLab.com's versions name its own prompts; a self-hosted family without them gets its default.
    if (isGitLabComVersion(version) && !prompts.matches(request.promptId, family, version!))
      return prompts.resolve(request.promptId, family)
    return prompts.resolve(request.promptId, family, version)
  }
}

function generationVariables(
  request: GenerationRequest,
  window: Window,
  language: string,
): Record<string, unknown> {
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
  const examples = Array.isArray(request.enhancer.examples_array)
    ? request.enhancer.examples_array.flatMap(exampleOf)
    : []
  if (examples.length > 0) variables.examples_array = examples
  return variables
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string' && item !== '')
    : []
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
  const text = request.model.family.outputFixes?.includes('unescape_underscores')
    ? unescapeUnderscores(raw)
    : raw
  if (request.kind === 'completion') return text
  return request.postProcessing === 'full'
    ? postProcessGeneration(prepared.window.prefix, text)
    : blankIfWhitespace(text)
}

/** Streams: completions pass deltas through; generations come out a whole line at a time without Markdown fences (§3.3). */
function streamShaper(prepared: PreparedSuggestion, maxLineChars: number): Shaper {
  const { request } = prepared
  const fix = request.model.family.outputFixes?.includes('unescape_underscores')
    ? underscoreUnescaper()
    : undefined
  if (request.kind === 'completion') {
    if (!fix) return PASS_THROUGH
    return { push: (text) => [fix.push(text)], end: () => fix.end() }
  }
  const lines = new LineBufferedFenceStripper(maxLineChars)
  if (!fix) return { push: (text) => lines.push(text), end: () => lines.end() }
  return {
    push: (text) => lines.push(fix.push(text)),
    end: () => lines.push(fix.end()).join('') + lines.end(),
  }
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
