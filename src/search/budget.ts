/**
 * GitLab's cap on how much documentation one search hands to the model: results are kept, best
 * first, while their estimated tokens add up to at most 8,000 (an estimate of 1.4 tokens a word).
 */

export const MAX_TOKENS = 8000

/** GitLab's estimate: 1.4 × the number of whitespace-separated words, rounded down. */
export function estimateTokens(text: string): number {
  let words = 0
  for (const word of text.split(/\s+/)) if (word) words += 1
  return Math.floor(words * 1.4)
}

/** The leading results whose contents fit the budget (stops at the first that does not). */
export function withinBudget<T extends { content: string }>(
  results: readonly T[],
  maxTokens = MAX_TOKENS,
): { kept: T[]; tokens: number } {
  const kept: T[] = []
  let tokens = 0
  for (const result of results) {
    const cost = estimateTokens(result.content)
    if (tokens + cost > maxTokens) break
    tokens += cost
    kept.push(result)
  }
  return { kept, tokens }
}
