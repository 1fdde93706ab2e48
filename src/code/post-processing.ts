/**
 * Post-processing of code-generation output, with the same results as GitLab's AI gateway
 * (`code_suggestions/processing/post/generations.py` and `post/ops.py`): Markdown fences removed,
 * a leading newline when the cursor is mid-line, lines the model copied back from the prefix
 * dropped ("model reflection"), whitespace-only answers blanked.
 *
 * The reference is Python, so the string primitives it leans on (`str.strip`, `str.isspace`,
 * `splitlines`, `re`'s `\S` and MULTILINE `^`) are reimplemented here with Python's definitions:
 * the JS built-ins disagree on a few characters (`\uFEFF`, `\x1C`-`\x1F`, `\x85`, lone `\r`).
 */

// Every character Python's `str.isspace()` accepts (all in the BMP, so one UTF-16 unit each).
const PY_WHITESPACE = '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000'
const PY_ALL_SPACE = new RegExp(`^[${PY_WHITESPACE}]+$`)
// `^`{3}\S*\n` with re.MULTILINE: Python's `^` follows only `\n` (JS's `m` flag also takes `\r`,
// U+2028 and U+2029), hence the look-behind instead of the flag.
const FENCE_LINE = new RegExp(`(?<![^\\n])\`\`\`[^${PY_WHITESPACE}]*\\n`, 'g')

const COMMENT_STARTS = ['/*', '//', '#']
const SPECIAL_CHARS = new Set('()[];.,$%&^*@#!{}/')

function isPySpace(code: number): boolean {
  if (code <= 0x20) return (code >= 0x09 && code <= 0x0d) || code >= 0x1c
  if (code < 0x85) return false
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  )
}

function pyLstrip(s: string): string {
  let start = 0
  while (start < s.length && isPySpace(s.charCodeAt(start))) start++
  return s.slice(start)
}

function pyStrip(s: string): string {
  let end = s.length
  while (end > 0 && isPySpace(s.charCodeAt(end - 1))) end--
  return pyLstrip(s.slice(0, end))
}

/** `text.rstrip(ch)` for one character; a loop, as a `/x+$/` regex is quadratic on long runs. */
function rstripChar(text: string, ch: string): string {
  let end = text.length
  while (end > 0 && text[end - 1] === ch) end--
  return end === text.length ? text : text.slice(0, end)
}

/** The "anthropic" provider's pipeline: only blank-if-whitespace. */
export function blankIfWhitespace(text: string): string {
  // Python's `"".isspace()` is False, so '' passes through unchanged either way.
  return PY_ALL_SPACE.test(text) ? '' : text
}

/** Drops every fence line (```, an optional info string, a newline: closing ones too), then trailing backticks. */
export function stripCodeFences(text: string): string {
  return rstripChar(text.replace(FENCE_LINE, ''), '`')
}

/** A completion for a mid-line cursor starts on a new line. */
export function prependNewline(prefix: string, text: string): string {
  return text.length > 0 && !prefix.endsWith('\n') && !text.startsWith('\n') ? `\n${text}` : text
}

/** The mixtral family's output fix: every `\_` becomes `_`. */
export function unescapeUnderscores(text: string): string {
  return text.replaceAll('\\_', '_')
}

/** §3.2, the full pipeline for self-hosted (non-Anthropic) providers. */
export function postProcessGeneration(prefix: string, text: string): string {
  let out = stripCodeFences(text)
  out = prependNewline(prefix, out)
  // Reflection works on prefix + completion, so it must see the newline just prepended.
  out = cleanModelReflection(prefix, out)
  return blankIfWhitespace(out)
}

// ---------------------------------------------------------------------------------------------
// Model reflection

/** The reference's keyword arguments to `clean_model_reflection`, with its defaults. */
export interface ReflectionOptions {
  /** Fewest matched lines for a repeated block to count as large (5). */
  minBlockSize?: number
  /** A block with at least this share of `()[];.,$%&^*@#!{}/` is code-like and kept (0.25). */
  minSpecialChars?: number
  /** A block with at least this share of distinct characters is kept (0.35). */
  minDiversityChars?: number
}

/**
 * Drops the lines, after the first completed one, that repeat the prefix: a repeated group is
 * dropped when it is a single-line comment or a large, low-diversity block; others are kept.
 */
export function cleanModelReflection(prefix: string, text: string, options: ReflectionOptions = {}): string {
  const whole = prefix + text
  const breakAt = findNewlinePosition(whole, prefix.length)
  // Only the current line was completed: nothing to dedupe.
  if (breakAt === -1) return text

  const linesBefore = splitCodeLines(whole.slice(0, breakAt))
  const linesAfter = splitCodeLines(whole.slice(breakAt))
  const source = linesBefore.map(pyStrip)
  const target = linesAfter.map(pyStrip)
  // The search visits every pair of equal lines; thousands of identical lines on both sides (blank
  // ones, say) would make that seconds of CPU per request. Such an answer is left as it is.
  if (equalLinePairs(source, target) > MAX_EQUAL_LINE_PAIRS) return text
  const groups = findCommonLines(source, target)

  const kept: string[] = [whole.slice(prefix.length, breakAt)]
  let next = 0
  for (const group of groups) {
    const first = group[0] as number
    const last = group[group.length - 1] as number
    for (let k = next; k < first; k++) kept.push(linesAfter[k] as string)
    // Lines between a group's ends are included even when unmatched, as in the reference.
    const groupLines = linesAfter.slice(first, last + 1)
    if (!isSingleLineComment(groupLines) && !isLargeGroup(group.length, groupLines, options)) {
      for (const line of groupLines) kept.push(line)
    }
    next = last + 1
  }
  for (let k = next; k < linesAfter.length; k++) kept.push(linesAfter[k] as string)
  return kept.join('')
}

/** Beyond this many pairs of equal lines, reflection cleaning is skipped (about 10 ms of work). */
const MAX_EQUAL_LINE_PAIRS = 1_000_000

function equalLinePairs(source: readonly string[], target: readonly string[]): number {
  const counts = new Map<string, number>()
  for (const line of target) counts.set(line, (counts.get(line) ?? 0) + 1)
  let pairs = 0
  for (const line of source) pairs += counts.get(line) ?? 0
  return pairs
}

function isSingleLineComment(lines: string[]): boolean {
  if (lines.length !== 1) return false
  const start = pyLstrip(lines[0] as string)
  return COMMENT_STARTS.some((marker) => start.startsWith(marker))
}

function isLargeGroup(matched: number, lines: string[], options: ReflectionOptions): boolean {
  const { minBlockSize = 5, minSpecialChars = 0.25, minDiversityChars = 0.35 } = options
  if (matched < minBlockSize) return false
  // Counted by code point, as Python's Counter over a str does.
  const counts = new Map<string, number>()
  let total = 0
  let special = 0
  for (const line of lines) {
    for (const ch of pyStrip(line)) {
      counts.set(ch, (counts.get(ch) ?? 0) + 1)
      total++
      if (SPECIAL_CHARS.has(ch)) special++
    }
  }
  return total > 0 && special / total < minSpecialChars && counts.size / total < minDiversityChars
}

/**
 * Where the completion's first line ends: `start` itself when the prefix already ends a line
 * (trailing spaces and tabs ignored), else just past the first newline at or after `start`.
 */
export function findNewlinePosition(value: string, start: number): number {
  let end = start
  while (end > 0 && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--
  if (end > 0 && value[end - 1] === '\n') return start
  const newline = value.indexOf('\n', start)
  return newline === -1 ? -1 : newline + 1
}

/** Python's `str.splitlines(keepends=True)`: breaks on \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, U+2028/9. */
export function splitLinesKeepEnds(s: string): string[] {
  const lines: string[] = []
  let start = 0
  for (let k = 0; k < s.length; k++) {
    const code = s.charCodeAt(k)
    const isBreak =
      code === 0x0a ||
      code === 0x0d ||
      code === 0x0b ||
      code === 0x0c ||
      (code >= 0x1c && code <= 0x1e) ||
      code === 0x85 ||
      code === 0x2028 ||
      code === 0x2029
    if (!isBreak) continue
    if (code === 0x0d && s.charCodeAt(k + 1) === 0x0a) k++
    lines.push(s.slice(start, k + 1))
    start = k + 1
  }
  if (start < s.length) lines.push(s.slice(start))
  return lines
}

/**
 * The reference's `_split_code_lines`: each line's `\n` moves to the start of the next line, and
 * a trailing `\n` becomes a line of its own. Joined back, the lines give the input again when it
 * breaks lines with \n or \r\n; after any other break (a lone \r, \v...) the reference adds a
 * `\n`, and so does this port.
 */
export function splitCodeLines(s: string): string[] {
  const raw = splitLinesKeepEnds(s)
  const lines = raw.map((line, k) => {
    const body = rstripChar(line, '\n')
    return k > 0 ? `\n${body}` : body
  })
  if (raw.length > 0 && (raw[raw.length - 1] as string).endsWith('\n')) lines.push('\n')
  return lines
}

/**
 * The reference's `find_common_lines` with exact comparison: which target lines also occur in
 * source, grouped into runs. Example: source [abc, def, g], target [abc, def, c, abc] gives
 * [[0, 1], [3]].
 *
 * The reference fills a (source+1) x (target+1) matrix of diagonal match-run values (a run of one
 * scores 1, a longer run scores 2, 3, ... along it), takes for each target line the first source
 * line with the highest score, and groups consecutive matched target lines whose chosen source
 * lines are consecutive. Same result here, but only the cells that match are visited (target
 * lines indexed by content) and only two rows are kept: O(S + T + matching pairs) time instead of
 * O(S x T), O(S + T) memory instead of O(S x T).
 */
export function findCommonLines(source: string[], target: string[]): number[][] {
  const width = target.length
  // Target columns (1-based) holding each distinct line, ascending.
  const columnsOf = new Map<string, number[]>()
  target.forEach((line, k) => {
    const columns = columnsOf.get(line)
    if (columns) columns.push(k + 1)
    else columnsOf.set(line, [k + 1])
  })

  let previousRun = new Int32Array(width + 2)
  let currentRun = new Int32Array(width + 2)
  const bestScore = new Int32Array(width + 1)
  const bestRow = new Int32Array(width + 1)
  const none: number[] = []
  let previousColumns = none

  // Row `row - 1` is scored once row `row` is known: a run of one scores 2 when the run goes on.
  const scorePreviousRow = (row: number) => {
    for (const column of previousColumns) {
      const run = previousRun[column] as number
      const score = run >= 2 ? run + 1 : (currentRun[column + 1] as number) > 0 ? 2 : 1
      // Strictly greater: the first row with the best score wins, as numpy's argmax.
      if (score > (bestScore[column] as number)) {
        bestScore[column] = score
        bestRow[column] = row - 1
      }
      previousRun[column] = 0
    }
  }

  for (let row = 1; row <= source.length + 1; row++) {
    const columns = row <= source.length ? (columnsOf.get(source[row - 1] as string) ?? none) : none
    for (const column of columns) currentRun[column] = (previousRun[column - 1] as number) + 1
    scorePreviousRow(row)
    const cleared = previousRun
    previousRun = currentRun
    currentRun = cleared
    previousColumns = columns
  }

  const groups: number[][] = []
  let group: number[] = []
  let lastRow = -1
  for (let column = 1; column <= width; column++) {
    if (bestScore[column] === 0) continue
    const row = bestRow[column] as number
    if (group.length > 0 && row !== lastRow + 1) {
      groups.push(group)
      group = []
    }
    group.push(column - 1)
    lastRow = row
  }
  if (group.length > 0) groups.push(group)
  return groups
}

// ---------------------------------------------------------------------------------------------
// Streaming

/**
 * The reference's `StreamingPostProcessor`: text deltas are buffered and released one whole line
 * at a time, each line put through `stripCodeFences` (so a fence line vanishes), and the last
 * partial line is released by `end()`. Concatenated, the output equals `stripCodeFences` of the
 * whole text. Unlike the reference, lines that process to '' are not returned.
 */
export class LineBufferedFenceStripper {
  // Pieces of the unfinished line, joined once the line ends (no repeated concatenation).
  #pending: string[] = []
  #pendingChars = 0
  readonly #maxLineChars: number

  /**
   * @param maxLineChars the most of one unfinished line held back (AIGW_UPSTREAM__MAX_RESPONSE_BYTES):
   *   a longer line cannot be a fence, so what is held goes out as it is and the line goes on.
   */
  constructor(maxLineChars = Infinity) {
    this.#maxLineChars = maxLineChars
  }

  /** Feed one upstream delta; returns the processed complete lines now ready (possibly none), in order. */
  push(delta: string): string[] {
    const ready: string[] = []
    let start = 0
    for (let newline = delta.indexOf('\n'); newline !== -1; newline = delta.indexOf('\n', start)) {
      this.#pending.push(delta.slice(start, newline + 1))
      const line = stripCodeFences(this.#takePending())
      if (line !== '') ready.push(line)
      start = newline + 1
    }
    if (start < delta.length) {
      const rest = start === 0 ? delta : delta.slice(start)
      this.#pending.push(rest)
      this.#pendingChars += rest.length
      if (this.#pendingChars > this.#maxLineChars) ready.push(this.#takePending())
    }
    return ready
  }

  /** End of stream (or failure): the processed remainder, or '' when nothing is left. */
  end(): string {
    return this.#pending.length === 0 ? '' : stripCodeFences(this.#takePending())
  }

  #takePending(): string {
    const text = this.#pending.length === 1 ? (this.#pending[0] as string) : this.#pending.join('')
    this.#pending = []
    this.#pendingChars = 0
    return text
  }
}
