/**
 * Markdown pages to index rows: the front matter's scalar keys and the heading path become
 * metadata, each section under a heading (levels 1–5) becomes a row, as GitLab's own index
 * builder split its pages (metadata keys `Header1`…`Header5`, plus `filename`).
 */
import { processedText } from '../../src/search/text.ts'

export interface IndexRow {
  processed: string
  content: string
  metadata: Record<string, unknown>
}

/**
 * Sections larger than this (UTF-8 bytes) are cut at blank lines: a row becomes one INSERT
 * statement in the D1 SQL file, and D1 refuses statements over 100 KB.
 */
export const MAX_SECTION_BYTES = 24_000

const HEADING = /^(#{1,5})[ \t]+(.+?)[ \t]*#*[ \t]*$/
const FENCE = /^[ \t]*(`{3,}|~{3,})/

/** The rows of one page; `filename` is its path under the docs directory, with a leading `/`. */
export function pageRows(filename: string, markdown: string): IndexRow[] {
  const { frontMatter, body } = splitFrontMatter(markdown.replaceAll('\r\n', '\n').replaceAll('\0', ''))
  const rows: IndexRow[] = []
  for (const section of sections(body)) {
    const headers = Object.fromEntries(
      section.path.map((title, level) => [`Header${level + 1}`, title]).filter(([, title]) => title),
    )
    const metadata = { ...frontMatter, ...headers, filename }
    for (const content of pieces(section.text.trim())) {
      // The page title and heading path are searchable too: "Rotate a token" finds its section.
      const title = typeof frontMatter.title === 'string' ? frontMatter.title : ''
      const processed = processedText(`${title} ${section.path.filter(Boolean).join(' ')}\n${content}`)
      rows.push({ processed, content, metadata })
    }
  }
  return rows
}

/** `---`-delimited YAML front matter: `key: value` scalars and simple `- item` lists; the rest is skipped. */
export function splitFrontMatter(markdown: string): { frontMatter: Record<string, unknown>; body: string } {
  const match = /^---[ \t]*\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(markdown)
  if (!match) return { frontMatter: {}, body: markdown }
  const frontMatter: Record<string, unknown> = {}
  let listKey: string | undefined
  for (const line of match[1]!.split('\n')) {
    const item = /^[ \t]+-[ \t]+(.*)$/.exec(line) ?? /^-[ \t]+(.*)$/.exec(line)
    if (item && listKey !== undefined) {
      ;(frontMatter[listKey] as string[]).push(unquote(item[1]!))
      continue
    }
    const pair = /^([A-Za-z0-9_-]+):[ \t]*(.*)$/.exec(line)
    listKey = undefined
    if (!pair) continue
    const [, key, value] = pair as unknown as [string, string, string]
    if (value === '') {
      frontMatter[key] = []
      listKey = key
    } else frontMatter[key] = unquote(value)
  }
  for (const [key, value] of Object.entries(frontMatter))
    if (Array.isArray(value) && value.length === 0) delete frontMatter[key]
  return { frontMatter, body: markdown.slice(match[0].length) }
}

function unquote(value: string): string {
  const trimmed = value.trim()
  const quoted = /^"(.*)"$/.exec(trimmed) ?? /^'(.*)'$/.exec(trimmed)
  return quoted ? quoted[1]! : trimmed
}

interface Section {
  /** Heading titles by level (index 0 = `#`); empty strings for skipped levels. */
  path: string[]
  /** The heading line and the text under it, up to the next heading of level 1–5. */
  text: string
}

/** Splits a page body at headings of levels 1–5, ignoring `#` lines inside fenced code. */
function sections(body: string): Section[] {
  const result: Section[] = []
  let path: string[] = []
  let lines: string[] = []
  let hasBody = false
  let fence: string | undefined
  const flush = () => {
    if (hasBody) result.push({ path: [...path], text: lines.join('\n') })
    lines = []
    hasBody = false
  }
  for (const line of body.split('\n')) {
    const fenceMark = FENCE.exec(line)?.[1]
    if (
      fenceMark &&
      (fence === undefined || (fenceMark[0] === fence[0] && fenceMark.length >= fence.length))
    ) {
      fence = fence === undefined ? fenceMark : undefined
    }
    const heading = fence === undefined ? HEADING.exec(line) : null
    if (heading) {
      flush()
      const level = heading[1]!.length
      path = [...path.slice(0, level - 1), heading[2]!]
      while (path.length < level) path.splice(path.length - 1, 0, '')
      lines = [line]
      continue
    }
    lines.push(line)
    if (line.trim()) hasBody = true
  }
  flush()
  return result
}

/** The section itself, or its paragraphs regrouped into pieces that fit MAX_SECTION_BYTES. */
function pieces(text: string): string[] {
  const encoder = new TextEncoder()
  const size = (value: string) => encoder.encode(value).length
  if (size(text) <= MAX_SECTION_BYTES) return [text]
  const result: string[] = []
  let current = ''
  for (const paragraph of text.split(/\n[ \t]*\n/).flatMap((p) => hardSplit(p, size))) {
    const joined = current ? `${current}\n\n${paragraph}` : paragraph
    if (current && size(joined) > MAX_SECTION_BYTES) {
      result.push(current)
      current = paragraph
    } else current = joined
  }
  if (current) result.push(current)
  return result
}

/** A paragraph too large on its own is cut at line ends, then at characters. */
function hardSplit(paragraph: string, size: (value: string) => number): string[] {
  if (size(paragraph) <= MAX_SECTION_BYTES) return [paragraph]
  const result: string[] = []
  let current = ''
  let bytes = 0
  for (const char of paragraph) {
    const charBytes = size(char)
    if (bytes + charBytes > MAX_SECTION_BYTES) {
      result.push(current)
      current = ''
      bytes = 0
    }
    current += char
    bytes += charBytes
  }
  if (current) result.push(current)
  return result
}
