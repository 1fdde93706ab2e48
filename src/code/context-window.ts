/**
 * What of the editor's content fits the model (spec features §2.0): a token budget `L` (the
 * family's context window on v2, 32,768 on v3/v4); the code above the cursor keeps its last 93 %
 * of `L`, the code below its first 7 %; related code context fills what is left, cut at its end,
 * and goes in front of the prefix.
 *
 * GitLab counts with a Hugging Face tokenizer; here a token is 3 characters. Code tokenizes at
 * 3–4 characters a token, so this errs towards sending less than fits, never more (a model server
 * answers an over-long prompt with an error, the worst outcome in an editor).
 */
export const CHARS_PER_TOKEN = 3

const PREFIX_SHARE = 0.93

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN)
}

export interface Window {
  prefix: string
  suffix: string
  /** Estimated tokens of the code context offered, and of what was kept. */
  contextTokensSent: number
  contextTokensUsed: number
}

export function fitWindow(above: string, below: string, context: readonly string[], budgetTokens: number): Window {
  const prefixBudget = Math.ceil(PREFIX_SHARE * budgetTokens)
  const suffixBudget = budgetTokens - prefixBudget
  const prefix = keepEnd(above, prefixBudget * CHARS_PER_TOKEN)
  const suffix = keepStart(below, suffixBudget * CHARS_PER_TOKEN)
  const joined = context.join('\n')
  if (!joined) return { prefix, suffix, contextTokensSent: 0, contextTokensUsed: 0 }
  const left = Math.max(0, budgetTokens - estimateTokens(prefix) - estimateTokens(suffix))
  const kept = keepStart(joined, left * CHARS_PER_TOKEN)
  return {
    prefix: kept ? `${kept}\n${prefix}` : prefix,
    suffix,
    contextTokensSent: estimateTokens(joined),
    contextTokensUsed: estimateTokens(kept),
  }
}

function keepEnd(text: string, chars: number): string {
  if (text.length <= chars) return text
  const start = text.length - chars
  return text.slice(isLowSurrogate(text, start) ? start + 1 : start)
}

function keepStart(text: string, chars: number): string {
  if (text.length <= chars) return text
  return text.slice(0, isLowSurrogate(text, chars) ? chars - 1 : chars)
}

/** A cut at `index` would split a surrogate pair (an emoji, say) in two. */
function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index)
  return code >= 0xdc00 && code <= 0xdfff
}
