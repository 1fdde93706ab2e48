/**
 * The text rules GitLab's docs index is built with (its `processed` column): lower case, and
 * nothing but word characters and whitespace. Queries are cleaned the same way so that they
 * match an index GitLab built as well as one `npm run docs:index` built.
 */

// Python's `\w` (letters, digits, underscore; combining marks are not word characters there).
const NOT_WORD_OR_SPACE = /[^\p{L}\p{N}_\s]/gu

/** Removes punctuation and symbols, as GitLab does before indexing and before searching. */
export function stripPunctuation(text: string): string {
  return text.replace(NOT_WORD_OR_SPACE, '')
}

/** The `processed` column of a row: what FTS5 indexes. */
export function processedText(text: string): string {
  return stripPunctuation(text.toLowerCase())
}
