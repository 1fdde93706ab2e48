/**
 * Turns a user's question into an FTS5 MATCH expression that can never be read as FTS5 syntax.
 *
 * GitLab passes the punctuation-stripped text as the expression, so its words are ANDed; but
 * upper-case AND/OR/NOT/NEAR stay operators there and can make SQLite throw ("NOT runners").
 * Here every word is a quoted string: the same implicit AND, with no operator left.
 */
import { stripPunctuation } from './text.ts'

/**
 * The index uses the trigram tokenizer: a word of fewer than 3 characters matches nothing alone
 * and is ignored inside an AND, so leaving it out changes no result.
 */
const MIN_TERM_LENGTH = 3

/**
 * Words after this many distinct ones are dropped. An AND of that many words already matches
 * almost nothing, and a 400,000-character query must not keep SQLite busy for seconds.
 */
export const MAX_TERMS = 100

/**
 * Longer words are cut to this many characters (the match then asks for their start only). No
 * real word is this long, and SQLite's time grows faster than linearly with a word's length: a
 * 400,000-letter "word" took 20 s in D1.
 */
export const MAX_TERM_LENGTH = 128

/** The MATCH expression for a query, or null when no word could match anything. */
export function matchExpression(query: string): string | null {
  const terms = new Set<string>()
  for (const word of stripPunctuation(query).toLowerCase().split(/\s+/)) {
    const characters = [...word]
    if (characters.length < MIN_TERM_LENGTH) continue
    terms.add(characters.length > MAX_TERM_LENGTH ? characters.slice(0, MAX_TERM_LENGTH).join('') : word)
    if (terms.size === MAX_TERMS) break
  }
  if (terms.size === 0) return null
  // A quoted FTS5 string takes any character but `"`, which is written twice (none survive
  // stripPunctuation, but the quoting must not depend on it).
  return [...terms].map((term) => `"${term.replaceAll('"', '""')}"`).join(' ')
}
