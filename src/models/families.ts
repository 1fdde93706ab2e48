/**
 * The self-hosted model families GitLab names in `model_name` / `model_metadata.name` (its
 * `models.yml` `gitlab_identifier`s, spec features §4.2): where their prompts live and their
 * default parameters, the lowest-precedence ones. Data, not branches: a family added by a later
 * GitLab version is a row here (plus prompt files when `base` does not suit it).
 */

/** Sampling parameters, as prompt definitions and families set them (the upstream names). */
export interface ModelParams {
  max_tokens?: number
  temperature?: number
  top_p?: number
}

export interface ModelFamily {
  /** The name GitLab sends (`codestral`, `llama3`, `claude_3`...). */
  name: string
  /** Prompt directories to look in, in order; `base` is always tried last. */
  promptDirs: readonly string[]
  params: ModelParams
  /** The model's context window, in tokens: the budget code suggestions truncate to. */
  maxContextTokens: number
  /** Fixes applied to this family's output (GitLab: mixtral writes `\_` for `_`). */
  outputFixes?: readonly 'unescape_underscores'[]
}

const DEFAULT_PARAMS: ModelParams = { temperature: 0, max_tokens: 4096 }

export const MODEL_FAMILIES: Readonly<Record<string, ModelFamily>> = Object.fromEntries(
  (
    [
      { name: 'mistral', promptDirs: ['mistral'], params: DEFAULT_PARAMS, maxContextTokens: 128_000 },
      {
        name: 'mixtral',
        promptDirs: ['mixtral', 'mistral'],
        params: DEFAULT_PARAMS,
        maxContextTokens: 32_000,
        outputFixes: ['unescape_underscores'],
      },
      {
        name: 'codestral',
        promptDirs: ['codestral', 'mistral'],
        params: DEFAULT_PARAMS,
        maxContextTokens: 128_000,
      },
      { name: 'llama3', promptDirs: ['llama3'], params: DEFAULT_PARAMS, maxContextTokens: 128_000 },
      { name: 'codellama', promptDirs: ['codellama'], params: DEFAULT_PARAMS, maxContextTokens: 16_000 },
      { name: 'codegemma', promptDirs: ['codegemma'], params: DEFAULT_PARAMS, maxContextTokens: 8_000 },
      {
        name: 'deepseekcoder',
        promptDirs: ['deepseekcoder'],
        params: DEFAULT_PARAMS,
        maxContextTokens: 16_000,
      },
      // GPT models get no temperature unless a prompt sets one.
      { name: 'gpt', promptDirs: ['gpt'], params: {}, maxContextTokens: 128_000 },
      // GitLab's "bring your own model" families use the Claude (base) prompts.
      { name: 'claude_3', promptDirs: [], params: DEFAULT_PARAMS, maxContextTokens: 200_000 },
      { name: 'general', promptDirs: [], params: DEFAULT_PARAMS, maxContextTokens: 200_000 },
      {
        name: 'gemini',
        promptDirs: ['gemini'],
        params: { temperature: 1, max_tokens: 65_536 },
        maxContextTokens: 1_000_000,
      },
      {
        name: 'qwen',
        promptDirs: ['qwen'],
        params: { temperature: 0, max_tokens: 8192 },
        maxContextTokens: 262_144,
      },
    ] satisfies ModelFamily[]
  ).map((family) => [family.name, family]),
)

export function findFamily(name: string): ModelFamily | undefined {
  return Object.hasOwn(MODEL_FAMILIES, name) ? MODEL_FAMILIES[name] : undefined
}

export const FAMILY_NAMES: readonly string[] = Object.keys(MODEL_FAMILIES)
