/**
 * The neutral code-suggestion request every route (v2 completions and generations, v3, v4)
 * reduces its body to, and what the engine hands back for the route to shape.
 */
import type { ChatMessage } from '../model-call/types.ts'
import type { SelfHostedModel } from '../models/metadata.ts'

export const COMPLETIONS_PROMPT = 'code_suggestions/completions'
export const GENERATIONS_PROMPT = 'code_suggestions/generations'

export interface EditorFile {
  name: string
  above: string
  below: string
  /** The editor's language id (VS Code's), when the IDE sent one. */
  languageIdentifier?: string | null | undefined
}

/** GitLab's generation post-processing: `full` for self-hosted models; `minimal` (blank-if-whitespace) where GitLab maps the prompt version to Anthropic. */
export type GenerationPostProcessing = 'full' | 'minimal'

interface Common {
  file: EditorFile
  model: SelfHostedModel
  stream: boolean
  /** The token budget the editor content is cut to (spec features §2.0). */
  budgetTokens: number
}

export interface CompletionRequest extends Common {
  kind: 'completion'
  /** Related code (other open files...), in order; joined and cut to what the budget leaves. */
  context: readonly string[]
}

export interface GenerationRequest extends Common {
  kind: 'generation'
  promptId: string
  /** Version constraint; the registry's default when absent. */
  promptVersion?: string | undefined
  /** What the user asked for in words, when GitLab extracted it; '' when not. */
  instruction: string
  /** IDE-gathered context lists (`prompt_enhancer`): examples, related files and snippets, libraries. */
  enhancer: Readonly<Record<string, unknown>>
  postProcessing: GenerationPostProcessing
  /** v2 `prompt_version: 3`: the exact messages to send instead of a prompt definition. */
  messages?: ChatMessage[] | undefined
}

export type SuggestionRequest = CompletionRequest | GenerationRequest
