/**
 * The prompt version constraints GitLab Rails sends for self-hosted features (gitlab-client §3.6):
 * `Gitlab::Llm::PromptVersions.version_for_prompt(prompt, family)` looks `"<prompt>/<family>"` up in
 * its VERSIONS table; the spec adds that a missing key falls back to `"<prompt>/base"`, then `^1.0.0`.
 * The table as read from `ee/lib/gitlab/llm/prompt_versions.rb` (mirror pavankalisetti009/gitlab,
 * stored file id 17171165391): every entry is `^1.0.0` except the three base entries below, so
 * only those prompts' entries are transcribed; the families listed are the ones that override
 * their base entry with `^1.0.0`.
 */

/** Base entries that are not `^1.0.0`, with the families whose own entry is `^1.0.0`. */
const NON_DEFAULT: Record<string, { base: string; familiesAtDefault: string[] }> = {
  'code_suggestions/generations': {
    base: '^2.0.1',
    familiesAtDefault: [
      'claude_3',
      'codegemma',
      'codellama',
      'codestral',
      'deepseekcoder',
      'gpt',
      'llama3',
      'mistral',
      'mixtral',
      'general',
    ],
  },
  summarize_new_merge_request: {
    base: '^2.0.0',
    familiesAtDefault: ['amazon_q', 'claude_3', 'mistral', 'mixtral', 'gpt', 'general', 'llama3'],
  },
  summarize_review: {
    base: '^2.0.0',
    familiesAtDefault: ['amazon_q', 'claude_3', 'mistral', 'mixtral', 'gpt', 'general', 'llama3'],
  },
}

export const DEFAULT_CONSTRAINT = '^1.0.0'

/**
 * What Rails sends for `prompt` and a self-hosted model of `family`. Two readings, because the
 * table's source has no base fallback and the spec describes one: the family's own entry, else
 * (`withBaseFallback`) the base entry, else `^1.0.0`.
 */
export function railsConstraint(prompt: string, family: string, withBaseFallback: boolean): string {
  const entry = NON_DEFAULT[prompt]
  if (!entry || entry.familiesAtDefault.includes(family)) return DEFAULT_CONSTRAINT
  return withBaseFallback ? entry.base : DEFAULT_CONSTRAINT
}

/** Every constraint Rails may send for `prompt` and `family`, under either reading. */
export function railsConstraints(prompt: string, family: string): string[] {
  return [...new Set([railsConstraint(prompt, family, false), railsConstraint(prompt, family, true)])]
}

/** The distinct constraints Rails sends for self-hosted features: `^1.0.0` and the three base entries'. */
export const RAILS_CONSTRAINTS = [
  ...new Set([DEFAULT_CONSTRAINT, ...Object.values(NON_DEFAULT).map((e) => e.base)]),
]
