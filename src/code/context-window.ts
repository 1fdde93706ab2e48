/**
 * What of the editor's content fits the model (spec features §2.0): a token budget `L` (the
 * family's context window on v2, 32,768 on v3/v4); the code above the cursor keeps its last 93 %
 * of `L`, the code below its first 7 %; related code context fills what is left, cut at its end,
 * and goes in front of the prefix.
 *
 * GitLab counts with the model's tokenizer, which the gateway does not have. The cut uses a bound
 * that never under-counts: one token per UTF-8 byte (byte-level BPE and SentencePiece with byte
 * fallback never make a token of less than one byte). "Three characters a token" was wrong both
 * ways: CJK text and emoji are 1.8 tokens a character and more (100,000 CJK characters measured
 * 180,188 tokens on llama.cpp), and minified or encoded ASCII can be one token per character or two.
 * An over-long prompt is the worst outcome in an editor (the model server refuses it), so the
 * budget errs towards sending less. The usage a response reports when the model reported none is
 * a typical estimate instead (`estimateTokens`, three characters a token).
 */
export const CHARS_PER_TOKEN = 3

const PREFIX_SHARE = 0.93

/** A typical token count, for reports (usage, context tokens sent and used): not a bound. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN)
}

/** At least as many tokens as any byte-level tokenizer makes of `text`: its UTF-8 length. */
export function tokenBound(text: string): number {
  return ASCII.test(text) ? text.length : utf8Length(text, 0, text.length)
}

export interface Window {
  prefix: string
  suffix: string
  /** Estimated tokens of the code context offered, and of what was kept. */
  contextTokensSent: number
  contextTokensUsed: number
}

export function fitWindow(
  above: string,
  below: string,
  context: readonly string[],
  budgetTokens: number,
): Window {
  const prefixBudget = Math.ceil(PREFIX_SHARE * budgetTokens)
  const suffixBudget = budgetTokens - prefixBudget
  const prefix = keepEnd(above, prefixBudget)
  const suffix = keepStart(below, suffixBudget)
  const joined = context.join('\n')
  if (!joined) return { prefix, suffix, contextTokensSent: 0, contextTokensUsed: 0 }
  // The context joins the prefix with a newline, which counts too.
  const left = Math.max(0, budgetTokens - tokenBound(prefix) - tokenBound(suffix) - 1)
  const kept = keepStart(joined, left)
  return {
    prefix: kept ? `${kept}\n${prefix}` : prefix,
    suffix,
    contextTokensSent: estimateTokens(joined),
    contextTokensUsed: estimateTokens(kept),
  }
}

const ASCII = /^[\x00-\x7f]*$/

/** The longest end of `text` whose bound is at most `tokens`. */
export function keepEnd(text: string, tokens: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair is 4 for two units): short texts fit as they are.
  if (text.length * 3 <= tokens) return text
  if (ASCII.test(text)) return text.length <= tokens ? text : text.slice(text.length - tokens)
  let bytes = 0
  let start = text.length
  while (start > 0) {
    const width = unitBytes(text, start - 1)
    if (bytes + width > tokens) break
    bytes += width
    start--
  }
  return text.slice(isLowSurrogate(text, start) ? start + 1 : start)
}

/** The longest start of `text` whose bound is at most `tokens`. */
export function keepStart(text: string, tokens: number): string {
  if (text.length * 3 <= tokens) return text
  if (ASCII.test(text)) return text.length <= tokens ? text : text.slice(0, tokens)
  let bytes = 0
  let end = 0
  while (end < text.length) {
    const width = unitBytes(text, end)
    if (bytes + width > tokens) break
    bytes += width
    end++
  }
  return text.slice(0, isLowSurrogate(text, end) ? end - 1 : end)
}

/** UTF-8 bytes of the UTF-16 unit at `index` (a surrogate counts 2: its pair is 4 bytes). */
function unitBytes(text: string, index: number): number {
  const code = text.charCodeAt(index)
  if (code < 0x80) return 1
  if (code < 0x800 || (code >= 0xd800 && code <= 0xdfff)) return 2
  return 3
}

function utf8Length(text: string, from: number, to: number): number {
  let bytes = 0
  for (let i = from; i < to; i++) bytes += unitBytes(text, i)
  return bytes
}

/** A cut at `index` would split a surrogate pair (an emoji, say) in two. */
function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index)
  return code >= 0xdc00 && code <= 0xdfff
}
